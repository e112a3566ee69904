import { expect } from 'chai';
import { checkInt, checkStrBytes, checkStrTime, getMultBytes, stripBlankEnd, strToFloat } from '@stackemu/fio';

describe('checkStrBytes()', () => {
  it('reads fio units with kb_base=1024 (IEC forms reversed, as fio does)', () => {
    expect(checkStrBytes('4k')).to.equal(4096);
    expect(checkStrBytes('4K')).to.equal(4096);
    expect(checkStrBytes('1m')).to.equal(1048576);
    expect(checkStrBytes('1mi')).to.equal(1048576); // "mi" is not "mib": plain mega
    expect(checkStrBytes('1mib')).to.equal(1_000_000);
    expect(checkStrBytes('1MiB')).to.equal(1_000_000);
    expect(checkStrBytes('2g')).to.equal(2 * 2 ** 30);
    expect(checkStrBytes('512')).to.equal(512);
    expect(checkStrBytes('0x10')).to.equal(16);
  });
  it('honours kb_base=1000', () => {
    expect(checkStrBytes('4k', 1000)).to.equal(4000);
    expect(checkStrBytes('4kib', 1000)).to.equal(4096);
  });
  it('returns percentages and rejects non-numbers', () => {
    expect(checkStrBytes('20%')).to.deep.equal({ percent: 20 });
    expect(checkStrBytes('abc')).to.equal(undefined);
    expect(checkStrBytes('')).to.equal(undefined);
  });
  it('evaluates parenthesised arithmetic', () => {
    expect(checkStrBytes('(1+2)*4k')).to.equal(12288);
    expect(checkStrBytes('(8*1024)')).to.equal(8192);
  });
  it('getMultBytes() stops at a separator', () => {
    expect(getMultBytes('k-8k')).to.equal(1024);
    expect(getMultBytes('%')).to.equal('%');
  });
});

describe('checkStrTime()', () => {
  it('reads seconds by default and unit suffixes in µs', () => {
    expect(checkStrTime('10', true)).to.equal(10_000_000);
    expect(checkStrTime('10ms', true)).to.equal(10_000);
    expect(checkStrTime('100us', true)).to.equal(100);
    expect(checkStrTime('1m', true)).to.equal(60_000_000);
    expect(checkStrTime('1h', true)).to.equal(3_600_000_000);
    expect(checkStrTime('5', false)).to.equal(5);
  });
});

describe('checkInt() / strToFloat() / stripBlankEnd()', () => {
  it('parses integers and floats as fio does', () => {
    expect(checkInt('12')).to.equal(12);
    expect(checkInt('0x1f')).to.equal(31);
    expect(checkInt('x')).to.equal(undefined);
    expect(strToFloat('99.95')).to.equal(99.95);
    expect(strToFloat('(1+1)')).to.equal(2);
  });
  it('cuts ; and # comments anywhere and trailing blanks', () => {
    expect(stripBlankEnd('filename=a.tmp\t; or a disk')).to.equal('filename=a.tmp');
    expect(stripBlankEnd('bs=4k # comment  ')).to.equal('bs=4k');
  });
});
