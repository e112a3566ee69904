/**
 * The sparse in-memory media backend.
 * @packageDocumentation
 */
import { SLAB_BYTES, SlabPool } from '@stackemu/core';
import type { MediaBackend, MediaSpanFn } from './media-backend.js';

/** Allocation granularity of {@link SparseMemBackend}: 4 KiB. */
export const SPARSE_CHUNK_SHIFT = 12;
const CHUNK = 1 << SPARSE_CHUNK_SHIFT;
/**
 * Chunks per slab: storage comes 1 MiB at a time from the process's {@link SlabPool} (one small typed array per
 * chunk costs ~16 µs each).
 */
const SLAB_SHIFT = 20 - SPARSE_CHUNK_SHIFT;
const SLAB_CHUNKS = SLAB_BYTES >>> SPARSE_CHUNK_SHIFT;
const SLAB_MASK = SLAB_CHUNKS - 1;
/** Chunks per directory leaf (256 MiB of media per 256 KiB leaf of slot numbers). */
const LEAF_SHIFT = 16;
const LEAF_MASK = (1 << LEAF_SHIFT) - 1;
const ZERO = new Uint8Array(CHUNK);

/**
 * Sparse in-memory media: 4 KiB chunks allocated on first write, so a 1 TiB namespace costs nothing until written
 * (the emulator's counterpart of QEMU's `null-co` with `read-zeroes` plus a RAM overlay).
 * @remarks Chunks live in 1 MiB slabs found through a two-level directory of slot numbers (no per-chunk objects,
 * no hash map limit); chunks written in order get consecutive slots, so a sequential transfer is handed out in
 * spans of up to a slab. Reads of never-written chunks hand out a shared zero buffer (callers must not modify read
 * spans). Write Zeroes and discard free whole chunks (their slots are reused) and zero partial ones.
 */
export class SparseMemBackend implements MediaBackend {
  readonly kind = 'sparse';
  /** Directory: leaf → slot number + 1 of each chunk (0 = never written). */
  private readonly dir: (Int32Array | undefined)[] = [];
  private readonly slabs: Uint8Array[] = [];
  private readonly freeSlots: number[] = [];
  private nextSlot = 0;

  /** @param size - capacity in bytes */
  constructor(readonly size: number) {}

  get allocatedBytes(): number {
    return (this.nextSlot - this.freeSlots.length) * CHUNK;
  }

  /** Slot + 1 of chunk `idx`, or 0. */
  private slotOf(idx: number): number {
    const leaf = this.dir[idx >>> LEAF_SHIFT];
    return leaf === undefined ? 0 : (leaf[idx & LEAF_MASK] as number);
  }

  /** Slot + 1 of chunk `idx`, allocating a zeroed chunk when absent. */
  private slotFor(idx: number): number {
    let leaf = this.dir[idx >>> LEAF_SHIFT];
    if (leaf === undefined) {
      leaf = new Int32Array(1 << LEAF_SHIFT);
      this.dir[idx >>> LEAF_SHIFT] = leaf;
    }
    let s = leaf[idx & LEAF_MASK] as number;
    if (s !== 0) return s;
    let id: number;
    if (this.freeSlots.length > 0) {
      id = this.freeSlots.pop() as number;
      const off = (id & SLAB_MASK) << SPARSE_CHUNK_SHIFT;
      (this.slabs[id >>> SLAB_SHIFT] as Uint8Array).fill(0, off, off + CHUNK);
    } else {
      id = this.nextSlot++;
      if ((id & SLAB_MASK) === 0) this.slabs.push(SlabPool.shared.acquire());
    }
    s = id + 1;
    leaf[idx & LEAF_MASK] = s;
    return s;
  }

  readSpans(off: number, len: number, sink: MediaSpanFn): boolean {
    return this.spans(off, len, sink, false);
  }

  writeSpans(off: number, len: number, source: MediaSpanFn): boolean {
    return this.spans(off, len, source, true);
  }

  /** Walks `[off, off+len)`, merging chunks with consecutive slots of one slab into one span. */
  private spans(off: number, len: number, fn: MediaSpanFn, create: boolean): boolean {
    let pos = off;
    const end = off + len;
    while (pos < end) {
      let idx = Math.floor(pos / CHUNK);
      const o = pos - idx * CHUNK;
      const s = create ? this.slotFor(idx) : this.slotOf(idx);
      let n = Math.min(CHUNK - o, end - pos);
      if (s === 0) {
        if (!fn(ZERO, o, pos, n)) return false;
        pos += n;
        continue;
      }
      const id = s - 1;
      // Extend over following chunks that sit next to this one in the same slab.
      let next = id + 1;
      while (pos + n < end && (next & SLAB_MASK) !== 0) {
        idx++;
        if ((create ? this.slotFor(idx) : this.slotOf(idx)) !== next + 1) break;
        n += Math.min(CHUNK, end - pos - n);
        next++;
      }
      if (!fn(this.slabs[id >>> SLAB_SHIFT] as Uint8Array, ((id & SLAB_MASK) << SPARSE_CHUNK_SHIFT) + o, pos, n)) {
        return false;
      }
      pos += n;
    }
    return true;
  }

  read(off: number, dst: Uint8Array, dstOff: number, len: number): void {
    this.readSpans(off, len, (b, bo, mo, n) => {
      dst.set(b.subarray(bo, bo + n), dstOff + (mo - off));
      return true;
    });
  }

  write(off: number, src: Uint8Array, srcOff: number, len: number): void {
    this.writeSpans(off, len, (b, bo, mo, n) => {
      b.set(src.subarray(srcOff + (mo - off), srcOff + (mo - off) + n), bo);
      return true;
    });
  }

  writeZeroes(off: number, len: number): void {
    let pos = off;
    const end = off + len;
    while (pos < end) {
      const idx = Math.floor(pos / CHUNK);
      const o = pos - idx * CHUNK;
      const n = Math.min(CHUNK - o, end - pos);
      const s = this.slotOf(idx);
      if (s !== 0) {
        const id = s - 1;
        if (n === CHUNK) {
          (this.dir[idx >>> LEAF_SHIFT] as Int32Array)[idx & LEAF_MASK] = 0;
          this.freeSlots.push(id);
        } else {
          const base = (id & SLAB_MASK) << SPARSE_CHUNK_SHIFT;
          (this.slabs[id >>> SLAB_SHIFT] as Uint8Array).fill(0, base + o, base + o + n);
        }
      }
      pos += n;
    }
  }

  discard(off: number, len: number): void {
    this.writeZeroes(off, len);
  }

  flush(): void {
    // Memory is as durable as it gets; power loss is modelled by VolatileWriteCache.
  }

  /** Gives the storage back to the process's {@link SlabPool}: the media reads as zeros afterwards. */
  close(): void {
    SlabPool.shared.release(this.slabs);
    this.dir.length = 0;
    this.slabs.length = 0;
    this.freeSlots.length = 0;
    this.nextSlot = 0;
  }
}
