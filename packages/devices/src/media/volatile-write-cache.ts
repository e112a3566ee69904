/**
 * A volatile write cache in front of a media backend, for power-loss faults.
 * @packageDocumentation
 */
import type { MediaBackend, MediaSpanFn } from './media-backend.js';

const CHUNK = 4096;

/**
 * Models a device's volatile write cache (NVMe VWC, virtio-blk writeback mode) for durability purposes: completed
 * writes are visible at once, but only a flush makes them survive {@link VolatileWriteCache.powerLoss}.
 * @remarks Implemented as an undo log: the first write to a 4 KiB chunk after a flush saves the chunk's durable
 * contents; `powerLoss()` restores them, `flush()` forgets them. Costs one extra chunk copy per first write per
 * flush epoch, so it is only interposed when the device reports a volatile cache.
 */
export class VolatileWriteCache implements MediaBackend {
  private readonly undo = new Map<number, Uint8Array | undefined>();

  /** @param inner - the durable media behind the cache */
  constructor(
    /** The durable media. */
    readonly inner: MediaBackend,
  ) {}

  get kind(): string {
    return this.inner.kind;
  }
  get size(): number {
    return this.inner.size;
  }
  get allocatedBytes(): number {
    return this.inner.allocatedBytes;
  }
  /** Chunks written since the last flush. */
  get dirtyChunks(): number {
    return this.undo.size;
  }

  private save(off: number, len: number): void {
    const first = Math.floor(off / CHUNK);
    const last = Math.floor((off + len - 1) / CHUNK);
    for (let c = first; c <= last; c++) {
      if (this.undo.has(c)) continue;
      const n = Math.min(CHUNK, this.inner.size - c * CHUNK);
      const b = new Uint8Array(n);
      this.inner.read(c * CHUNK, b, 0, n);
      this.undo.set(c, b.every((x) => x === 0) ? undefined : b);
    }
  }

  readSpans(off: number, len: number, sink: MediaSpanFn): boolean {
    return this.inner.readSpans(off, len, sink);
  }
  writeSpans(off: number, len: number, source: MediaSpanFn): boolean {
    if (len > 0) this.save(off, len);
    return this.inner.writeSpans(off, len, source);
  }
  read(off: number, dst: Uint8Array, dstOff: number, len: number): void {
    this.inner.read(off, dst, dstOff, len);
  }
  write(off: number, src: Uint8Array, srcOff: number, len: number): void {
    if (len > 0) this.save(off, len);
    this.inner.write(off, src, srcOff, len);
  }
  writeZeroes(off: number, len: number): void {
    if (len > 0) this.save(off, len);
    this.inner.writeZeroes(off, len);
  }
  discard(off: number, len: number): void {
    if (len > 0) this.save(off, len);
    this.inner.discard(off, len);
  }
  /** Completed writes become durable. */
  flush(): void {
    this.undo.clear();
    this.inner.flush();
  }
  /** Power loss (fault F-N9): every write since the last flush is undone. */
  powerLoss(): void {
    for (const [c, b] of this.undo) {
      const n = Math.min(CHUNK, this.inner.size - c * CHUNK);
      if (b === undefined) this.inner.writeZeroes(c * CHUNK, n);
      else this.inner.write(c * CHUNK, b, 0, n);
    }
    this.undo.clear();
  }
  close(): void {
    this.inner.close();
  }
}
