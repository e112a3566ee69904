/**
 * The sparse in-memory media backend.
 * @packageDocumentation
 */
import type { MediaBackend, MediaSpanFn } from './media-backend.js';

/** Allocation granularity of {@link SparseMemBackend}: 4 KiB. */
export const SPARSE_CHUNK_SHIFT = 12;
const CHUNK = 1 << SPARSE_CHUNK_SHIFT;
const ZERO = new Uint8Array(CHUNK);

/**
 * Sparse in-memory media: 4 KiB chunks allocated on first write, so a 1 TiB namespace costs nothing until written
 * (the emulator's counterpart of QEMU's `null-co` with `read-zeroes` plus a RAM overlay).
 * @remarks Reads of never-written chunks hand out a shared zero buffer (callers must not modify read spans).
 * Write Zeroes and discard free whole chunks and zero partial ones.
 */
export class SparseMemBackend implements MediaBackend {
  readonly kind = 'sparse';
  private readonly chunks = new Map<number, Uint8Array>();

  /** @param size - capacity in bytes */
  constructor(readonly size: number) {}

  get allocatedBytes(): number {
    return this.chunks.size * CHUNK;
  }

  readSpans(off: number, len: number, sink: MediaSpanFn): boolean {
    let pos = off;
    const end = off + len;
    while (pos < end) {
      const idx = Math.floor(pos / CHUNK);
      const o = pos - idx * CHUNK;
      const n = Math.min(CHUNK - o, end - pos);
      if (!sink(this.chunks.get(idx) ?? ZERO, o, pos, n)) return false;
      pos += n;
    }
    return true;
  }

  writeSpans(off: number, len: number, source: MediaSpanFn): boolean {
    let pos = off;
    const end = off + len;
    while (pos < end) {
      const idx = Math.floor(pos / CHUNK);
      const o = pos - idx * CHUNK;
      const n = Math.min(CHUNK - o, end - pos);
      let c = this.chunks.get(idx);
      if (c === undefined) {
        c = new Uint8Array(CHUNK);
        this.chunks.set(idx, c);
      }
      if (!source(c, o, pos, n)) return false;
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
      if (n === CHUNK) this.chunks.delete(idx);
      else this.chunks.get(idx)?.fill(0, o, o + n);
      pos += n;
    }
  }

  discard(off: number, len: number): void {
    this.writeZeroes(off, len);
  }

  flush(): void {
    // Memory is as durable as it gets; power loss is modelled by VolatileWriteCache.
  }

  close(): void {
    this.chunks.clear();
  }
}
