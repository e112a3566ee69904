/**
 * The device side of a split virtqueue (QEMU hw/virtio/virtio.c): popping available chains, pushing used entries,
 * deciding when to notify the driver.
 * @packageDocumentation
 */
import type { DmaPort } from '../../dma/dma-device.js';
import {
  VRING_AVAIL_F_NO_INTERRUPT,
  VRING_DESC_F_INDIRECT,
  VRING_DESC_F_NEXT,
  VRING_DESC_F_WRITE,
  VRING_DESC_SIZE,
  vringNeedEvent,
} from '../virtio-config.js';

/**
 * Models QEMU's `VirtQueueElement`: one popped descriptor chain as device-readable (`out`) and device-writable
 * (`in`) bus ranges. Elements are pooled per queue.
 */
export class VirtQueueElement {
  /** Head descriptor index (the used-ring id). */
  index = 0;
  /** Device-readable ranges: addresses. */
  outAddr: number[] = [];
  /** Device-readable ranges: lengths. */
  outLen: number[] = [];
  /** Device-writable ranges: addresses. */
  inAddr: number[] = [];
  /** Device-writable ranges: lengths. */
  inLen: number[] = [];
  /** Total writable bytes. */
  inBytes = 0;
  /** Total readable bytes. */
  outBytes = 0;
  /** Device-private state while the element is in flight. */
  opaque: unknown;

  /** Forgets the ranges. */
  reset(): void {
    this.outAddr.length = 0;
    this.outLen.length = 0;
    this.inAddr.length = 0;
    this.inLen.length = 0;
    this.inBytes = 0;
    this.outBytes = 0;
    this.opaque = undefined;
  }
}

/** Thrown inside {@link VirtQueue.pop} for a driver error that makes the device need a reset (`virtio_error`). */
export class VirtioDeviceError extends Error {
  /** The error class name. */
  override readonly name = 'VirtioDeviceError';
}

/**
 * Models QEMU's `VirtQueue` for split rings: `virtqueue_pop()` (with the validation of VQ-2.7),
 * `virtqueue_push()`, `virtio_should_notify()` and the EVENT_IDX bookkeeping.
 *
 * @remarks All ring memory is accessed through the device's DMA port. Ring validation failures throw
 * {@link VirtioDeviceError}; the transport turns that into DEVICE_NEEDS_RESET.
 */
export class VirtQueue {
  /** Queue size Q (a power of two). */
  num = 0;
  /** Descriptor table bus address. */
  desc = 0;
  /** Available ring bus address. */
  avail = 0;
  /** Used ring bus address. */
  used = 0;
  /** Next available-ring index to pop. */
  lastAvailIdx = 0;
  /** Our used.idx. */
  usedIdx = 0;
  /** Elements popped and not pushed. */
  inuse = 0;
  /** used.idx at the last notification decision (`signalled_used`). */
  signalledUsed = 0;
  /** True once the driver enabled the queue. */
  enabled = false;
  /** MSI-X vector for used-buffer notifications. */
  vector = 0xffff;
  /** EVENT_IDX negotiated. */
  eventIdx = false;
  /** INDIRECT_DESC negotiated. */
  indirect = false;
  private readonly pool: VirtQueueElement[] = [];
  private readonly b8 = new Uint8Array(16);
  private readonly v8 = new DataView(this.b8.buffer);

  /**
   * @param index - queue index
   * @param maxSize - the device's maximum queue size
   * @param port - DMA port
   */
  constructor(
    readonly index: number,
    readonly maxSize: number,
    private readonly port: DmaPort,
  ) {
    this.num = maxSize;
  }

  /** Models `virtio_queue_reset()`. */
  reset(): void {
    this.num = this.maxSize;
    this.desc = this.avail = this.used = 0;
    this.lastAvailIdx = this.usedIdx = this.inuse = this.signalledUsed = 0;
    this.enabled = false;
    this.vector = 0xffff;
  }

  private read16(addr: number): number {
    if (this.port.dmaRead(addr, this.b8, 0, 2) !== 0)
      throw new VirtioDeviceError(`virtio: ring at 0x${addr.toString(16)} is not readable`);
    return this.v8.getUint16(0, true);
  }

  private write16(addr: number, v: number): void {
    this.v8.setUint16(0, v, true);
    if (this.port.dmaWrite(addr, this.b8, 0, 2) !== 0)
      throw new VirtioDeviceError(`virtio: ring at 0x${addr.toString(16)} is not writable`);
  }

  /** `avail->idx`. */
  availIdx(): number {
    return this.read16(this.avail + 2);
  }

  /** `avail->flags`. */
  availFlags(): number {
    return this.read16(this.avail);
  }

  /** `used_event` (after the avail ring). */
  usedEvent(): number {
    return this.read16(this.avail + 4 + 2 * this.num);
  }

  /** Writes `avail_event` (after the used ring): models `vring_set_avail_event()`. */
  setAvailEvent(v: number): void {
    this.write16(this.used + 4 + 8 * this.num, v);
  }

  /** Models `virtio_queue_empty()`. */
  empty(): boolean {
    return this.availIdx() === this.lastAvailIdx;
  }

  // The descriptor last read (readDesc fills these instead of allocating).
  private dAddr = 0;
  private dLen = 0;
  private dFlags = 0;
  private dNext = 0;
  /** A copy of the indirect table being walked (read with one DMA transaction). */
  private ind = new Uint8Array(16 * 64);
  private indView = new DataView(this.ind.buffer);
  private indirectLoaded = false;

  private readDesc(table: number, i: number): void {
    let v: DataView;
    let o: number;
    if (this.indirectLoaded) {
      v = this.indView;
      o = i * VRING_DESC_SIZE;
    } else {
      if (this.port.dmaRead(table + i * VRING_DESC_SIZE, this.b8, 0, 16) !== 0) {
        throw new VirtioDeviceError('virtio: descriptor table is not readable');
      }
      v = this.v8;
      o = 0;
    }
    const hi = v.getUint32(o + 4, true);
    this.dAddr = hi >= 0x200000 ? NaN : hi * 0x100000000 + v.getUint32(o, true);
    this.dLen = v.getUint32(o + 8, true);
    this.dFlags = v.getUint16(o + 12, true);
    this.dNext = v.getUint16(o + 14, true);
  }

  private loadIndirect(addr: number, len: number): void {
    if (this.ind.length < len) {
      this.ind = new Uint8Array(len);
      this.indView = new DataView(this.ind.buffer);
    }
    if (this.port.dmaRead(addr, this.ind, 0, len) !== 0)
      throw new VirtioDeviceError('virtio: Cannot map indirect buffer');
    this.indirectLoaded = true;
  }

  /**
   * Models `virtqueue_split_pop()`.
   * @returns the next chain, or undefined if the ring is empty.
   * @throws VirtioDeviceError for a malformed ring or chain (head ≥ Q, next ≥ table size, a loop, nested or bad
   * indirect tables, zero-length or unmappable buffers, writable-before-readable, avail.idx moved by more than Q).
   */
  pop(): VirtQueueElement | undefined {
    const availIdx = this.availIdx();
    const n = (availIdx - this.lastAvailIdx) & 0xffff;
    if (n > this.num)
      throw new VirtioDeviceError(`virtio: Guest moved used index from ${this.lastAvailIdx} to ${availIdx}`);
    if (n === 0) return undefined;
    if (this.inuse >= this.num) throw new VirtioDeviceError('virtio: Virtqueue size exceeded');
    const head = this.read16(this.avail + 4 + 2 * (this.lastAvailIdx % this.num));
    this.lastAvailIdx = (this.lastAvailIdx + 1) & 0xffff;
    if (this.eventIdx) this.setAvailEvent(this.lastAvailIdx);
    if (head >= this.num) throw new VirtioDeviceError(`virtio: Guest says index ${head} is available`);
    const e = this.pool.pop() ?? new VirtQueueElement();
    e.reset();
    e.index = head;
    let table = this.desc;
    let max = this.num;
    let seen = 0;
    let inIndirect = false;
    this.indirectLoaded = false;
    this.readDesc(table, head);
    for (;;) {
      const flags = this.dFlags;
      if ((flags & VRING_DESC_F_INDIRECT) !== 0) {
        if (!this.indirect || inIndirect)
          throw new VirtioDeviceError('virtio: Invalid indirect descriptor (nested or not negotiated)');
        const len = this.dLen;
        if (len === 0 || len % VRING_DESC_SIZE !== 0)
          throw new VirtioDeviceError(`virtio: Invalid size for indirect buffer table (${len})`);
        if ((flags & VRING_DESC_F_NEXT) !== 0) throw new VirtioDeviceError('virtio: indirect descriptor with NEXT');
        if (!this.port.probe(this.dAddr, len, false)) throw new VirtioDeviceError('virtio: Cannot map indirect buffer');
        table = this.dAddr;
        max = len / VRING_DESC_SIZE;
        seen = 0;
        this.loadIndirect(table, len);
        inIndirect = true;
        this.readDesc(table, 0);
        continue;
      }
      if (++seen > max) throw new VirtioDeviceError('virtio: Looped descriptor');
      const addr = this.dAddr;
      const dlen = this.dLen;
      if (dlen === 0) throw new VirtioDeviceError('virtio: zero sized buffers are not allowed');
      const write = (flags & VRING_DESC_F_WRITE) !== 0;
      if (!this.port.probe(addr, dlen, write))
        throw new VirtioDeviceError('virtio: bogus descriptor or out of resources');
      if (write) {
        e.inAddr.push(addr);
        e.inLen.push(dlen);
        e.inBytes += dlen;
      } else {
        if (e.inAddr.length > 0) throw new VirtioDeviceError('virtio: Incorrect order for descriptors');
        e.outAddr.push(addr);
        e.outLen.push(dlen);
        e.outBytes += dlen;
      }
      if ((flags & VRING_DESC_F_NEXT) === 0) break;
      const next = this.dNext;
      if (next >= max) throw new VirtioDeviceError(`virtio: Desc next is ${next}`);
      this.readDesc(table, next);
    }
    this.inuse++;
    return e;
  }

  /**
   * Models `virtqueue_push()` (fill + flush): writes the used element and bumps used.idx.
   * @param len - bytes the device wrote into the chain's writable buffers
   */
  push(e: VirtQueueElement, len: number): void {
    const slot = this.used + 4 + 8 * (this.usedIdx % this.num);
    this.v8.setUint32(0, e.index, true);
    this.v8.setUint32(4, len, true);
    if (this.port.dmaWrite(slot, this.b8, 0, 8) !== 0) throw new VirtioDeviceError('virtio: used ring is not writable');
    this.usedIdx = (this.usedIdx + 1) & 0xffff;
    this.write16(this.used + 2, this.usedIdx);
    this.inuse--;
    this.pool.push(e);
  }

  /**
   * Models `virtio_split_should_notify()`: with EVENT_IDX, notify iff used_event lies in the used.idx range moved
   * since the last decision; without it, unless the driver set VRING_AVAIL_F_NO_INTERRUPT.
   */
  shouldNotify(): boolean {
    if (!this.eventIdx) return (this.availFlags() & VRING_AVAIL_F_NO_INTERRUPT) === 0;
    const old = this.signalledUsed;
    const now = this.usedIdx;
    this.signalledUsed = now;
    return vringNeedEvent(this.usedEvent(), now, old);
  }
}
