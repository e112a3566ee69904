/**
 * Media backends: where a device model keeps its blocks.
 * @packageDocumentation
 */

/**
 * A span callback: `buf[bufOff … bufOff+n)` is the backend's storage (or staging buffer) for media bytes
 * `[mediaOff, mediaOff+n)`. For reads the callback consumes it (e.g. DMA to the host); for writes it fills it
 * (DMA from the host). Returning false stops the transfer.
 */
export type MediaSpanFn = (buf: Uint8Array, bufOff: number, mediaOff: number, n: number) => boolean;

/**
 * Models a QEMU `BlockBackend` as a device model sees it (`blk_pread`/`blk_pwrite`/`blk_pwrite_zeroes`/
 * `blk_pdiscard`/`blk_flush`), with span access so data moves with one copy (media ↔ host page).
 * @remarks Offsets and lengths are bytes; callers check bounds. Unwritten ranges read as zeros.
 */
export interface MediaBackend {
  /** `sparse` or `file:<path>`. */
  readonly kind: string;
  /** Capacity in bytes. */
  readonly size: number;
  /** Bytes of host memory or file space holding data (sparse backends allocate on write). */
  readonly allocatedBytes: number;
  /**
   * Hands the bytes of `[off, off+len)` to `sink` span by span.
   * @returns false if `sink` stopped the transfer.
   */
  readSpans(off: number, len: number, sink: MediaSpanFn): boolean;
  /**
   * Lets `source` fill `[off, off+len)` span by span (allocating storage on demand).
   * @returns false if `source` stopped the transfer (spans already filled stay written: a torn write).
   */
  writeSpans(off: number, len: number, source: MediaSpanFn): boolean;
  /** Copies media bytes into `dst`. */
  read(off: number, dst: Uint8Array, dstOff: number, len: number): void;
  /** Copies `src` onto the media. */
  write(off: number, src: Uint8Array, srcOff: number, len: number): void;
  /** Models `blk_pwrite_zeroes()`: the range reads as zeros afterwards. */
  writeZeroes(off: number, len: number): void;
  /** Models `blk_pdiscard()`: deallocates; the range reads as zeros afterwards (DLFEAT = 001b). */
  discard(off: number, len: number): void;
  /** Models `blk_flush()`: makes completed writes durable (host file: fsync). */
  flush(): void;
  /** Releases host resources (closes a file). */
  close(): void;
}
