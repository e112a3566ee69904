/**
 * fio's random map (`lib/axmap.c`): one bit per block, so random I/O covers every block once per pass.
 * @packageDocumentation
 */

/**
 * Models `struct axmap` (lib/axmap.c): a bitmap with a summary level of full words for fast searches.
 * Memory is nr_bits/8 bytes (plus 1/32 of that), as fio's.
 */
export class Axmap {
  private readonly l0: Uint32Array;
  private readonly l1: Uint32Array;

  /** @param nrBits - blocks in the map */
  constructor(readonly nrBits: number) {
    this.l0 = new Uint32Array(Math.max(1, Math.ceil(nrBits / 32)));
    this.l1 = new Uint32Array(Math.max(1, Math.ceil(this.l0.length / 32)));
  }

  /** Models `axmap_reset()`. */
  reset(): void {
    this.l0.fill(0);
    this.l1.fill(0);
  }

  /** Models `axmap_isset()`. */
  isset(bit: number): boolean {
    return (((this.l0[bit >>> 5] as number) >>> (bit & 31)) & 1) !== 0;
  }

  private setWord(w: number, v: number): void {
    this.l0[w] = v;
    if (v === 0xffffffff || (w === this.l0.length - 1 && v === this.lastMask())) {
      this.l1[w >>> 5] = ((this.l1[w >>> 5] as number) | (1 << (w & 31))) >>> 0;
    }
  }

  private lastMask(): number {
    const r = this.nrBits & 31;
    return r === 0 ? 0xffffffff : ((1 << r) - 1) >>> 0;
  }

  /**
   * Models `axmap_set_nr()`: sets up to `nr` bits from `bit`, stopping at the first one already set.
   * @returns how many were set
   */
  setNr(bit: number, nr: number): number {
    let set = 0;
    for (let b = bit; set < nr && b < this.nrBits; b++) {
      const w = b >>> 5;
      const m = 1 << (b & 31);
      const cur = this.l0[w] as number;
      if ((cur & m) !== 0) break;
      this.setWord(w, (cur | m) >>> 0);
      set++;
    }
    return set;
  }

  /** The first free bit at or after `from`, or -1. */
  private firstFree(from: number): number {
    if (from >= this.nrBits) return -1;
    let w = from >>> 5;
    const first = ~((this.l0[w] as number) | ((1 << (from & 31)) - 1)) >>> 0;
    if (first !== 0) return this.check(w * 32 + ctz(first));
    w++;
    while (w < this.l0.length) {
      const s = w >>> 5;
      const summary = ~((this.l1[s] as number) | ((1 << (w & 31)) - 1)) >>> 0;
      if (summary === 0) {
        w = (s + 1) * 32;
        continue;
      }
      w = s * 32 + ctz(summary);
      if (w >= this.l0.length) return -1;
      const free = ~(this.l0[w] as number) >>> 0;
      if (free !== 0) return this.check(w * 32 + ctz(free));
      w++;
    }
    return -1;
  }

  private check(bit: number): number {
    return bit < this.nrBits ? bit : -1;
  }

  /**
   * Models `axmap_next_free()`: the next free bit after `bit` (which is set), wrapping to 0.
   * @returns the bit, or -1 if every bit is set
   */
  nextFree(bit: number): number {
    if (bit >= this.nrBits) return -1;
    let next = bit + 1;
    if (next === this.nrBits) next = 0;
    const r = this.firstFree(next);
    if (r >= 0) return r;
    return this.firstFree(0);
  }
}

function ctz(v: number): number {
  return 31 - Math.clz32(v & -v);
}
