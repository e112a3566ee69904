import { expect } from 'chai';
import fc from 'fast-check';
import { isParamProblem, param, parseParams, parseSize, type ParamSpec } from '@stackemu/core';

class Bad extends Error {
  constructor(
    readonly param: string,
    readonly reason: string,
  ) {
    super(`${param}: ${reason}`);
  }
}
const fail = (p: string, r: string): Error => new Bad(p, r);

function badOf(fn: () => unknown): Bad {
  try {
    fn();
  } catch (e) {
    if (e instanceof Bad) return e;
    throw e;
  }
  throw new Error('expected a parameter error');
}

describe('parseSize() (memparse)', () => {
  it('reads K/M/G/T/P/E suffixes as powers of 1024 in any case', () => {
    expect(parseSize('4k')).to.equal(4096);
    expect(parseSize('4K')).to.equal(4096);
    expect(parseSize('64m')).to.equal(64 * 2 ** 20);
    expect(parseSize('1G')).to.equal(2 ** 30);
    expect(parseSize('2t')).to.equal(2 * 2 ** 40);
    expect(parseSize('3P')).to.equal(3 * 2 ** 50);
    expect(parseSize('0E')).to.equal(0);
    expect(parseSize('1e')).to.equal(undefined); // 2^60 is past Number.MAX_SAFE_INTEGER
    expect(parseSize('0')).to.equal(0);
    expect(parseSize(' 512 ')).to.equal(512);
  });

  it('reads the number as strtoull(…, 0) does: 0x hex, leading-zero octal', () => {
    expect(parseSize('0x10')).to.equal(16);
    expect(parseSize('0x1000K')).to.equal(4096 * 1024);
    expect(parseSize('010')).to.equal(8);
    expect(parseSize('08')).to.equal(undefined);
  });

  it('accepts a trailing B or iB', () => {
    expect(parseSize('64MiB')).to.equal(64 * 2 ** 20);
    expect(parseSize('4kb')).to.equal(4096);
    expect(parseSize('100B')).to.equal(100);
    expect(parseSize('5iB')).to.equal(undefined);
  });

  it('refuses what is not a size', () => {
    for (const s of ['', 'k', '-4k', '4x', '1.5g', '4 k k', '9999999999999999999', '16384P']) {
      expect(parseSize(s), s).to.equal(undefined);
    }
    expect(parseSize(-1)).to.equal(undefined);
    expect(parseSize(1.5)).to.equal(undefined);
    expect(parseSize(4096)).to.equal(4096);
  });

  it('round-trips n·2^(10k) for every suffix (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 8191 }), fc.constantFrom('', 'k', 'm', 'g', 't'), (n, sfx) => {
        const shift = { '': 0, k: 10, m: 20, g: 30, t: 40 }[sfx];
        expect(parseSize(`${n}${sfx}`)).to.equal(n * 2 ** shift);
      }),
    );
  });
});

describe('param.*', () => {
  it('bool reads kstrtobool-style words', () => {
    const p = param.bool(false, 'x');
    for (const v of [true, 1, '1', 'y', 'Y', 'yes', 'true', 'TRUE', 'on']) expect(p.parse(v), String(v)).to.equal(true);
    for (const v of [false, 0, '0', 'n', 'N', 'no', 'false', 'off']) expect(p.parse(v), String(v)).to.equal(false);
    for (const v of ['maybe', 2, null, {}]) expect(isParamProblem(p.parse(v)), JSON.stringify(v)).to.equal(true);
  });

  it('int accepts safe integers and their decimal/hex strings within range', () => {
    const p = param.int(1, 'x', -10, 0x40);
    expect(p.parse(5)).to.equal(5);
    expect(p.parse('-10')).to.equal(-10);
    expect(p.parse('0x40')).to.equal(64);
    expect(p.parse(65)).to.deep.equal({ problem: '65 is outside [-10, 64]' });
    for (const v of [1.5, '1.5', '', 'ten', true, 2 ** 60, '-0x5']) {
      expect(isParamProblem(p.parse(v)), String(v)).to.equal(true);
    }
  });

  it('number accepts finite numbers in range', () => {
    const p = param.number(0.5, 'ratio', 0, 1);
    expect(p.parse('0.25')).to.equal(0.25);
    expect(p.parse(1)).to.equal(1);
    for (const v of [1.01, 'x', '', ' ', Infinity, Number.NaN, null]) {
      expect(isParamProblem(p.parse(v)), String(v)).to.equal(true);
    }
  });

  it('size parses memparse strings and checks alignment', () => {
    const p = param.size(4096, 'block size', 512);
    expect(p.parse('4k')).to.equal(4096);
    expect(p.parse(1024)).to.equal(1024);
    expect(p.parse(1000)).to.deep.equal({ problem: '1000 is not a multiple of 512' });
    expect(isParamProblem(p.parse('big'))).to.equal(true);
    expect(isParamProblem(p.parse(true))).to.equal(true);
    expect(p.type).to.equal('size');
  });

  it('string, enum and custom', () => {
    expect(param.string('a', 'x').parse('b')).to.equal('b');
    expect(isParamProblem(param.string('a', 'x').parse(1))).to.equal(true);
    const e = param.enum(['ssd', 'hdd'], 'ssd', 'media');
    expect(e.type).to.equal('enum(ssd|hdd)');
    expect(e.parse('hdd')).to.equal('hdd');
    expect(e.parse('tape')).to.deep.equal({ problem: 'expects one of ssd, hdd, got "tape"' });
    const list = param.custom<readonly number[]>('list', [], 'nsids', (raw) =>
      Array.isArray(raw) && raw.every((x) => typeof x === 'number') ? raw : param.problem('expects numbers'),
    );
    expect(list.parse([1, 2])).to.deep.equal([1, 2]);
    expect(list.parse('x')).to.deep.equal({ problem: 'expects numbers' });
  });
});

describe('parseParams()', () => {
  const spec = {
    depth: param.int(32, 'queue depth', 1, 1024),
    'timing.read_ns': param.int(1000, 'read latency', 0),
    'timing.write_ns': param.int(2000, 'write latency', 0),
    faults: param.custom<Readonly<Record<string, unknown>>>('object', {}, 'fault table', (raw) =>
      typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : param.problem('expects an object'),
    ),
  } satisfies ParamSpec;

  it('fills in defaults and returns a frozen object', () => {
    const v = parseParams(spec, undefined, fail);
    expect(v).to.deep.equal({ depth: 32, 'timing.read_ns': 1000, 'timing.write_ns': 2000, faults: {} });
    expect(Object.isFrozen(v)).to.equal(true);
  });

  it('flattens nested objects to dotted names, and accepts dotted keys directly', () => {
    const nested = parseParams(spec, { timing: { read_ns: 5 } }, fail);
    const dotted = parseParams(spec, { 'timing.read_ns': 5 }, fail);
    expect(nested).to.deep.equal(dotted);
    expect(nested['timing.read_ns']).to.equal(5);
    expect(nested['timing.write_ns']).to.equal(2000);
  });

  it('passes an object whole to a parameter declared at that path', () => {
    const v = parseParams(spec, { faults: { at: 3, errno: 'EIO' } }, fail);
    expect(v.faults).to.deep.equal({ at: 3, errno: 'EIO' });
  });

  it('names the dotted parameter in errors', () => {
    expect(badOf(() => parseParams(spec, { timing: { read_ns: -1 } }, fail)).param).to.equal('timing.read_ns');
    const unknown = badOf(() => parseParams(spec, { timing: { erase_ns: 1 } }, fail));
    expect(unknown.param).to.equal('timing.erase_ns');
    expect(unknown.reason).to.match(/^unknown parameter \(known: depth, timing.read_ns, timing.write_ns, faults\)$/);
    expect(badOf(() => parseParams(spec, { bogus: { x: 1 } }, fail)).param).to.equal('bogus');
    expect(badOf(() => parseParams(spec, { timing: 5 }, fail)).param).to.equal('timing');
  });

  it('refuses a parameter set twice (dotted and nested)', () => {
    const e = badOf(() => parseParams(spec, { 'timing.read_ns': 1, timing: { read_ns: 2 } }, fail));
    expect(e.param).to.equal('timing.read_ns');
    expect(e.reason).to.equal('set more than once');
  });

  it('is not fooled by Object.prototype names (regression: crashed with a TypeError)', () => {
    for (const key of ['toString', 'constructor', 'hasOwnProperty', '__proto__']) {
      const raw = JSON.parse(`{"${key}": 1}`) as Record<string, unknown>;
      expect(badOf(() => parseParams(spec, raw, fail)).reason, key).to.match(/unknown parameter/);
    }
  });

  it('refuses params that are not a plain object', () => {
    for (const raw of [5, 'depth=4', [1, 2], null]) {
      const e = badOf(() => parseParams(spec, raw as unknown as Record<string, unknown>, fail));
      expect(e.reason, JSON.stringify(raw)).to.match(/params must be an object/);
    }
  });
});
