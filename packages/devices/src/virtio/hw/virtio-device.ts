/**
 * The device side of a virtio device on the virtio-pci modern transport (QEMU hw/virtio/virtio.c +
 * hw/virtio/virtio-pci.c): status, feature negotiation, queue configuration, kicks, notifications and
 * DEVICE_NEEDS_RESET.
 * @packageDocumentation
 */
import type { Logger, Scheduler } from '@stackemu/core';
import type { Subscription } from 'rxjs';
import { mmioAddr, mmioValue, type MmioWrite, type PciLink } from '../../bus/pci-link.js';
import {
  VIRTIO_CONFIG_S_FEATURES_OK,
  VIRTIO_CONFIG_S_NEEDS_RESET,
  VIRTIO_F_VERSION_1,
  VIRTIO_MSI_NO_VECTOR,
  VIRTIO_PCI,
  VIRTIO_RING_F_EVENT_IDX,
  VIRTIO_RING_F_INDIRECT_DESC,
} from '../virtio-config.js';
import { VirtioDeviceError, VirtQueue } from './virtqueue.js';

/** True if bit `bit` is set in a 64-bit feature word held as [lo, hi]. */
export function hasFeature(f: readonly number[], bit: number): boolean {
  return (((f[bit >> 5] ?? 0) >>> (bit & 31)) & 1) !== 0;
}

/** Sets bit `bit` in a [lo, hi] feature word. */
export function setFeature(f: number[], bit: number): void {
  f[bit >> 5] = ((f[bit >> 5] ?? 0) | (1 << (bit & 31))) >>> 0;
}

/** Clears bit `bit` in a [lo, hi] feature word. */
export function clearFeature(f: number[], bit: number): void {
  f[bit >> 5] = ((f[bit >> 5] ?? 0) & ~(1 << (bit & 31))) >>> 0;
}

/**
 * Models QEMU's `VirtIODevice` together with its `VirtIOPCIProxy` (modern, MSI-X) transport: the common
 * configuration registers, the ISR, the device configuration window and the notification region in BAR0.
 *
 * @remarks Subclasses provide the device type (config space, queue handling). Kicks are deferred to a zero-delay
 * scheduler event. A driver error found in the rings sets DEVICE_NEEDS_RESET and sends a configuration-change
 * interrupt; the device then ignores kicks until the driver writes status 0.
 */
export abstract class VirtIODevice {
  /** `device_status`. */
  status = 0;
  /** Features offered, [lo, hi]. */
  readonly hostFeatures: number[] = [0, 0];
  /** Features the driver accepted, [lo, hi]. */
  guestFeatures: number[] = [0, 0];
  /** The queues. */
  readonly vqs: VirtQueue[] = [];
  /** Set by `virtio_error()`; cleared by reset. */
  broken = false;
  /** MSI-X vector of configuration-change interrupts. */
  configVector = VIRTIO_MSI_NO_VECTOR;
  /** ISR status (bit 0 queue, bit 1 config), read-to-clear. */
  isr = 0;
  /** Used-buffer notifications sent. */
  notifications = 0;
  /** Configuration-change notifications sent. */
  configNotifications = 0;
  /** Why the device last needed a reset. */
  lastError: string | undefined;
  private dfSelect = 0;
  private gfSelect = 0;
  private queueSel = 0;
  private configGeneration = 0;
  private sub: Subscription | undefined;
  private readonly kickFn = (vq: VirtQueue): void => {
    this.kickScheduled[vq.index] = false;
    if (this.broken || !vq.enabled) return;
    try {
      this.handleOutput(vq);
    } catch (e) {
      if (e instanceof VirtioDeviceError) this.virtioError(e.message);
      else throw e;
    }
  };
  private readonly kickScheduled: boolean[] = [];

  /**
   * @param name - device name (`virtio0`)
   * @param deviceId - `VIRTIO_ID_*`
   * @param link - the PCI link
   * @param sched - virtual time
   * @param numQueues - queues
   * @param queueSize - maximum entries per queue
   */
  constructor(
    readonly name: string,
    readonly deviceId: number,
    readonly link: PciLink,
    protected readonly sched: Scheduler,
    numQueues: number,
    readonly queueSize: number,
    /** Logger. */
    protected readonly log?: Logger,
  ) {
    for (let i = 0; i < numQueues; i++) this.vqs.push(new VirtQueue(i, queueSize, link.dma.port));
    setFeature(this.hostFeatures, VIRTIO_F_VERSION_1);
    setFeature(this.hostFeatures, VIRTIO_RING_F_INDIRECT_DESC);
    setFeature(this.hostFeatures, VIRTIO_RING_F_EVENT_IDX);
  }

  /** Claims the link's BAR (models `virtio_pci_realize()` of the modern layout). */
  protected realize(): void {
    this.sub = this.link.registerBar({ read: (a, s) => this.mmioRead(a, s) }, (w) => {
      this.mmioWrite(w);
    });
  }

  /** Detaches from the link. */
  unrealize(): void {
    this.reset();
    this.sub?.unsubscribe();
  }

  /** Fills the device configuration space (`get_config`). */
  protected abstract getConfig(buf: Uint8Array): void;
  /** Processes a kicked queue (`handle_output`); may throw {@link VirtioDeviceError}. */
  protected abstract handleOutput(vq: VirtQueue): void;
  /** Device-type reset: cancel in-flight work without DMA (`reset`). */
  protected abstract resetDevice(): void;

  /** True if the driver accepted feature `bit`. */
  guestHas(bit: number): boolean {
    return hasFeature(this.guestFeatures, bit);
  }

  /** Models `virtio_reset()`: status 0, features cleared, queues reset, in-flight work dropped. */
  reset(): void {
    this.resetDevice();
    this.status = 0;
    this.guestFeatures = [0, 0];
    this.broken = false;
    this.isr = 0;
    this.configVector = VIRTIO_MSI_NO_VECTOR;
    for (const vq of this.vqs) vq.reset();
    this.kickScheduled.length = 0;
  }

  /** Models `virtio_error()`: DEVICE_NEEDS_RESET (VERSION_1) and a configuration-change notification. */
  virtioError(msg: string): void {
    this.lastError = msg;
    this.log?.debug({ dev: this.name }, msg);
    if (this.guestHas(VIRTIO_F_VERSION_1)) {
      this.status |= VIRTIO_CONFIG_S_NEEDS_RESET;
      this.notifyConfig();
    }
    this.broken = true;
  }

  /** Models `virtio_notify_config()`. */
  notifyConfig(): void {
    this.configGeneration = (this.configGeneration + 1) & 0xff;
    this.isr |= 2;
    this.configNotifications++;
    if (this.configVector !== VIRTIO_MSI_NO_VECTOR) this.link.msixNotify(this.configVector);
  }

  /** Models `virtio_notify()`: a used-buffer notification if the queue's suppression rules allow it. */
  notify(vq: VirtQueue): void {
    if (!vq.shouldNotify()) return;
    this.isr |= 1;
    this.notifications++;
    if (vq.vector !== VIRTIO_MSI_NO_VECTOR) this.link.msixNotify(vq.vector);
  }

  private mmioRead(addr: number, size: number): number {
    const P = VIRTIO_PCI;
    if (addr >= P.device && addr < P.notify) {
      const buf = new Uint8Array(256);
      this.getConfig(buf);
      const o = addr - P.device;
      const v = new DataView(buf.buffer);
      if (o + size > buf.length) return 0;
      return size === 1 ? v.getUint8(o) : size === 2 ? v.getUint16(o, true) : v.getUint32(o, true);
    }
    if (addr === P.isr) {
      const r = this.isr;
      this.isr = 0;
      return r;
    }
    const vq = this.vqs[this.queueSel];
    switch (addr) {
      case P.deviceFeatureSelect:
        return this.dfSelect;
      case P.deviceFeature:
        return this.dfSelect < 2 ? (this.hostFeatures[this.dfSelect] ?? 0) : 0;
      case P.driverFeatureSelect:
        return this.gfSelect;
      case P.driverFeature:
        return this.gfSelect < 2 ? (this.guestFeatures[this.gfSelect] ?? 0) : 0;
      case P.msixConfig:
        return this.configVector;
      case P.numQueues:
        return this.vqs.length;
      case P.deviceStatus:
        return this.status;
      case P.configGeneration:
        return this.configGeneration;
      case P.queueSelect:
        return this.queueSel;
      case P.queueSize:
        return vq?.num ?? 0;
      case P.queueMsixVector:
        return vq?.vector ?? VIRTIO_MSI_NO_VECTOR;
      case P.queueEnable:
        return vq?.enabled === true ? 1 : 0;
      case P.queueNotifyOff:
        return this.queueSel;
      case P.queueDesc:
        return (vq?.desc ?? 0) >>> 0;
      case P.queueDesc + 4:
        return Math.floor((vq?.desc ?? 0) / 0x100000000);
      case P.queueDriver:
        return (vq?.avail ?? 0) >>> 0;
      case P.queueDriver + 4:
        return Math.floor((vq?.avail ?? 0) / 0x100000000);
      case P.queueDevice:
        return (vq?.used ?? 0) >>> 0;
      case P.queueDevice + 4:
        return Math.floor((vq?.used ?? 0) / 0x100000000);
      default:
        return 0;
    }
  }

  private mmioWrite(w: MmioWrite): void {
    const P = VIRTIO_PCI;
    const v = mmioValue(w);
    const addr = mmioAddr(w);
    if (addr >= P.notify) {
      const q = (addr - P.notify) / P.notifyOffMultiplier;
      const vq = this.vqs[q];
      if (vq === undefined || !Number.isInteger(q) || this.broken) return;
      if (!this.kickScheduled[q]) {
        this.kickScheduled[q] = true;
        this.sched.schedule(0, this.kickFn, vq);
      }
      return;
    }
    const vq = this.vqs[this.queueSel];
    const hi = (x: number): number => (v & 0x1fffff) * 0x100000000 + (x % 0x100000000);
    const lo = (x: number): number => Math.floor(x / 0x100000000) * 0x100000000 + v;
    switch (addr) {
      case P.deviceFeatureSelect:
        this.dfSelect = v;
        return;
      case P.driverFeatureSelect:
        this.gfSelect = v;
        return;
      case P.driverFeature:
        if (this.gfSelect < 2 && (this.status & VIRTIO_CONFIG_S_FEATURES_OK) === 0)
          this.guestFeatures[this.gfSelect] = v >>> 0;
        return;
      case P.msixConfig:
        this.configVector = v;
        return;
      case P.deviceStatus:
        this.setStatus(v & 0xff);
        return;
      case P.queueSelect:
        this.queueSel = v;
        return;
      case P.queueSize:
        if (vq !== undefined && v > 0 && v <= vq.maxSize && (v & (v - 1)) === 0) vq.num = v;
        return;
      case P.queueMsixVector:
        if (vq !== undefined) vq.vector = v;
        return;
      case P.queueEnable:
        if (vq !== undefined && v === 1) {
          vq.eventIdx = this.guestHas(VIRTIO_RING_F_EVENT_IDX);
          vq.indirect = this.guestHas(VIRTIO_RING_F_INDIRECT_DESC);
          vq.enabled = true;
        }
        return;
      case P.queueDesc:
        if (vq !== undefined) vq.desc = lo(vq.desc);
        return;
      case P.queueDesc + 4:
        if (vq !== undefined) vq.desc = hi(vq.desc);
        return;
      case P.queueDriver:
        if (vq !== undefined) vq.avail = lo(vq.avail);
        return;
      case P.queueDriver + 4:
        if (vq !== undefined) vq.avail = hi(vq.avail);
        return;
      case P.queueDevice:
        if (vq !== undefined) vq.used = lo(vq.used);
        return;
      case P.queueDevice + 4:
        if (vq !== undefined) vq.used = hi(vq.used);
        return;
      default:
        return;
    }
  }

  /** Models `virtio_set_status()`: 0 resets; FEATURES_OK is refused (cleared) for an unacceptable feature set. */
  private setStatus(v: number): void {
    if (v === 0) {
      this.reset();
      return;
    }
    if ((v & VIRTIO_CONFIG_S_FEATURES_OK) !== 0 && (this.status & VIRTIO_CONFIG_S_FEATURES_OK) === 0) {
      const ok =
        this.guestHas(VIRTIO_F_VERSION_1) &&
        ((this.guestFeatures[0] ?? 0) & ~(this.hostFeatures[0] ?? 0)) === 0 &&
        ((this.guestFeatures[1] ?? 0) & ~(this.hostFeatures[1] ?? 0)) === 0;
      if (!ok) v &= ~VIRTIO_CONFIG_S_FEATURES_OK;
    }
    this.status = (this.status & VIRTIO_CONFIG_S_NEEDS_RESET) | v;
  }
}
