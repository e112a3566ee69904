import { expect } from 'chai';
import { FioError, parsePattern } from '@stackemu/fio';

describe('parsePattern()', () => {
  it('reads hex in written order, decimals little-endian, strings, and concatenations', () => {
    expect([...parsePattern('0xaa555aa5', 'p')]).to.deep.equal([0xaa, 0x55, 0x5a, 0xa5]);
    expect([...parsePattern('0xabc', 'p')]).to.deep.equal([0x0a, 0xbc]);
    expect([...parsePattern('170', 'p')]).to.deep.equal([170]);
    expect([...parsePattern('258', 'p')]).to.deep.equal([2, 1]);
    expect([...parsePattern('"ab"0x01', 'p')]).to.deep.equal([97, 98, 1]);
    expect([...parsePattern('0xff0x14', 'p')]).to.deep.equal([0xff, 0x14]);
  });
  it('refuses %o formats and garbage with the option named', () => {
    expect(() => parsePattern('%o', 'verify_pattern')).to.throw(FioError, /verify_pattern/);
    expect(() => parsePattern('zz', 'buffer_pattern')).to.throw(FioError, /buffer_pattern/);
  });
});
