/**
 * The narrow views of mm's services that devices use (structurally satisfied by `@stackemu/mm`'s `PhysMem` and
 * `Sanitizer`), so device models and the DMA engine are testable with a plain memory.
 * @packageDocumentation
 */

/** The part of mm's `PhysMem` the DMA engine and drivers use: byte access and page allocation. */
export interface PhysMemPort {
  /** Copies `len` bytes at physical address `paddr` into `dst[dstOff…]` (may cross pages; unwritten reads 0). */
  read(paddr: number, dst: Uint8Array, dstOff: number, len: number): void;
  /** Copies `len` bytes from `src[srcOff…]` to physical address `paddr`. */
  write(paddr: number, src: Uint8Array, srcOff: number, len: number): void;
  /** Allocates 2^order contiguous pages; returns the first pfn or -ENOMEM. */
  allocPages(order: number): number;
  /** Frees pages obtained from {@link PhysMemPort.allocPages}. */
  freePages(pfn: number, order: number): void;
  /** Bytes of emulated RAM: DMA beyond it is a decode error. */
  readonly ramBytes: number;
}

/** The part of mm's `Sanitizer` the DMA engine calls for every page a device touches. */
export interface DmaCheckPort {
  /** Reports a finding if `pfn` is DMA'd while nobody holds a reference on it (or after writeback cleaned it). */
  checkDma(pfn: number, write: boolean, who: string): void;
}
