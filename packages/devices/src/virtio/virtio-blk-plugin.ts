/**
 * The `virtio-blk` plugin: a virtio-blk device model on a virtio-pci link, the virtio_blk driver bound to it, and
 * its disk (`vda`).
 * @packageDocumentation
 */
import { capabilityId, definePlugin, EINVAL, Errno, param, Scheduler, type ParamValues } from '@stackemu/core';
import { BlockLayer } from '@stackemu/block';
import { ContainerModule } from 'inversify';
import { PciLink } from '../bus/pci-link.js';
import { DmaEngine, iommuIoPageFault } from '../dma/dma-engine.js';
import { bindDmaEngine } from '../dma/dma-module.js';
import { faultsParam, type DeviceFaultSpec } from '../fault/fault-spec.js';
import { HostFileBackend } from '../media/host-file.js';
import type { MediaBackend } from '../media/media-backend.js';
import { SparseMemBackend } from '../media/sparse-mem.js';
import { timingFromParams, timingParamSpec } from '../timing/timing-params.js';
import { VirtioBlk } from './host/virtio-blk.js';
import { VirtioDevice, virtioPciConfigOps } from './host/virtio-pci-modern.js';
import { VirtIOBlock } from './hw/virtio-blk.js';

/**
 * The `virtio-blk` plugin's parameter table (QEMU `virtio-blk-pci` properties): defaults are a 64 GiB disk of
 * 512-byte sectors, one 256-entry queue, serial `STACKEMU-VD0`, no write cache, SSD timing defaults.
 */
export const virtioBlkParamSpec = {
  /** Logical block size (blk_size). */
  capacity: param.size(64 * 2 ** 30, 'capacity in bytes', 512),
  /** Logical block size (512 or 4096). */
  lba_size: param.custom<512 | 4096>('512|4096', 512, 'logical block size (blk_size)', (r) =>
    r === 512 || r === '512'
      ? 512
      : r === 4096 || r === '4096'
        ? 4096
        : param.problem(`lba_size must be 512 or 4096, got ${JSON.stringify(r)}`),
  ),
  /** Request queues (num-queues; > 1 offers VIRTIO_BLK_F_MQ). */
  num_queues: param.int(1, 'request queues (num-queues; > 1 offers VIRTIO_BLK_F_MQ)', 1, 1024),
  /** Entries per virtqueue (queue-size, power of 2). */
  queue_size: param.int(256, 'entries per virtqueue (queue-size, power of 2)', 2, 1024),
  /** Offer VIRTIO_BLK_F_RO. */
  read_only: param.bool(false, 'offer VIRTIO_BLK_F_RO'),
  /** GET_ID string. */
  serial: param.string('STACKEMU-VD0', 'GET_ID string'),
  /** Writeback cache (CONFIG_WCE with writeback = 1). */
  write_cache: param.bool(false, 'writeback cache (CONFIG_WCE with writeback = 1)'),
  /** Offer VIRTIO_RING_F_INDIRECT_DESC. */
  event_idx: param.bool(true, 'offer VIRTIO_RING_F_EVENT_IDX'),
  /** Offer VIRTIO_RING_F_INDIRECT_DESC. */
  indirect_desc: param.bool(true, 'offer VIRTIO_RING_F_INDIRECT_DESC'),
  /** Media backend. */
  media: param.enum(['sparse', 'file'] as const, 'sparse', 'media backend'),
  /** Host file for media=file. */
  media_path: param.string('', 'host file for media=file'),
  /** IOMMU translation (offers VIRTIO_F_ACCESS_PLATFORM). */
  'dma.iommu': param.enum(
    ['off', 'strict', 'lazy'] as const,
    'off',
    'IOMMU translation (offers VIRTIO_F_ACCESS_PLATFORM)',
  ),
  /** Bounce streaming mappings through swiotlb (offers VIRTIO_F_ACCESS_PLATFORM). */
  'dma.swiotlb': param.bool(false, 'bounce streaming mappings through swiotlb (offers VIRTIO_F_ACCESS_PLATFORM)'),
  /** CONFIG_DMA_API_DEBUG checks. */
  'dma.debug': param.bool(false, 'CONFIG_DMA_API_DEBUG checks'),
  /** Faults to inject (see DeviceFaultSpec). */
  faults: faultsParam(['media_error', 'dma_fault', 'needs_reset', 'surprise_removal']),
  ...timingParamSpec(),
};

/** Parsed `virtio-blk` parameters. */
export type VirtioBlkPluginParams = ParamValues<typeof virtioBlkParamSpec>;

/** One virtio-blk function: device model, link, driver. */
export interface VirtioBlkInstance {
  /** `virtio<instance>`. */
  readonly name: string;
  /** The PCI link. */
  readonly link: PciLink;
  /** The device model. */
  readonly hw: VirtIOBlock;
  /** The driver. */
  readonly host: VirtioBlk;
  /** Injects a fault now (or at `f.atNs`). */
  inject(f: DeviceFaultSpec): void;
}

/** Service identifier of {@link VirtioBlkDevices}. */
export const VirtioBlkDevices = Symbol.for('stackemu.VirtioBlkDevices');

/** The virtio-blk functions of this machine. */
export interface VirtioBlkDevices {
  /** In instance order. */
  readonly devices: readonly VirtioBlkInstance[];
}

class VirtioBlkDevicesImpl implements VirtioBlkDevices {
  readonly devices: VirtioBlkInstance[] = [];
}

function applyFault(d: { hw: VirtIOBlock; link: PciLink }, f: DeviceFaultSpec): void {
  switch (f.type) {
    case 'media_error':
      d.hw.markBadSectors((f.lba * d.hw.params.logicalBlockSize) / 512, (f.count * d.hw.params.logicalBlockSize) / 512);
      return;
    case 'dma_fault':
      d.link.dma.port.inject(
        f.write === undefined
          ? { count: f.count, tornBytes: f.tornBytes }
          : { write: f.write, count: f.count, tornBytes: f.tornBytes },
      );
      return;
    case 'needs_reset':
      d.hw.virtioError('virtio-blk: injected device error');
      return;
    case 'surprise_removal':
      d.link.surpriseRemove();
      return;
    default:
      throw new Errno(EINVAL, `virtio-blk: fault ${f.type} is not supported`);
  }
}

/** The `virtio-blk` plugin's bindings. */
export const virtioBlkModule = new ContainerModule((options) => {
  // services
  options.bind(VirtioBlkDevices).toConstantValue(new VirtioBlkDevicesImpl());
  bindDmaEngine(options);
  // capabilities
  options.bind(capabilityId('blockdev:virtio-blk')).toConstantValue('blockdev:virtio-blk');
  options.bind(capabilityId('blockdev')).toConstantValue('blockdev:virtio-blk');
});

/**
 * The `virtio-blk` plugin: requires `mm` and `block`, provides `blockdev:virtio-blk`, contributes `blockdev`.
 * Registers `vda`.
 * @remarks Like upstream virtio_blk, the driver has no timeout handler: requests a device stops answering
 * (DEVICE_NEEDS_RESET) stay in flight until the device is removed (machine stop), when they fail with EIO.
 */
export const virtioBlkPlugin = definePlugin({
  name: 'virtio-blk',
  version: '0.1.0',
  description: 'virtio-blk disk: device model + virtio_blk driver over split virtqueues; disk vda',
  requires: ['mm', 'block'],
  provides: ['blockdev:virtio-blk'],
  contributes: ['blockdev'],
  params: virtioBlkParamSpec,
  tracepoints: [iommuIoPageFault],
  module: virtioBlkModule,
  init(ctx) {
    const p = ctx.params;
    if (p.capacity % p.lba_size !== 0)
      throw new Errno(EINVAL, `virtio-blk: capacity ${p.capacity} is not a multiple of ${p.lba_size}`);
    if ((p.queue_size & (p.queue_size - 1)) !== 0)
      throw new Errno(EINVAL, `virtio-blk: queue_size ${p.queue_size} is not a power of 2`);
    if (p.media === 'file' && p.media_path === '') throw new Errno(EINVAL, 'virtio-blk: media=file needs media_path');
    timingFromParams(p);
  },
  start(ctx) {
    const p = ctx.params;
    const c = ctx.container;
    const sched = c.get<Scheduler>(Scheduler);
    const blk = c.get<BlockLayer>(BlockLayer);
    const engine = c.get<DmaEngine>(DmaEngine);
    const name = 'virtio0';
    const platform = p['dma.iommu'] !== 'off' || p['dma.swiotlb'];
    const dev = engine.createDevice(name, { iommu: p['dma.iommu'], bounce: p['dma.swiotlb'], debug: p['dma.debug'] });
    const link = new PciLink(name, dev);
    const media: MediaBackend =
      p.media === 'file' ? new HostFileBackend(p.media_path, p.capacity) : new SparseMemBackend(p.capacity);
    const hw = new VirtIOBlock(
      name,
      link,
      sched,
      media,
      {
        capacity: p.capacity,
        logicalBlockSize: p.lba_size,
        numQueues: p.num_queues,
        queueSize: p.queue_size,
        readOnly: p.read_only,
        serial: p.serial,
        writeCache: p.write_cache,
        accessPlatform: platform,
        timing: timingFromParams(p),
        eventIdx: p.event_idx,
        indirectDesc: p.indirect_desc,
      },
      ctx.log,
    );
    const vdev = new VirtioDevice(name, link, engine.mem, virtioPciConfigOps, ctx.log);
    const host = new VirtioBlk(vdev, blk, 'vda');
    const r = host.probe();
    if (r < 0) throw new Errno(-r, `virtio-blk: probe of ${name} failed`);
    const inst: VirtioBlkInstance = {
      name,
      link,
      hw,
      host,
      inject(f) {
        if (f.atNs > sched.now()) {
          sched.scheduleAt(
            f.atNs,
            () => {
              applyFault(inst, f);
            },
            undefined,
          );
        } else applyFault(inst, f);
      },
    };
    c.get<VirtioBlkDevicesImpl>(VirtioBlkDevices).devices.push(inst);
    for (const f of p.faults) inst.inject(f);
  },
  stop(ctx) {
    const devs = ctx.container.get<VirtioBlkDevicesImpl>(VirtioBlkDevices);
    for (const d of devs.devices) {
      d.host.remove();
      d.hw.unrealize();
      d.hw.media.close();
    }
    devs.devices.length = 0;
  },
});
