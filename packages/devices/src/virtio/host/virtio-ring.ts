/**
 * The driver side of a split virtqueue (drivers/virtio/virtio_ring.c).
 * @packageDocumentation
 */
import { ENOMEM, ENOSPC } from '@stackemu/core';
import type { PhysMemPort } from '../../internal/mm-port.js';
import { DMA_FROM_DEVICE, DMA_TO_DEVICE } from '../../dma/dma-direction.js';
import type { DmaDevice } from '../../dma/dma-device.js';
import { DmaPool } from '../../dma/dmapool.js';
import {
  dmaAllocCoherent,
  dmaFreeCoherent,
  dmaMapPage,
  dmaMappingError,
  dmaUnmapPage,
  type DmaCoherent,
} from '../../dma/mapping.js';
import type { Scatterlist } from '../../dma/scatterlist.js';
import {
  VRING_AVAIL_F_NO_INTERRUPT,
  VRING_DESC_F_INDIRECT,
  VRING_DESC_F_NEXT,
  VRING_DESC_F_WRITE,
  VRING_DESC_SIZE,
  VRING_USED_F_NO_NOTIFY,
  vringNeedEvent,
  vringSizes,
} from '../virtio-config.js';

const PAGE_SIZE = 4096;
/** Largest indirect table this driver builds (descriptors). */
const INDIRECT_MAX = 256;

/**
 * Models `struct vring_virtqueue` for split rings (drivers/virtio/virtio_ring.c): the rings in coherent DMA
 * memory, the free-descriptor list, the shadow indexes, and per-descriptor DMA state (`desc_extra`) for unmapping.
 *
 * @remarks Descriptors, the available ring and `used_event` are written with CPU stores (PhysMem), the used ring is
 * read the same way; buffers are DMA-mapped when the device uses the platform DMA API (VIRTIO_F_ACCESS_PLATFORM),
 * else addressed physically, as `vring_use_dma_api()` decides.
 */
export class Virtqueue {
  /** Descriptors not in use. */
  numFree: number;
  /** The token of each chain, by head. */
  private readonly data: unknown[];
  private freeHead = 0;
  private readonly next: Uint16Array;
  private readonly extraAddr: Float64Array;
  private readonly extraLen: Uint32Array;
  private readonly extraFlags: Uint16Array;
  private readonly chainLen: Uint16Array;
  private readonly indirectBlock: Int32Array;
  private availIdxShadow = 0;
  private availFlagsShadow = 0;
  private lastUsedIdx = 0;
  private numAdded = 0;
  private readonly b = new Uint8Array(16);
  private readonly v = new DataView(this.b.buffer);
  private readonly descArea: DmaCoherent;
  private readonly availArea: DmaCoherent;
  private readonly usedArea: DmaCoherent;
  private readonly pool: DmaPool | undefined;
  /** Length the device reported for the last buffer {@link Virtqueue.getBuf} returned. */
  lastLen = 0;
  /** True once `virtqueueBreak` or a ring error stopped the queue. */
  broken = false;

  /**
   * Models `vring_create_virtqueue()` → `vring_alloc_queue_split()`.
   * @param index - queue index
   * @param num - entries (a power of two)
   * @param dev - the device's DMA identity (rings are coherent allocations from it)
   * @param mem - CPU access to memory
   * @param eventIdx - VIRTIO_RING_F_EVENT_IDX negotiated
   * @param indirect - VIRTIO_RING_F_INDIRECT_DESC negotiated
   * @param useDmaApi - VIRTIO_F_ACCESS_PLATFORM negotiated (map buffers through the DMA API)
   * @param notifyFn - the transport's notify (`vp_notify`)
   * @param callback - the driver's used-buffer callback (`virtblk_done`)
   * @throws Errno ENOMEM when ring memory cannot be allocated (via the caller's check of {@link Virtqueue.create}).
   */
  private constructor(
    readonly index: number,
    readonly num: number,
    readonly dev: DmaDevice,
    private readonly mem: PhysMemPort,
    readonly eventIdx: boolean,
    readonly indirect: boolean,
    readonly useDmaApi: boolean,
    readonly notifyFn: (vq: Virtqueue) => boolean,
    readonly callback: (vq: Virtqueue) => void,
    areas: [DmaCoherent, DmaCoherent, DmaCoherent],
  ) {
    this.numFree = num;
    this.data = new Array<unknown>(num).fill(undefined);
    this.next = new Uint16Array(num);
    for (let i = 0; i < num - 1; i++) this.next[i] = i + 1;
    this.extraAddr = new Float64Array(num);
    this.extraLen = new Uint32Array(num);
    this.extraFlags = new Uint16Array(num);
    this.chainLen = new Uint16Array(num);
    this.indirectBlock = new Int32Array(num).fill(-1);
    [this.descArea, this.availArea, this.usedArea] = areas;
    this.pool = indirect ? new DmaPool('vring indirect', dev, INDIRECT_MAX * VRING_DESC_SIZE) : undefined;
  }

  /**
   * Allocates the three ring areas and builds the queue.
   * @returns the queue, or -ENOMEM.
   */
  static create(
    index: number,
    num: number,
    dev: DmaDevice,
    mem: PhysMemPort,
    eventIdx: boolean,
    indirect: boolean,
    useDmaApi: boolean,
    notifyFn: (vq: Virtqueue) => boolean,
    callback: (vq: Virtqueue) => void,
  ): Virtqueue | number {
    const s = vringSizes(num);
    const d = dmaAllocCoherent(dev, s.desc);
    const a = dmaAllocCoherent(dev, s.avail);
    const u = dmaAllocCoherent(dev, s.used);
    if (d === undefined || a === undefined || u === undefined) {
      for (const c of [d, a, u]) if (c !== undefined) dmaFreeCoherent(dev, c.size, c);
      return -ENOMEM;
    }
    return new Virtqueue(index, num, dev, mem, eventIdx, indirect, useDmaApi, notifyFn, callback, [d, a, u]);
  }

  /** Bus address of the descriptor table (what the transport tells the device). */
  get descAddr(): number {
    return this.descArea.dmaHandle;
  }
  /** Bus address of the available ring. */
  get availAddr(): number {
    return this.availArea.dmaHandle;
  }
  /** Bus address of the used ring. */
  get usedAddr(): number {
    return this.usedArea.dmaHandle;
  }

  /** CPU (physical) address of the descriptor table. */
  get descPaddr(): number {
    return this.descArea.paddr;
  }
  /** CPU (physical) address of the available ring. */
  get availPaddr(): number {
    return this.availArea.paddr;
  }
  /** CPU (physical) address of the used ring. */
  get usedPaddr(): number {
    return this.usedArea.paddr;
  }

  /** Models `vring_del_virtqueue()`: frees the rings (buffers must have been detached). */
  destroy(): void {
    for (const c of [this.descArea, this.availArea, this.usedArea]) dmaFreeCoherent(this.dev, c.size, c);
    this.pool?.destroy();
  }

  private map(pfn: number, off: number, len: number, write: boolean): number {
    if (!this.useDmaApi) return pfn * PAGE_SIZE + off;
    return dmaMapPage(this.dev, pfn, off, len, write ? DMA_FROM_DEVICE : DMA_TO_DEVICE);
  }

  private writeDesc(tablePaddr: number, i: number, addr: number, len: number, flags: number, next: number): void {
    const v = this.v;
    v.setUint32(0, addr >>> 0, true);
    v.setUint32(4, Math.floor(addr / 0x100000000), true);
    v.setUint32(8, len, true);
    v.setUint16(12, flags, true);
    v.setUint16(14, next, true);
    this.mem.write(tablePaddr + i * VRING_DESC_SIZE, this.b, 0, 16);
  }

  /**
   * Models `virtqueue_add_sgs()` → `virtqueue_add_split()`: exposes `outSgs` device-readable lists then `inSgs`
   * device-writable ones as one chain (an indirect table when negotiated and more than one entry), publishes its
   * head in the available ring and bumps `avail->idx`.
   * @param sgs - the lists, readable first
   * @param data - token returned by {@link Virtqueue.getBuf}
   * @returns 0, -ENOSPC when the ring lacks free descriptors, -ENOMEM when a mapping or indirect table fails.
   */
  addSgs(sgs: readonly Scatterlist[], outSgs: number, inSgs: number, data: unknown): number {
    let total = 0;
    for (let k = 0; k < outSgs + inSgs; k++) total += (sgs[k] as Scatterlist).nents;
    const useIndirect = this.indirect && total > 1 && total <= INDIRECT_MAX && this.numFree > 0;
    const descsUsed = useIndirect ? 1 : total;
    if (this.numFree < descsUsed) return -ENOSPC;
    const head = this.freeHead;
    let block = -1;
    let table = this.descArea.paddr;
    if (useIndirect) {
      block = (this.pool as DmaPool).alloc();
      if (block < 0) return -ENOMEM;
      table = (this.pool as DmaPool).paddr(block);
    }
    // Build the chain (descriptors taken in free-list order, or 0..n-1 of the indirect table).
    let i = useIndirect ? 0 : head;
    let n = 0;
    for (let k = 0; k < outSgs + inSgs; k++) {
      const sg = sgs[k] as Scatterlist;
      const write = k >= outSgs;
      for (let e = 0; e < sg.nents; e++) {
        const len = sg.length[e] as number;
        const addr = this.map(sg.page[e] as number, sg.offset[e] as number, len, write);
        if (dmaMappingError(this.dev, addr)) {
          this.unwind(useIndirect, head, n, block);
          return -ENOMEM;
        }
        const last = n === total - 1;
        const nxt = useIndirect ? n + 1 : (this.next[i] as number);
        const flags = (write ? VRING_DESC_F_WRITE : 0) | (last ? 0 : VRING_DESC_F_NEXT);
        this.writeDesc(table, i, addr, len, flags, last ? 0 : nxt);
        if (!useIndirect) {
          this.extraAddr[i] = addr;
          this.extraLen[i] = len;
          this.extraFlags[i] = flags;
        } else {
          this.indirectExtra(block, n, addr, len, flags);
        }
        i = nxt;
        n++;
      }
    }
    if (useIndirect) {
      const pool = this.pool as DmaPool;
      this.writeDesc(this.descArea.paddr, head, pool.dma(block), total * VRING_DESC_SIZE, VRING_DESC_F_INDIRECT, 0);
      this.extraFlags[head] = VRING_DESC_F_INDIRECT;
      this.extraLen[head] = total;
      this.freeHead = this.next[head] as number;
    } else {
      this.freeHead = i;
    }
    this.indirectBlock[head] = block;
    this.chainLen[head] = descsUsed;
    this.numFree -= descsUsed;
    this.data[head] = data;
    // Publish.
    const slot = this.availIdxShadow % this.num;
    this.v.setUint16(0, head, true);
    this.mem.write(this.availArea.paddr + 4 + 2 * slot, this.b, 0, 2);
    this.availIdxShadow = (this.availIdxShadow + 1) & 0xffff;
    this.v.setUint16(0, this.availIdxShadow, true);
    this.mem.write(this.availArea.paddr + 2, this.b, 0, 2);
    this.numAdded++;
    return 0;
  }

  private readonly indirectMaps = new Map<number, Float64Array>();

  private indirectExtra(block: number, n: number, addr: number, len: number, flags: number): void {
    let m = this.indirectMaps.get(block);
    if (m === undefined) {
      m = new Float64Array(INDIRECT_MAX * 3);
      this.indirectMaps.set(block, m);
    }
    m[n * 3] = addr;
    m[n * 3 + 1] = len;
    m[n * 3 + 2] = flags;
  }

  private unmapOne(addr: number, len: number, flags: number): void {
    if (this.useDmaApi)
      dmaUnmapPage(this.dev, addr, len, (flags & VRING_DESC_F_WRITE) !== 0 ? DMA_FROM_DEVICE : DMA_TO_DEVICE);
  }

  private unwind(useIndirect: boolean, head: number, n: number, block: number): void {
    if (useIndirect) {
      const m = this.indirectMaps.get(block);
      for (let k = 0; k < n && m !== undefined; k++)
        this.unmapOne(m[k * 3] as number, m[k * 3 + 1] as number, m[k * 3 + 2] as number);
      (this.pool as DmaPool).release(block);
      return;
    }
    let i = head;
    for (let k = 0; k < n; k++) {
      this.unmapOne(this.extraAddr[i] as number, this.extraLen[i] as number, this.extraFlags[i] as number);
      i = this.next[i] as number;
    }
  }

  /** Models `detach_buf_split()`: unmaps the chain's buffers and returns its descriptors to the free list. */
  private detach(head: number): void {
    const block = this.indirectBlock[head] as number;
    if (block >= 0) {
      const m = this.indirectMaps.get(block);
      const n = this.extraLen[head] as number;
      for (let k = 0; k < n && m !== undefined; k++)
        this.unmapOne(m[k * 3] as number, m[k * 3 + 1] as number, m[k * 3 + 2] as number);
      (this.pool as DmaPool).release(block);
      this.indirectBlock[head] = -1;
      this.next[head] = this.freeHead;
      this.freeHead = head;
      this.numFree++;
    } else {
      let i = head;
      const n = this.chainLen[head] as number;
      for (let k = 0; k < n; k++) {
        this.unmapOne(this.extraAddr[i] as number, this.extraLen[i] as number, this.extraFlags[i] as number);
        if (k === n - 1) break;
        i = this.next[i] as number;
      }
      this.next[i] = this.freeHead;
      this.freeHead = head;
      this.numFree += n;
    }
    this.data[head] = undefined;
  }

  private readU16(paddr: number): number {
    this.mem.read(paddr, this.b, 0, 2);
    return this.v.getUint16(0, true);
  }

  private writeU16(paddr: number, val: number): void {
    this.v.setUint16(0, val, true);
    this.mem.write(paddr, this.b, 0, 2);
  }

  /**
   * Models `virtqueue_kick_prepare()`: whether the device wants a notification for what was added since the last
   * kick (`vring_need_event()` on `avail_event` with EVENT_IDX, else `!(used->flags & VRING_USED_F_NO_NOTIFY)`).
   */
  kickPrepare(): boolean {
    const newIdx = this.availIdxShadow;
    const old = (newIdx - this.numAdded) & 0xffff;
    this.numAdded = 0;
    if (this.eventIdx) return vringNeedEvent(this.readU16(this.usedArea.paddr + 4 + 8 * this.num), newIdx, old);
    return (this.readU16(this.usedArea.paddr) & VRING_USED_F_NO_NOTIFY) === 0;
  }

  /** Models `virtqueue_notify()`: the transport's notification. */
  notify(): boolean {
    if (this.broken) return false;
    if (!this.notifyFn(this)) {
      this.broken = true;
      return false;
    }
    return true;
  }

  /** Models `virtqueue_kick()`. */
  kick(): boolean {
    return this.kickPrepare() ? this.notify() : true;
  }

  /** Models `more_used_split()`. */
  moreUsed(): boolean {
    return this.lastUsedIdx !== this.readU16(this.usedArea.paddr + 2);
  }

  /**
   * Models `virtqueue_get_buf()`: the next used buffer's token (its length in {@link Virtqueue.lastLen}), or
   * undefined. With EVENT_IDX and callbacks enabled, moves `used_event` along.
   */
  getBuf(): unknown {
    if (this.broken || !this.moreUsed()) return undefined;
    const slot = this.lastUsedIdx % this.num;
    this.mem.read(this.usedArea.paddr + 4 + 8 * slot, this.b, 0, 8);
    const head = this.v.getUint32(0, true);
    this.lastLen = this.v.getUint32(4, true);
    if (head >= this.num || this.data[head] === undefined) {
      this.broken = true; // "id %u is not a head!"
      return undefined;
    }
    const token = this.data[head];
    this.detach(head);
    this.lastUsedIdx = (this.lastUsedIdx + 1) & 0xffff;
    if ((this.availFlagsShadow & VRING_AVAIL_F_NO_INTERRUPT) === 0 && this.eventIdx) {
      this.writeU16(this.availArea.paddr + 4 + 2 * this.num, this.lastUsedIdx);
    }
    return token;
  }

  /** Models `virtqueue_disable_cb()`. */
  disableCb(): void {
    if ((this.availFlagsShadow & VRING_AVAIL_F_NO_INTERRUPT) === 0) {
      this.availFlagsShadow |= VRING_AVAIL_F_NO_INTERRUPT;
      if (this.eventIdx) this.writeU16(this.availArea.paddr + 4 + 2 * this.num, 0);
      else this.writeU16(this.availArea.paddr, this.availFlagsShadow);
    }
  }

  /** Models `virtqueue_enable_cb_prepare()`: re-enables callbacks; returns the used index to poll against. */
  enableCbPrepare(): number {
    if ((this.availFlagsShadow & VRING_AVAIL_F_NO_INTERRUPT) !== 0) {
      this.availFlagsShadow &= ~VRING_AVAIL_F_NO_INTERRUPT;
      if (!this.eventIdx) this.writeU16(this.availArea.paddr, this.availFlagsShadow);
    }
    if (this.eventIdx) this.writeU16(this.availArea.paddr + 4 + 2 * this.num, this.lastUsedIdx);
    return this.lastUsedIdx;
  }

  /** Models `virtqueue_poll()`: true if buffers were used since `lastUsed`. */
  poll(lastUsed: number): boolean {
    return lastUsed !== this.readU16(this.usedArea.paddr + 2);
  }

  /** Models `virtqueue_enable_cb()`: false if buffers are already pending (the caller must poll again). */
  enableCb(): boolean {
    return !this.poll(this.enableCbPrepare());
  }

  /** Models `vring_interrupt()`: runs the callback if the device used buffers. */
  interrupt(): void {
    if (!this.moreUsed() || this.broken) return;
    this.callback(this);
  }

  /**
   * Models `virtqueue_detach_unused_buf()`: takes back a buffer the device never used (reset, removal).
   * @returns its token, or undefined when none is left.
   */
  detachUnusedBuf(): unknown {
    for (let i = 0; i < this.num; i++) {
      if (this.data[i] === undefined) continue;
      const t = this.data[i];
      this.detach(i);
      return t;
    }
    return undefined;
  }

  /** Models `virtqueue_get_vring_size()`. */
  get vringSize(): number {
    return this.num;
  }

  /** Sets the driver's `avail->flags` (tests of VRING_AVAIL_F_NO_INTERRUPT without EVENT_IDX). */
  setAvailFlags(flags: number): void {
    this.availFlagsShadow = flags;
    this.writeU16(this.availArea.paddr, flags);
  }
}
