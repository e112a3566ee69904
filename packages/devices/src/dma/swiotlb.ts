/**
 * swiotlb: a pool of bounce slots in low memory that buffers the device cannot reach are copied through.
 * @packageDocumentation
 */
import { ENOMEM, Errno, type Logger } from '@stackemu/core';
import type { PhysMemPort } from '../internal/mm-port.js';
import { DMA_BIDIRECTIONAL, DMA_FROM_DEVICE, DMA_TO_DEVICE, type DmaDataDirection } from './dma-direction.js';

/** Models `IO_TLB_SHIFT` (include/linux/swiotlb.h): slots are 2 KiB. */
export const IO_TLB_SHIFT = 11;
/** Models `IO_TLB_SIZE`. */
export const IO_TLB_SIZE = 1 << IO_TLB_SHIFT;
/** Models `IO_TLB_SEGSIZE`: one mapping spans at most 128 slots (256 KiB). */
export const IO_TLB_SEGSIZE = 128;

const PAGE_SIZE = 4096;
const CHUNK_ORDER = 10;
const CHUNK_BYTES = PAGE_SIZE << CHUNK_ORDER;
const SLOTS_PER_CHUNK = CHUNK_BYTES / IO_TLB_SIZE;

/** A bounce copy, as the `swiotlb:swiotlb_bounced` tracepoint reports it. */
export interface SwiotlbBouncedEntry {
  /** The device. */
  readonly device: string;
  /** Physical address of the original buffer. */
  readonly origAddr: number;
  /** Physical address of the bounce slots. */
  readonly tlbAddr: number;
  /** Bytes. */
  readonly size: number;
  /** DMA direction. */
  readonly dir: DmaDataDirection;
}

/**
 * Models `struct io_tlb_mem` and its slot allocator (kernel/dma/swiotlb.c): `swiotlb_tbl_map_single()`,
 * `swiotlb_tbl_unmap_single()` and the sync functions.
 *
 * @remarks The pool is allocated from mm in 4 MiB chunks (each holding whole 128-slot segments, so a mapping is
 * always physically contiguous). Mapping copies the original into the bounce slots for every direction (so bytes the
 * device does not write survive the copy back); unmap copies back for `DMA_FROM_DEVICE`/`DMA_BIDIRECTIONAL`.
 */
export class Swiotlb {
  private readonly chunkPfn: number[] = [];
  private readonly used: Uint8Array;
  private readonly origAddr: Float64Array;
  private readonly allocSize: Uint32Array;
  private readonly allocSlots: Uint16Array;
  private readonly startOf: Int32Array;
  private index = 0;
  private readonly buf = new Uint8Array(IO_TLB_SIZE * 8);
  /** Slots in the pool. */
  readonly nslabs: number;
  /** Slots in use. */
  usedSlots = 0;
  /** Times a mapping failed with "swiotlb buffer is full". */
  fullCount = 0;

  /**
   * Models `swiotlb_init()`: allocates the pool.
   * @param bytes - pool size, a multiple of 4 MiB
   * @throws Errno ENOMEM if mm cannot supply the pages.
   */
  constructor(
    private readonly mem: PhysMemPort,
    bytes: number,
    private readonly log: Logger | undefined,
  ) {
    const chunks = Math.max(1, Math.ceil(bytes / CHUNK_BYTES));
    for (let i = 0; i < chunks; i++) {
      const pfn = mem.allocPages(CHUNK_ORDER);
      if (pfn < 0) throw new Errno(ENOMEM, `swiotlb: cannot allocate the ${bytes}-byte bounce pool`);
      this.chunkPfn.push(pfn);
    }
    this.nslabs = chunks * SLOTS_PER_CHUNK;
    this.used = new Uint8Array(this.nslabs);
    this.origAddr = new Float64Array(this.nslabs);
    this.allocSize = new Uint32Array(this.nslabs);
    this.allocSlots = new Uint16Array(this.nslabs);
    this.startOf = new Int32Array(this.nslabs);
  }

  /** Models `swiotlb_max_mapping_size()`: 256 KiB. */
  maxMappingSize(): number {
    return IO_TLB_SIZE * IO_TLB_SEGSIZE;
  }

  /** Frees the pool (machine stop). */
  destroy(): void {
    for (const pfn of this.chunkPfn) this.mem.freePages(pfn, CHUNK_ORDER);
    this.chunkPfn.length = 0;
  }

  private slotAddr(i: number): number {
    const c = Math.floor(i / SLOTS_PER_CHUNK);
    return (this.chunkPfn[c] as number) * PAGE_SIZE + (i % SLOTS_PER_CHUNK) * IO_TLB_SIZE;
  }

  /** The slot holding physical address `paddr`, or -1 if it is not in the pool. */
  slotOf(paddr: number): number {
    for (let c = 0; c < this.chunkPfn.length; c++) {
      const base = (this.chunkPfn[c] as number) * PAGE_SIZE;
      if (paddr >= base && paddr < base + CHUNK_BYTES)
        return c * SLOTS_PER_CHUNK + Math.floor((paddr - base) / IO_TLB_SIZE);
    }
    return -1;
  }

  /** True if `paddr` lies in the bounce pool (models `is_swiotlb_buffer()`). */
  isSwiotlbBuffer(paddr: number): boolean {
    return this.slotOf(paddr) >= 0;
  }

  /**
   * Models `swiotlb_tbl_map_single()`: finds free slots, records the original, copies original → bounce.
   * @param device - name for messages
   * @param origAddr - physical address of the original buffer
   * @param size - bytes
   * @param minAlignMask - the device's `dma_get_min_align_mask()`: low bits of the original kept in the bounce address
   * @returns the bounce physical address, or -1 (`DMA_MAPPING_ERROR`) when the pool is full or `size` too large.
   */
  mapSingle(device: string, origAddr: number, size: number, dir: DmaDataDirection, minAlignMask: number): number {
    const offset = origAddr & minAlignMask & (PAGE_SIZE - 1);
    const need = Math.ceil((size + offset) / IO_TLB_SIZE);
    if (size === 0 || size + offset > this.maxMappingSize()) {
      this.log?.warn(
        { device, size },
        `swiotlb: mapping of ${size} bytes exceeds the maximum of ${this.maxMappingSize()}`,
      );
      return -1;
    }
    const stride = size >= PAGE_SIZE || minAlignMask >= IO_TLB_SIZE ? PAGE_SIZE / IO_TLB_SIZE : 1;
    const start = this.findSlots(need, stride);
    if (start < 0) {
      this.fullCount++;
      this.log?.warn(
        { device },
        `swiotlb buffer is full (sz: ${size} bytes), total ${this.nslabs} (slots), used ${this.usedSlots} (slots)`,
      );
      return -1;
    }
    for (let i = 0; i < need; i++) {
      this.used[start + i] = 1;
      this.startOf[start + i] = start;
    }
    this.origAddr[start] = origAddr - offset;
    this.allocSize[start] = size;
    this.allocSlots[start] = need;
    this.usedSlots += need;
    const tlb = this.slotAddr(start) + offset;
    this.bounce(origAddr, tlb, size, true);
    return tlb;
  }

  private findSlots(need: number, stride: number): number {
    const n = this.nslabs;
    const first = this.index - (this.index % stride);
    for (let tries = 0; tries < n; tries += stride) {
      const i = (first + tries) % n;
      const seg = Math.floor(i / IO_TLB_SEGSIZE);
      if (i + need > n || Math.floor((i + need - 1) / IO_TLB_SEGSIZE) !== seg) continue;
      let ok = true;
      for (let k = 0; k < need; k++) {
        if (this.used[i + k] !== 0) {
          ok = false;
          break;
        }
      }
      if (ok) {
        this.index = (i + need) % n;
        return i;
      }
    }
    return -1;
  }

  /** The original physical address a bounce address stands for, or -1. */
  private origOf(tlbAddr: number): number {
    const slot = this.slotOf(tlbAddr);
    if (slot < 0 || this.used[slot] === 0) return -1;
    const s = this.startOf[slot] as number;
    return (this.origAddr[s] as number) + (tlbAddr - this.slotAddr(s));
  }

  /**
   * Models `swiotlb_tbl_unmap_single()`: copies bounce → original for FROM_DEVICE/BIDIRECTIONAL, frees the slots.
   * @returns 0, or -EINVAL (22) if `tlbAddr` is not inside a live mapping.
   */
  unmapSingle(tlbAddr: number, size: number, dir: DmaDataDirection, skipCpuSync = false): number {
    const orig = this.origOf(tlbAddr);
    if (orig < 0) return -22;
    const s = this.startOf[this.slotOf(tlbAddr)] as number;
    if (!skipCpuSync && (dir === DMA_FROM_DEVICE || dir === DMA_BIDIRECTIONAL)) this.bounce(orig, tlbAddr, size, false);
    const n = this.allocSlots[s] as number;
    for (let i = 0; i < n; i++) this.used[s + i] = 0;
    this.allocSlots[s] = 0;
    this.allocSize[s] = 0;
    this.usedSlots -= n;
    return 0;
  }

  /** Models `swiotlb_sync_single_for_device()`: original → bounce for TO_DEVICE/BIDIRECTIONAL. */
  syncForDevice(tlbAddr: number, size: number, dir: DmaDataDirection): void {
    const orig = this.origOf(tlbAddr);
    if (orig < 0 || !(dir === DMA_TO_DEVICE || dir === DMA_BIDIRECTIONAL)) return;
    this.bounce(orig, tlbAddr, size, true);
  }

  /** Models `swiotlb_sync_single_for_cpu()`: bounce → original for FROM_DEVICE/BIDIRECTIONAL. */
  syncForCpu(tlbAddr: number, size: number, dir: DmaDataDirection): void {
    const orig = this.origOf(tlbAddr);
    if (orig < 0 || !(dir === DMA_FROM_DEVICE || dir === DMA_BIDIRECTIONAL)) return;
    this.bounce(orig, tlbAddr, size, false);
  }

  /** Models `swiotlb_bounce()`: a CPU copy between the original and the bounce slots. */
  private bounce(orig: number, tlb: number, size: number, toTlb: boolean): void {
    const buf = this.buf;
    for (let done = 0; done < size;) {
      const n = Math.min(buf.length, size - done);
      if (toTlb) {
        this.mem.read(orig + done, buf, 0, n);
        this.mem.write(tlb + done, buf, 0, n);
      } else {
        this.mem.read(tlb + done, buf, 0, n);
        this.mem.write(orig + done, buf, 0, n);
      }
      done += n;
    }
  }
}
