/**
 * fio's random numbers: the Tausworthe generator of `lib/rand.c` (L'Ecuyer's taus88), its seeding, and the
 * buffer fill fio uses for data. Bit-exact with fio, so a job's offsets and buffer contents match the real
 * fio's for the same seeds.
 * @packageDocumentation
 */

/** Models `FRAND32_MAX` (lib/rand.h): the largest value of {@link FrandState.rand32}. */
export const FRAND32_MAX = 0xffffffff;

/** Models `FIO_RANDSEED` (init.c): the base of repeatable per-job block seeds. */
export const FIO_RANDSEED = 0xb1899bedn;

/** Models `GOLDEN_RATIO_64` (hash.h). */
const GOLDEN_RATIO_64 = 0x61c8864680b583ebn;

/**
 * Models `struct frand_state` with `struct taus88_state` (lib/rand.h): the 32-bit Tausworthe generator.
 * @remarks fio's `tausworthe64` generator is not modelled; `random_generator=tausworthe64` uses this one.
 */
export class FrandState {
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;

  /**
   * Models `init_rand_seed()` (lib/rand.c): seeds from the low 32 bits of `seed`.
   * @param seed - any 64-bit seed
   */
  constructor(seed: bigint | number) {
    this.seed(seed);
  }

  /** Models `__init_rand32()` (lib/rand.c), including its six warm-up steps. */
  seed(seed: bigint | number): void {
    const s = Number(BigInt.asUintN(32, BigInt(seed)));
    const lcg = (x: number): number => (Math.imul(x, 69069) ^ s) >>> 0;
    const sd = (x: number, m: number): number => (x < m ? x + m : x) >>> 0;
    // LCG((2^31) + (2^17) + (2^7), seed): '^' is C's XOR, so the constant is 29 + 19 + 5 = 53.
    this.s1 = sd(lcg(53), 1);
    this.s2 = sd(lcg(this.s1), 7);
    this.s3 = sd(lcg(this.s2), 15);
    for (let i = 0; i < 6; i++) this.rand32();
  }

  /** Models `__rand32()` (lib/rand.h). */
  rand32(): number {
    const s1 = this.s1;
    const s2 = this.s2;
    const s3 = this.s3;
    this.s1 = (((s1 & 0xfffffffe) << 12) ^ (((s1 << 13) ^ s1) >>> 19)) >>> 0;
    this.s2 = (((s2 & 0xfffffff8) << 4) ^ (((s2 << 2) ^ s2) >>> 25)) >>> 0;
    this.s3 = (((s3 & 0xfffffff0) << 17) ^ (((s3 << 3) ^ s3) >>> 11)) >>> 0;
    return (this.s1 ^ this.s2 ^ this.s3) >>> 0;
  }

  /** Models `rand_between()` (lib/rand.h): an integer in [start, end]. */
  between(start: number, end: number): number {
    const r = this.rand32();
    return start + Math.trunc((end - start + 1) * (r / (FRAND32_MAX + 1)));
  }

  /** Models `__rand_0_1()` (lib/rand.h): a float in (0, 1]. */
  rand01(): number {
    return (this.rand32() + 1) / (FRAND32_MAX + 1);
  }

  /** Models `__get_next_seed()` (lib/rand.h) on 64-bit: two draws multiplied, modulo 2^64. */
  nextSeed(): bigint {
    const a = BigInt(this.rand32());
    const b = BigInt(this.rand32());
    return BigInt.asUintN(64, a * b);
  }

  /** Copies the state (fio's `frand_copy()`). */
  copyFrom(o: FrandState): void {
    this.s1 = o.s1;
    this.s2 = o.s2;
    this.s3 = o.s3;
  }
}

/**
 * Models `setup_random_seeds()` (init.c) for repeatable seeds: `randseed` mixed by 0x9e370001 and spread over
 * fio's `FIO_RAND_NR_OFFS` per-purpose seeds for thread `threadNumber`.
 * @returns the 21 seeds (indices `FIO_RAND_*_OFF`)
 */
export function setupRandomSeeds(randSeed: bigint, threadNumber: number): bigint[] {
  let seed = randSeed;
  const mul = 0x9e370001n;
  for (let i = 0; i < 4; i++) seed = BigInt.asUintN(64, seed * mul);
  const out: bigint[] = [];
  for (let i = 0; i < FIO_RAND_NR_OFFS; i++) {
    out.push(BigInt.asUintN(64, seed * BigInt(threadNumber) + BigInt(i)));
    seed = BigInt.asUintN(64, seed * mul);
  }
  return out;
}

/** Models the `FIO_RAND_*_OFF` indices (fio.h) of a job's seeds. */
export const FIO_RAND_BS_OFF = 0;
/** Write block-size seed. */
export const FIO_RAND_BS1_OFF = 1;
/** Trim block-size seed. */
export const FIO_RAND_BS2_OFF = 2;
/** Verify seed. */
export const FIO_RAND_VER_OFF = 3;
/** rwmix seed. */
export const FIO_RAND_MIX_OFF = 4;
/** File selection seed. */
export const FIO_RAND_FILE_OFF = 5;
/** Block offset seed. */
export const FIO_RAND_BLOCK_OFF = 6;
/** File size seed. */
export const FIO_RAND_FILE_SIZE_OFF = 7;
/** Buffer contents seed. */
export const FIO_RAND_BUF_OFF = 9;
/** Sequential/random mix seed (read). */
export const FIO_RAND_SEQ_RAND_READ_OFF = 10;
/** Start delay seed. */
export const FIO_RAND_START_DELAY = 13;
/** Poisson rate process seed, reads (`FIO_RAND_POISSON_OFF`). */
export const FIO_RAND_POISSON_OFF = 15;
/** Poisson rate process seed, writes (`FIO_RAND_POISSON2_OFF`). */
export const FIO_RAND_POISSON2_OFF = 17;
/** Poisson rate process seed, trims (`FIO_RAND_POISSON3_OFF`). */
export const FIO_RAND_POISSON3_OFF = 18;
/** Number of per-job seeds (`FIO_RAND_NR_OFFS`). */
export const FIO_RAND_NR_OFFS = 21;

// 64-bit multiply-by-GOLDEN_RATIO_64 on two 32-bit halves, for the buffer fill's hash chain.
const G_LO = Number(GOLDEN_RATIO_64 & 0xffffffffn);
const G_HI = Number(GOLDEN_RATIO_64 >> 32n);

/** lo32 * hi32 → 64-bit product split, plus the cross terms: x * G mod 2^64 in (lo, hi). */
function mulG(lo: number, hi: number, out: Uint32Array): void {
  // full 64-bit product of lo * G_LO using 16-bit limbs
  const a0 = lo & 0xffff;
  const a1 = lo >>> 16;
  const b0 = G_LO & 0xffff;
  const b1 = G_LO >>> 16;
  const p00 = a0 * b0;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const p11 = a1 * b1;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  const rlo = ((mid << 16) | (p00 & 0xffff)) >>> 0;
  const carry = p11 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16);
  const rhi = (carry + Math.imul(lo, G_HI) + Math.imul(hi, G_LO)) >>> 0;
  out[0] = rlo;
  out[1] = rhi;
}

const scratch = new Uint32Array(2);

/**
 * Models `__fill_random_buf()` (lib/rand.c, 4 seed buckets): fills `buf` with the chain seed·prime,
 * hashed by `GOLDEN_RATIO_64`, as little-endian 64-bit words; the tail from the first bucket.
 * @param buf - destination
 * @param off - start in `buf`
 * @param len - bytes
 * @param seed - 64-bit seed
 */
export function fillRandomBuf(buf: Uint8Array, off: number, len: number, seed: bigint): void {
  const buckets = 4;
  const primes = [1n, 2n, 3n, 5n];
  const lo = new Uint32Array(buckets);
  const hi = new Uint32Array(buckets);
  for (let p = 0; p < buckets; p++) {
    const s = BigInt.asUintN(64, seed * (primes[p] as bigint));
    lo[p] = Number(s & 0xffffffffn);
    hi[p] = Number(s >> 32n);
  }
  const words = Math.floor(len / 8 / buckets) * buckets;
  const dv = new DataView(buf.buffer, buf.byteOffset + off, len);
  let pos = 0;
  for (let w = 0; w < words; w += buckets) {
    for (let p = 0; p < buckets; p++) {
      dv.setUint32(pos, lo[p] as number, true);
      dv.setUint32(pos + 4, hi[p] as number, true);
      pos += 8;
      mulG(lo[p] as number, hi[p] as number, scratch);
      lo[p] = scratch[0] as number;
      hi[p] = scratch[1] as number;
    }
  }
  // __fill_random_buf_small() of the rest with bucket 0's seed
  let slo = lo[0] as number;
  let shi = hi[0] as number;
  while (len - pos >= 8) {
    dv.setUint32(pos, slo, true);
    dv.setUint32(pos + 4, shi, true);
    pos += 8;
    mulG(slo, shi, scratch);
    slo = scratch[0] as number;
    shi = scratch[1] as number;
  }
  for (let i = 0; pos < len; i++, pos++) {
    const word = i < 4 ? slo : shi;
    dv.setUint8(pos, (word >>> ((i % 4) * 8)) & 0xff);
  }
}
