/**
 * The `nvme` plugin: an NVMe controller model on a PCI link, the nvme-pci host driver bound to it, and one disk
 * per namespace (`nvme0n1`, …) in the block layer's registry.
 * @packageDocumentation
 */
import {
  capabilityId,
  definePlugin,
  EINVAL,
  Errno,
  Scheduler,
  TraceBus,
  type EventBus,
  type Logger,
} from '@stackemu/core';
import { BlockLayer } from '@stackemu/block';
import { ContainerModule } from 'inversify';
import { PciLink } from '../bus/pci-link.js';
import { bindDmaEngine } from '../dma/dma-module.js';
import { DmaEngine, iommuIoPageFault } from '../dma/dma-engine.js';
import type { DeviceFaultSpec } from '../fault/fault-spec.js';
import { settle } from '../internal/settle.js';
import { HostFileBackend } from '../media/host-file.js';
import type { MediaBackend } from '../media/media-backend.js';
import { SparseMemBackend } from '../media/sparse-mem.js';
import { VolatileWriteCache } from '../media/volatile-write-cache.js';
import { timingFromParams } from '../timing/timing-params.js';
import { nvmeTracepoints } from '../trace/nvme.js';
import { NvmeDev } from './host/pci.js';
import { NvmeCtrl } from './hw/ctrl.js';
import { NvmeNamespace } from './hw/ns.js';
import { nvmeParamSpec, type NvmeNamespaceSpec, type NvmeParams } from './nvme-params.js';

/** One controller of the `nvme` plugin: the model, its link and the host driver bound to it. */
export interface NvmeController {
  /** `nvme<instance>`. */
  readonly name: string;
  /** The PCI link between them. */
  readonly link: PciLink;
  /** The controller model (hardware side). */
  readonly hw: NvmeCtrl;
  /** The nvme-pci driver instance (host side). */
  readonly host: NvmeDev;
  /**
   * Injects a fault now (or at `f.atNs` if later).
   * @throws Errno EINVAL for a namespace that does not exist.
   */
  inject(f: DeviceFaultSpec): void;
}

/** Service identifier of {@link NvmeDevices}. */
export const NvmeDevices = Symbol.for('stackemu.NvmeDevices');

/** The controllers the `nvme` plugin built on this machine. */
export interface NvmeDevices {
  /** Controllers, in instance order. */
  readonly controllers: readonly NvmeController[];
}

class NvmeDevicesImpl implements NvmeDevices {
  readonly controllers: NvmeController[] = [];
}

function mediaFor(spec: NvmeNamespaceSpec, vwc: boolean): MediaBackend {
  const m: MediaBackend =
    spec.media === 'file' ? new HostFileBackend(spec.path, spec.capacity) : new SparseMemBackend(spec.capacity);
  return vwc ? new VolatileWriteCache(m) : m;
}

/** Applies a fault to a controller (shared by the stack config's `faults` and run-time injection). */
function applyFault(c: { hw: NvmeCtrl; host: NvmeDev; link: PciLink }, f: DeviceFaultSpec): void {
  switch (f.type) {
    case 'media_error':
    case 'write_fault': {
      const ns = c.hw.namespace(f.nsid);
      if (ns === undefined) throw new Errno(EINVAL, `nvme: fault ${f.type}: namespace ${f.nsid} does not exist`);
      if (f.type === 'media_error') ns.markUncorrectable(f.lba, f.count);
      else ns.markWriteFault(f.lba, f.count);
      return;
    }
    case 'timeout':
      c.hw.injectTimeout(f.count, f.opcode);
      return;
    case 'lost_interrupt':
      c.hw.injectLostInterrupt(f.count);
      return;
    case 'status':
      c.hw.injectStatus(f.status, f.count, f.opcode);
      return;
    case 'controller_fatal':
      c.hw.injectFatal();
      return;
    case 'controller_reset':
      void c.host.resetCtrl();
      return;
    case 'dma_fault':
      c.link.dma.port.inject(
        f.write === undefined
          ? { count: f.count, tornBytes: f.tornBytes }
          : { write: f.write, count: f.count, tornBytes: f.tornBytes },
      );
      return;
    case 'power_loss':
      c.hw.injectPowerLoss();
      return;
    case 'duplicate_cqe':
      c.hw.injectDuplicateCqe(f.count);
      return;
    case 'surprise_removal':
      c.link.surpriseRemove();
      return;
    case 'needs_reset':
      throw new Errno(EINVAL, 'nvme: fault needs_reset is a virtio fault');
  }
}

/** The `nvme` plugin's bindings: its device list, the shared DMA engine, its capabilities. */
export const nvmeModule = new ContainerModule((options) => {
  // services
  options.bind(NvmeDevices).toConstantValue(new NvmeDevicesImpl());
  bindDmaEngine(options);
  // capabilities
  options.bind(capabilityId('blockdev:nvme')).toConstantValue('blockdev:nvme');
  options.bind(capabilityId('blockdev')).toConstantValue('blockdev:nvme');
});

function checkConstraints(p: NvmeParams): readonly NvmeNamespaceSpec[] {
  const ns: readonly NvmeNamespaceSpec[] =
    p.namespaces.length > 0
      ? p.namespaces
      : [{ nsid: 1, lbaSize: p.lba_size, capacity: p.capacity, media: p.media, path: p.media_path }];
  const ids = new Set<number>();
  for (const n of ns) {
    if (ids.has(n.nsid)) throw new Errno(EINVAL, `nvme: nvme_check_constraints: namespace id ${n.nsid} is used twice`);
    ids.add(n.nsid);
    if (n.capacity % n.lbaSize !== 0 || n.capacity === 0) {
      throw new Errno(
        EINVAL,
        `nvme: namespace ${n.nsid}: capacity ${n.capacity} is not a positive multiple of ${n.lbaSize}`,
      );
    }
  }
  if (p.media === 'file' && p.namespaces.length === 0 && p.media_path === '')
    throw new Errno(EINVAL, 'nvme: media=file needs media_path');
  return ns;
}

/**
 * The `nvme` plugin: requires `mm` and `block`, provides `blockdev:nvme`, contributes `blockdev`. At start it
 * realizes the controller model (namespaces with sparse or host-file media, SSD timing), probes it with the
 * nvme-pci driver in virtual time and registers `nvme0n1`…; at stop it removes the driver (controller shutdown).
 */
export const nvmePlugin = definePlugin({
  name: 'nvme',
  version: '0.1.0',
  description: 'NVMe SSD: controller model + nvme-pci driver; disks nvme0n1…',
  requires: ['mm', 'block'],
  provides: ['blockdev:nvme'],
  contributes: ['blockdev'],
  params: nvmeParamSpec,
  tracepoints: [...nvmeTracepoints, iommuIoPageFault],
  module: nvmeModule,
  init(ctx) {
    checkConstraints(ctx.params);
    timingFromParams(ctx.params);
  },
  async start(ctx) {
    const p = ctx.params;
    const c = ctx.container;
    const sched = c.get<Scheduler>(Scheduler);
    const blk = c.get<BlockLayer>(BlockLayer);
    const engine = c.get<DmaEngine>(DmaEngine);
    const trace = c.get<EventBus>(TraceBus);
    const log: Logger = ctx.log;
    const instance = 0;
    const name = `nvme${instance}`;
    const dev = engine.createDevice(name, { iommu: p['dma.iommu'], bounce: p['dma.swiotlb'], debug: p['dma.debug'] });
    const link = new PciLink(name, dev);
    let base = 0;
    const namespaces = checkConstraints(p).map((s) => {
      const n = new NvmeNamespace({ nsid: s.nsid, lbaSize: s.lbaSize, capacity: s.capacity }, mediaFor(s, p.vwc), base);
      base += s.capacity;
      return n;
    });
    const hw = new NvmeCtrl(
      name,
      link,
      sched,
      namespaces,
      {
        serial: p.serial,
        model: p.model,
        firmware: p.firmware,
        maxIoQueues: p.max_queues,
        mqes: p.mqes,
        dstrd: p.dstrd,
        mdts: p.mdts,
        msixVectors: p.msix_vectors,
        vwc: p.vwc,
        sgls: p.sgls,
        acl: 3,
        aerl: 3,
        honourAbort: p.honour_abort,
        timing: timingFromParams(p),
      },
      log,
    );
    const host = new NvmeDev(
      link,
      blk,
      engine.mem,
      trace,
      {
        ioQueueDepth: p.queue_depth,
        ioTimeoutNs: p.io_timeout_ms * 1e6,
        adminTimeoutNs: p.admin_timeout_ms * 1e6,
        maxRetries: p.max_retries,
        sglThreshold: p.sgl_threshold,
        ...(p.queues > 0 ? { nrIoQueues: p.queues } : {}),
        instance,
      },
      log,
    );
    const r = await settle(sched, host.probe(), `nvme: probe of ${name}`);
    if (r < 0) throw new Errno(-r, `nvme: probe of ${name} failed`);
    const ctrl: NvmeController = {
      name,
      link,
      hw,
      host,
      inject(f) {
        if (f.atNs > sched.now()) {
          sched.scheduleAt(
            f.atNs,
            () => {
              applyFault(ctrl, f);
            },
            undefined,
          );
        } else applyFault(ctrl, f);
      },
    };
    c.get<NvmeDevicesImpl>(NvmeDevices).controllers.push(ctrl);
    for (const f of p.faults) ctrl.inject(f);
  },
  async stop(ctx) {
    const c = ctx.container;
    const sched = c.get<Scheduler>(Scheduler);
    const devs = c.get<NvmeDevicesImpl>(NvmeDevices);
    for (const ctrl of devs.controllers) {
      await settle(sched, ctrl.host.remove(), `nvme: removal of ${ctrl.name}`);
      ctrl.hw.unrealize();
      for (const ns of ctrl.hw.namespaceList()) ns.media.close();
    }
    devs.controllers.length = 0;
  },
});
