/**
 * Seeded pseudo-random numbers: xoshiro128** 1.1 (Blackman and Vigna, 2018), seeded through SplitMix32.
 * @packageDocumentation
 */

/** Service identifier of the machine's root {@link Rng}. */
export const Rng = Symbol.for('stackemu.Rng');

/**
 * A deterministic random stream.
 * @remarks Components never share a stream: each takes `rng.fork('its name')`, so adding a component
 * leaves every other component's numbers unchanged.
 */
export interface Rng {
  /** The seed this stream was made from (for forks, the derived seed). */
  readonly seed: number;
  /**
   * Draws 32 random bits.
   * @returns the next uniformly distributed unsigned 32-bit integer.
   */
  nextU32(): number;
  /**
   * Draws a float (two 32-bit draws).
   * @returns the next float in [0, 1), with 53 random bits.
   */
  nextFloat(): number;
  /**
   * Draws an integer below a bound, without modulo bias (Lemire's method).
   * @param n - the bound, an integer in 1..2^32
   * @returns the next integer in [0, n).
   * @throws RangeError for any other bound.
   */
  nextInt(n: number): number;
  /**
   * Draws an integer in a range, without bias.
   * @param lo - the least value, a safe integer
   * @param hi - the greatest value, a safe integer with `hi - lo < 2^53`
   * @returns the next integer in [lo, hi] inclusive.
   * @throws RangeError for non-integers, `hi < lo`, or a span wider than 2^53 values.
   */
  nextRange(lo: number, hi: number): number;
  /**
   * Derives an independent stream from this stream's seed and `name` only (not from its position), so
   * adding a component or drawing more numbers leaves every other fork unchanged.
   * @param name - the component's name (`"nvme0"`, `"fio:job1"`)
   * @returns the forked stream.
   */
  fork(name: string): Rng;
}

function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** MurmurHash3's 32-bit finalizer: a bijection on u32 with full avalanche. */
function fmix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** FNV-1a (32-bit) over the UTF-16 code units of `s`. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * The seed of fork `name` of a stream seeded `seed`: both inputs pass through a full-avalanche mix before
 * they meet, so related seeds and related names give unrelated forks (for a fixed name it is a bijection
 * of the seed).
 */
function forkSeed(seed: number, name: string): number {
  return fmix32((fmix32((seed ^ 0x9e3779b9) >>> 0) + fmix32(fnv1a(name))) >>> 0);
}

/**
 * Turns a user seed (number or string, as in `--seed`) into a 32-bit seed.
 * @param seed - an integer in 0..2^32-1 (or its decimal string) is used as is; anything else is hashed.
 * @returns an unsigned 32-bit integer.
 */
export function normalizeSeed(seed: number | string | bigint): number {
  let n: number | undefined;
  if (typeof seed === 'number') n = seed;
  else if (typeof seed === 'bigint') n = seed >= 0n && seed <= 0xffffffffn ? Number(seed) : undefined;
  else if (/^\d{1,10}$/.test(seed)) n = Number(seed);
  if (n !== undefined && Number.isInteger(n) && n >= 0 && n <= 0xffffffff) return n >>> 0;
  return fmix32(fnv1a(String(seed)));
}

/** xoshiro128** implementation of {@link Rng}. */
export class Xoshiro128 implements Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  readonly seed: number;

  /** @param seed - any 32-bit value; the state is filled from it by SplitMix32 (never all zero). */
  constructor(seed: number) {
    this.seed = seed >>> 0;
    const st = { s: this.seed };
    this.a = splitmix32(st);
    this.b = splitmix32(st);
    this.c = splitmix32(st);
    this.d = splitmix32(st);
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  nextU32(): number {
    const b = this.b;
    const r = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    this.c ^= this.a;
    this.d ^= b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return r;
  }

  nextFloat(): number {
    const hi = this.nextU32() >>> 5; // 27 bits
    const lo = this.nextU32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  nextInt(n: number): number {
    if (!(n >= 1 && n <= 0x100000000) || !Number.isInteger(n)) throw new RangeError(`rng: bad bound ${n}`);
    if (n === 0x100000000) return this.nextU32();
    // Lemire's nearly divisionless method on 32-bit halves of the 64-bit product.
    let x = this.nextU32();
    let low = lowMul32(x, n);
    if (low < n) {
      const threshold = (0x100000000 - n) % n;
      while (low < threshold) {
        x = this.nextU32();
        low = lowMul32(x, n);
      }
    }
    return hiMul32(x, n);
  }

  nextRange(lo: number, hi: number): number {
    if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi) || hi < lo) {
      throw new RangeError(`rng: bad range [${lo}, ${hi}]`);
    }
    if (hi - lo >= 9007199254740992) throw new RangeError(`rng: range [${lo}, ${hi}] spans more than 2^53 values`);
    const span = hi - lo + 1;
    if (span <= 0x100000000) return lo + this.nextInt(span);
    // Rejection sampling over 53 bits.
    const bound = Math.floor(9007199254740992 / span) * span;
    for (;;) {
      const x = Math.floor(this.nextFloat() * 9007199254740992);
      if (x < bound) return lo + (x % span);
    }
  }

  fork(name: string): Rng {
    return new Xoshiro128(forkSeed(this.seed, name));
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Low 32 bits of the 64-bit product of two u32 values. */
function lowMul32(x: number, n: number): number {
  return Math.imul(x, n >>> 0) >>> 0;
}

/** High 32 bits of the 64-bit product of two u32 values. */
function hiMul32(x: number, n: number): number {
  const xl = x & 0xffff;
  const xh = x >>> 16;
  const nl = n & 0xffff;
  const nh = n >>> 16;
  const ll = xl * nl;
  const lh = xl * nh;
  const hl = xh * nl;
  const hh = xh * nh;
  const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  return (hh + (lh >>> 16) + (hl >>> 16) + Math.floor(mid / 65536)) >>> 0;
}

/**
 * Creates the root stream of a machine.
 * @param seed - the stack config's or `--seed`'s value (see {@link normalizeSeed})
 * @returns a {@link Xoshiro128} stream.
 */
export function createRng(seed: number | string | bigint): Rng {
  return new Xoshiro128(normalizeSeed(seed));
}
