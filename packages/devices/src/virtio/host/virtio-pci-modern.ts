/**
 * The virtio core and the virtio-pci modern transport, driver side (drivers/virtio/virtio.c,
 * drivers/virtio/virtio_pci_modern.c, virtio_pci_common.c).
 * @packageDocumentation
 */
import { EIO, ENODEV, ENOMEM, type Logger } from '@stackemu/core';
import type { Subscription } from 'rxjs';
import type { PciLink } from '../../bus/pci-link.js';
import type { PhysMemPort } from '../../internal/mm-port.js';
import {
  VIRTIO_CONFIG_S_ACKNOWLEDGE,
  VIRTIO_CONFIG_S_DRIVER,
  VIRTIO_CONFIG_S_DRIVER_OK,
  VIRTIO_CONFIG_S_FAILED,
  VIRTIO_CONFIG_S_FEATURES_OK,
  VIRTIO_F_ACCESS_PLATFORM,
  VIRTIO_F_VERSION_1,
  VIRTIO_MSI_NO_VECTOR,
  VIRTIO_PCI,
  VIRTIO_RING_F_EVENT_IDX,
  VIRTIO_RING_F_INDIRECT_DESC,
} from '../virtio-config.js';
import { Virtqueue } from './virtio-ring.js';

/** Models `struct virtio_config_ops` (include/linux/virtio_config.h): what a driver asks its transport. */
export interface VirtioConfigOps {
  /** `get`: reads `len` bytes of device configuration at `offset`. */
  get(vdev: VirtioDevice, offset: number, len: 1 | 2 | 4): number;
  /** `generation`: the configuration generation counter. */
  generation(vdev: VirtioDevice): number;
  /** `get_status`. */
  getStatus(vdev: VirtioDevice): number;
  /** `set_status`. */
  setStatus(vdev: VirtioDevice, status: number): void;
  /** `reset`: writes 0 and waits until the device reads back 0. */
  reset(vdev: VirtioDevice): void;
  /** `find_vqs`: sets up `nvqs` queues with their callbacks; returns them or -errno. */
  findVqs(vdev: VirtioDevice, nvqs: number, callbacks: readonly ((vq: Virtqueue) => void)[]): Virtqueue[] | number;
  /** `del_vqs`. */
  delVqs(vdev: VirtioDevice): void;
  /** `get_features`: the device's 64 feature bits as [lo, hi]. */
  getFeatures(vdev: VirtioDevice): [number, number];
  /** `finalize_features`: writes `vdev.features` to the device; returns 0 or -errno. */
  finalizeFeatures(vdev: VirtioDevice): number;
}

/**
 * Models `struct virtio_device` (include/linux/virtio.h) on a virtio-pci function: features accepted, queues, and
 * the transport's ops.
 */
export class VirtioDevice {
  /** Negotiated features, [lo, hi]. */
  features: [number, number] = [0, 0];
  /** Queues from `find_vqs`. */
  vqs: Virtqueue[] = [];
  /** True once the device is broken (`virtio_break_device()`). */
  broken = false;
  /** Configuration-change interrupts seen. */
  configChanges = 0;
  /** The driver's config-change handler (`config_changed`). */
  onConfigChanged: (() => void) | undefined;
  /** @internal MSI-X subscription. */
  irqSub: Subscription | undefined;

  /**
   * @param name - device name (`virtio0`)
   * @param link - the PCI function
   * @param mem - CPU access to memory (rings)
   * @param config - the transport ops
   */
  constructor(
    readonly name: string,
    readonly link: PciLink,
    readonly mem: PhysMemPort,
    readonly config: VirtioConfigOps,
    /** Logger. */
    readonly log?: Logger,
  ) {}
}

/** Models `virtio_has_feature()`. */
export function virtioHasFeature(vdev: VirtioDevice, bit: number): boolean {
  return (((vdev.features[bit >> 5] ?? 0) >>> (bit & 31)) & 1) !== 0;
}

/** Models `virtio_add_status()`. */
export function virtioAddStatus(vdev: VirtioDevice, status: number): void {
  vdev.config.setStatus(vdev, vdev.config.getStatus(vdev) | status);
}

/** Models `virtio_device_ready()`: sets DRIVER_OK. */
export function virtioDeviceReady(vdev: VirtioDevice): void {
  virtioAddStatus(vdev, VIRTIO_CONFIG_S_DRIVER_OK);
}

/** Models `virtio_reset_device()`. */
export function virtioResetDevice(vdev: VirtioDevice): void {
  vdev.config.reset(vdev);
}

/** Models `virtio_break_device()`: every queue stops (add/get fail), callbacks stop. */
export function virtioBreakDevice(vdev: VirtioDevice): void {
  vdev.broken = true;
  for (const vq of vdev.vqs) vq.broken = true;
}

/** Models `virtio_cread8/16/32()`. */
export function virtioCread(vdev: VirtioDevice, offset: number, len: 1 | 2 | 4): number {
  return vdev.config.get(vdev, offset, len);
}

/** Models `virtio_cread64()` with the generation retry loop (`__virtio_cread_many`). */
export function virtioCread64(vdev: VirtioDevice, offset: number): number {
  for (;;) {
    const g = vdev.config.generation(vdev);
    const lo = vdev.config.get(vdev, offset, 4);
    const hi = vdev.config.get(vdev, offset + 4, 4);
    if (vdev.config.generation(vdev) === g) return hi * 0x100000000 + lo;
  }
}

/** Transport feature bits a driver keeps when offered (`vring_transport_features()`). */
const TRANSPORT_FEATURES = [
  VIRTIO_RING_F_INDIRECT_DESC,
  VIRTIO_RING_F_EVENT_IDX,
  VIRTIO_F_VERSION_1,
  VIRTIO_F_ACCESS_PLATFORM,
];

/**
 * Models `virtio_dev_probe()` (drivers/virtio/virtio.c) up to the driver's probe: reset, ACKNOWLEDGE, DRIVER,
 * features = device ∩ (driver table ∪ transport features), FEATURES_OK and its check.
 * @param driverFeatures - the driver's `feature_table` bits
 * @returns 0, or -ENODEV when the device refuses the features ("virtio: device refuses features") or lacks VERSION_1.
 */
export function virtioDevProbe(vdev: VirtioDevice, driverFeatures: readonly number[]): number {
  const c = vdev.config;
  c.reset(vdev);
  virtioAddStatus(vdev, VIRTIO_CONFIG_S_ACKNOWLEDGE);
  virtioAddStatus(vdev, VIRTIO_CONFIG_S_DRIVER);
  const dev = c.getFeatures(vdev);
  const want: [number, number] = [0, 0];
  for (const bit of [...driverFeatures, ...TRANSPORT_FEATURES]) {
    if ((((dev[bit >> 5] ?? 0) >>> (bit & 31)) & 1) !== 0)
      want[bit >> 5] = ((want[bit >> 5] ?? 0) | (1 << (bit & 31))) >>> 0;
  }
  vdev.features = want;
  if (!virtioHasFeature(vdev, VIRTIO_F_VERSION_1)) {
    virtioAddStatus(vdev, VIRTIO_CONFIG_S_FAILED);
    return -ENODEV;
  }
  const r = c.finalizeFeatures(vdev);
  if (r < 0) return r;
  virtioAddStatus(vdev, VIRTIO_CONFIG_S_FEATURES_OK);
  if ((c.getStatus(vdev) & VIRTIO_CONFIG_S_FEATURES_OK) === 0) {
    vdev.log?.warn({ dev: vdev.name }, 'virtio: device refuses features');
    virtioAddStatus(vdev, VIRTIO_CONFIG_S_FAILED);
    return -ENODEV;
  }
  return 0;
}

function vpRead(vdev: VirtioDevice, off: number, size: 1 | 2 | 4): number {
  const l = vdev.link;
  const a = VIRTIO_PCI.common + off;
  return size === 1 ? l.readb(a) : size === 2 ? l.readw(a) : l.readl(a);
}

function vpWrite(vdev: VirtioDevice, off: number, size: 1 | 2 | 4, v: number): void {
  const l = vdev.link;
  const a = VIRTIO_PCI.common + off;
  if (size === 1) l.writeb(v, a);
  else if (size === 2) l.writew(v, a);
  else l.writel(v, a);
}

/**
 * Models `virtio_pci_config_ops` (drivers/virtio/virtio_pci_modern.c): `vp_get`, `vp_generation`,
 * `vp_get_status`, `vp_set_status`, `vp_reset`, `vp_modern_find_vqs`, `vp_del_vqs`, `vp_get_features`,
 * `vp_finalize_features`, with MSI-X vectors: 0 for configuration changes, 1 + n for queue n.
 */
export const virtioPciConfigOps: VirtioConfigOps = Object.freeze({
  get(vdev: VirtioDevice, offset: number, len: 1 | 2 | 4): number {
    const a = VIRTIO_PCI.device + offset;
    return len === 1 ? vdev.link.readb(a) : len === 2 ? vdev.link.readw(a) : vdev.link.readl(a);
  },
  generation(vdev: VirtioDevice): number {
    return vpRead(vdev, VIRTIO_PCI.configGeneration, 1);
  },
  getStatus(vdev: VirtioDevice): number {
    return vpRead(vdev, VIRTIO_PCI.deviceStatus, 1);
  },
  setStatus(vdev: VirtioDevice, status: number): void {
    vpWrite(vdev, VIRTIO_PCI.deviceStatus, 1, status);
  },
  reset(vdev: VirtioDevice): void {
    vpWrite(vdev, VIRTIO_PCI.deviceStatus, 1, 0);
    // vp_modern_reset: wait for the device to read back 0 (msleep(1) loop); our device resets synchronously.
    if (vpRead(vdev, VIRTIO_PCI.deviceStatus, 1) !== 0)
      vdev.log?.warn({ dev: vdev.name }, 'virtio_pci: reset did not complete');
  },
  findVqs(vdev: VirtioDevice, nvqs: number, callbacks: readonly ((vq: Virtqueue) => void)[]): Virtqueue[] | number {
    const P = VIRTIO_PCI;
    if (vpRead(vdev, P.numQueues, 2) < nvqs) return -ENODEV;
    vpWrite(vdev, P.msixConfig, 2, 0);
    const vqs: Virtqueue[] = [];
    const eventIdx = virtioHasFeature(vdev, VIRTIO_RING_F_EVENT_IDX);
    const indirect = virtioHasFeature(vdev, VIRTIO_RING_F_INDIRECT_DESC);
    const platform = virtioHasFeature(vdev, VIRTIO_F_ACCESS_PLATFORM);
    for (let i = 0; i < nvqs; i++) {
      vpWrite(vdev, P.queueSelect, 2, i);
      const num = vpRead(vdev, P.queueSize, 2);
      if (num === 0 || vpRead(vdev, P.queueEnable, 2) !== 0) return -ENODEV;
      const notifyOff = vpRead(vdev, P.queueNotifyOff, 2);
      const notifyAddr = P.notify + notifyOff * P.notifyOffMultiplier;
      const vq = Virtqueue.create(
        i,
        num,
        vdev.link.dma,
        vdev.mem,
        eventIdx,
        indirect,
        platform,
        (q) => {
          vdev.link.writew(q.index, notifyAddr);
          return !vdev.broken;
        },
        callbacks[i] ?? (() => undefined),
      );
      if (typeof vq === 'number') return -ENOMEM;
      vdev.link.loHiWriteq(vq.descAddr, P.common + P.queueDesc);
      vdev.link.loHiWriteq(vq.availAddr, P.common + P.queueDriver);
      vdev.link.loHiWriteq(vq.usedAddr, P.common + P.queueDevice);
      vpWrite(vdev, P.queueMsixVector, 2, 1 + i);
      if (vpRead(vdev, P.queueMsixVector, 2) === VIRTIO_MSI_NO_VECTOR) return -EIO;
      vpWrite(vdev, P.queueEnable, 2, 1);
      vqs.push(vq);
    }
    vdev.vqs = vqs;
    vdev.irqSub?.unsubscribe();
    vdev.irqSub = vdev.link.onMsix((vector) => {
      if (vector === 0) {
        vdev.configChanges++;
        vdev.onConfigChanged?.();
        return;
      }
      const vq = vdev.vqs[vector - 1];
      if (vq !== undefined && !vdev.broken) vq.interrupt();
    });
    return vqs;
  },
  delVqs(vdev: VirtioDevice): void {
    vdev.irqSub?.unsubscribe();
    vdev.irqSub = undefined;
    for (const vq of vdev.vqs) vq.destroy();
    vdev.vqs = [];
  },
  getFeatures(vdev: VirtioDevice): [number, number] {
    vpWrite(vdev, VIRTIO_PCI.deviceFeatureSelect, 4, 0);
    const lo = vpRead(vdev, VIRTIO_PCI.deviceFeature, 4);
    vpWrite(vdev, VIRTIO_PCI.deviceFeatureSelect, 4, 1);
    const hi = vpRead(vdev, VIRTIO_PCI.deviceFeature, 4);
    return [lo >>> 0, hi >>> 0];
  },
  finalizeFeatures(vdev: VirtioDevice): number {
    if (!virtioHasFeature(vdev, VIRTIO_F_VERSION_1)) return -EIO;
    vpWrite(vdev, VIRTIO_PCI.driverFeatureSelect, 4, 0);
    vpWrite(vdev, VIRTIO_PCI.driverFeature, 4, vdev.features[0]);
    vpWrite(vdev, VIRTIO_PCI.driverFeatureSelect, 4, 1);
    vpWrite(vdev, VIRTIO_PCI.driverFeature, 4, vdev.features[1]);
    return 0;
  },
});
