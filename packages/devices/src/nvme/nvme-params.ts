/**
 * The `nvme` plugin's parameters.
 * @packageDocumentation
 */
import { param, type ParamProblem, type ParamValues } from '@stackemu/core';
import { faultsParam } from '../fault/fault-spec.js';
import { timingParamSpec } from '../timing/timing-params.js';
import {
  NVME_SC_ABORT_REQ,
  NVME_SC_CAP_EXCEEDED,
  NVME_SC_DATA_XFER_ERROR,
  NVME_SC_INTERNAL,
  NVME_SC_INVALID_FIELD,
  NVME_SC_LBA_RANGE,
  NVME_SC_NS_NOT_READY,
  NVME_SC_READ_ERROR,
  NVME_SC_WRITE_FAULT,
} from './nvme.js';

/** One namespace of the `namespaces` parameter. */
export interface NvmeNamespaceSpec {
  /** 1-based id. */
  readonly nsid: number;
  /** 512 or 4096. */
  readonly lbaSize: 512 | 4096;
  /** Bytes. */
  readonly capacity: number;
  /** `sparse` (memory, allocated on write) or `file`. */
  readonly media: 'sparse' | 'file';
  /** Host file path for `file`. */
  readonly path: string;
}

function parseNamespaces(raw: unknown): readonly NvmeNamespaceSpec[] | ParamProblem {
  if (!Array.isArray(raw)) return param.problem(`expects a list of namespaces, got ${JSON.stringify(raw)}`);
  const out: NvmeNamespaceSpec[] = [];
  for (let i = 0; i < raw.length; i++) {
    const o = raw[i] as Readonly<Record<string, unknown>> | null;
    if (typeof o !== 'object' || o === null) return param.problem(`namespace ${i}: expects an object`);
    const lba = o['lba_size'] ?? 512;
    if (lba !== 512 && lba !== 4096 && lba !== '512' && lba !== '4096')
      return param.problem(`namespace ${i}: lba_size must be 512 or 4096`);
    const cap = param.size(0, '').parse(o['capacity'] ?? '64g');
    if (typeof cap !== 'number') return cap;
    const nsid = o['nsid'] ?? i + 1;
    if (typeof nsid !== 'number' || !Number.isInteger(nsid) || nsid < 1)
      return param.problem(`namespace ${i}: nsid must be an integer >= 1`);
    const media = o['media'] ?? 'sparse';
    if (media !== 'sparse' && media !== 'file') return param.problem(`namespace ${i}: media must be sparse or file`);
    const path = o['path'] ?? '';
    if (typeof path !== 'string' || (media === 'file' && path === ''))
      return param.problem(`namespace ${i}: media file needs a path`);
    out.push({ nsid, lbaSize: Number(lba) as 512 | 4096, capacity: cap, media, path });
  }
  return out;
}

/** Status names a `status` fault may use. */
export const NVME_STATUS_BY_NAME: Readonly<Record<string, number>> = Object.freeze({
  NVME_SC_INVALID_FIELD,
  NVME_SC_DATA_XFER_ERROR,
  NVME_SC_INTERNAL,
  NVME_SC_ABORT_REQ,
  NVME_SC_LBA_RANGE,
  NVME_SC_CAP_EXCEEDED,
  NVME_SC_NS_NOT_READY,
  NVME_SC_WRITE_FAULT,
  NVME_SC_READ_ERROR,
});

/**
 * The `nvme` plugin's parameter table. Defaults describe a datacenter NVMe SSD: 64 GiB namespace of 512-byte
 * LBAs, 1024-entry queues (CAP.MQES 1023), MDTS 7 (512 KiB), SGL support, no volatile write cache (power-loss
 * protected), and the SSD timing defaults (59.4 µs 4 KiB random read at QD 1, ≈ 580 K IOPS at saturation).
 */
export const nvmeParamSpec = {
  /** STACKEMU0001. */
  serial: param.string('STACKEMU0001', 'Identify SN'),
  /** Stackemu NVMe SSD. */
  model: param.string('stackemu NVMe SSD', 'Identify MN'),
  /** Identify FR. */
  firmware: param.string('1.0', 'Identify FR'),
  /** I/O queue pairs the controller grants (Set Features Number of Queues). */
  queues: param.int(0, 'I/O queues the driver asks for (0: one per CPU, as nvme-pci)', 0, 65535),
  /** I/O queue pairs the controller grants (Set Features Number of Queues). */
  max_queues: param.int(64, 'I/O queue pairs the controller grants (Set Features Number of Queues)', 1, 65535),
  /** CAP.MQES, 0-based maximum queue entries. */
  queue_depth: param.int(1024, 'nvme-pci io_queue_depth', 2, 4095),
  /** CAP.DSTRD: doorbell stride 4 << dstrd bytes. */
  mqes: param.int(1023, 'CAP.MQES, 0-based maximum queue entries', 1, 65535),
  /** Identify MDTS: maximum transfer 4 KiB << mdts (0 = unlimited). */
  dstrd: param.int(0, 'CAP.DSTRD: doorbell stride 4 << dstrd bytes', 0, 15),
  /** Identify MDTS: maximum transfer 4 KiB << mdts (0 = unlimited). */
  mdts: param.int(7, 'Identify MDTS: maximum transfer 4 KiB << mdts (0 = unlimited)', 0, 20),
  /** Capacity of namespace 1 when `namespaces` is empty. */
  msix_vectors: param.int(65, 'MSI-X vectors', 1, 2048),
  /** Capacity of namespace 1 when `namespaces` is empty. */
  capacity: param.size(64 * 2 ** 30, 'capacity of namespace 1 when `namespaces` is empty', 512),
  /** LBA size of namespace 1 when `namespaces` is empty (512 or 4096). */
  lba_size: param.custom<512 | 4096>('512|4096', 512, 'LBA size of namespace 1 when `namespaces` is empty', (r) =>
    r === 512 || r === '512'
      ? 512
      : r === 4096 || r === '4096'
        ? 4096
        : param.problem(`lba_size must be 512 or 4096, got ${JSON.stringify(r)}`),
  ),
  /** Media backend of namespace 1 when `namespaces` is empty. */
  media: param.enum(['sparse', 'file'] as const, 'sparse', 'media backend of namespace 1 when `namespaces` is empty'),
  /** Host file for media=file. */
  media_path: param.string('', 'host file for media=file'),
  /** Namespaces: [{ nsid, lba_size, capacity, media, path }]. */
  namespaces: param.custom<readonly NvmeNamespaceSpec[]>(
    'namespace[]',
    [],
    'namespaces: [{ nsid, lba_size: 512|4096, capacity, media: sparse|file, path }]; empty = one from capacity/lba_size/media',
    parseNamespaces,
  ),
  /** Volatile write cache present (writes lost at power loss until flushed). */
  vwc: param.bool(false, 'volatile write cache present (writes lost at power loss until flushed)'),
  /** Abort really aborts (newer QEMU); false: answers "not aborted". */
  sgls: param.bool(true, 'SGLs supported on I/O queues'),
  /** Abort really aborts (newer QEMU); false: answers "not aborted". */
  honour_abort: param.bool(true, 'Abort really aborts (newer QEMU); false: answers "not aborted"'),
  /** Nvme_core.admin_timeout (ms). */
  io_timeout_ms: param.int(30_000, 'nvme_core.io_timeout (ms)', 1),
  /** Nvme_core.admin_timeout (ms). */
  admin_timeout_ms: param.int(60_000, 'nvme_core.admin_timeout (ms)', 1),
  /** Nvme-pci sgl_threshold (0 disables SGLs). */
  max_retries: param.int(5, 'nvme_core.max_retries', 0, 255),
  /** Nvme-pci sgl_threshold (0 disables SGLs). */
  sgl_threshold: param.size(32 * 1024, 'nvme-pci sgl_threshold (0 disables SGLs)'),
  /** IOMMU translation for the controller. */
  'dma.iommu': param.enum(['off', 'strict', 'lazy'] as const, 'off', 'IOMMU translation for the controller'),
  /** Bounce every streaming DMA mapping through swiotlb (swiotlb=force). */
  'dma.swiotlb': param.bool(false, 'bounce every streaming DMA mapping through swiotlb (swiotlb=force)'),
  /** CONFIG_DMA_API_DEBUG checks of the driver. */
  'dma.debug': param.bool(false, 'CONFIG_DMA_API_DEBUG checks of the driver'),
  /** Faults to inject (see DeviceFaultSpec). */
  faults: faultsParam(
    [
      'media_error',
      'write_fault',
      'timeout',
      'lost_interrupt',
      'status',
      'controller_fatal',
      'controller_reset',
      'dma_fault',
      'power_loss',
      'duplicate_cqe',
      'surprise_removal',
    ],
    NVME_STATUS_BY_NAME,
  ),
  ...timingParamSpec(),
};

/** Parsed `nvme` parameters. */
export type NvmeParams = ParamValues<typeof nvmeParamSpec>;
