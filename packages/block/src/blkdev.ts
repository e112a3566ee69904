/**
 * Block devices, disks and queues (include/linux/blkdev.h): `struct queue_limits`, `struct request_queue`,
 * `struct gendisk`, `struct block_device`, and their inline accessors.
 * @packageDocumentation
 */
import type { BlockLayer } from './block-layer.js';
import type { TimerHandle } from '@stackemu/core';
import type { BlkMqHwCtx, BlkMqOps, BlkMqTagSet, Request } from './blk-mq-types.js';
import { SECTOR_SHIFT } from './blk-types.js';

/** Models `BLK_MAX_SEGMENTS` (enum blk_default_limits): default `max_segments`. */
export const BLK_MAX_SEGMENTS = 128;
/** Models `BLK_SAFE_MAX_SECTORS` (enum blk_default_limits): default `max_hw_sectors`. */
export const BLK_SAFE_MAX_SECTORS = 255;
/** Models `BLK_MIN_SEGMENT_SIZE` (enum blk_default_limits). */
export const BLK_MIN_SEGMENT_SIZE = 4096;
/** Models `BLK_MAX_SEGMENT_SIZE` (enum blk_default_limits): default `max_segment_size`. */
export const BLK_MAX_SEGMENT_SIZE = 65536;
/** Models `BLK_SEG_BOUNDARY_MASK` (enum blk_default_limits): default `seg_boundary_mask`. */
export const BLK_SEG_BOUNDARY_MASK = 0xffffffff;
/**
 * Models `BLK_DEF_MAX_SECTORS_CAP` (include/linux/blkdev.h): cap of the default `max_sectors`,
 * 4 MiB since commit 9b8b84879d4a ("block: Increase BLK_DEF_MAX_SECTORS_CAP", 6.17).
 */
export const BLK_DEF_MAX_SECTORS_CAP = 8192;
/** Models `BLK_MAX_BLOCK_SIZE` (include/linux/blkdev.h): the largest logical block size, 64 KiB. */
export const BLK_MAX_BLOCK_SIZE = 65536;

/** Models `BLK_FEAT_WRITE_CACHE` (include/linux/blkdev.h): the device has a volatile write cache. */
export const BLK_FEAT_WRITE_CACHE = 1 << 0;
/** Models `BLK_FEAT_FUA` (include/linux/blkdev.h): the device supports FUA writes. */
export const BLK_FEAT_FUA = 1 << 1;
/** Models `BLK_FEAT_ROTATIONAL` (include/linux/blkdev.h). */
export const BLK_FEAT_ROTATIONAL = 1 << 2;
/** Models `BLK_FEAT_IO_STAT` (include/linux/blkdev.h). */
export const BLK_FEAT_IO_STAT = 1 << 4;
/** Models `BLK_FEAT_NOWAIT` (include/linux/blkdev.h): `REQ_NOWAIT` is supported. */
export const BLK_FEAT_NOWAIT = 1 << 7;
/** Models `BLK_FEAT_POLL` (include/linux/blkdev.h): polled I/O is supported. */
export const BLK_FEAT_POLL = 1 << 9;
/** Models `BLK_FEAT_PCI_P2PDMA` (include/linux/blkdev.h). */
export const BLK_FEAT_PCI_P2PDMA = 1 << 12;

/**
 * Models `struct queue_limits` (include/linux/blkdev.h): what a device can take in one request.
 * @remarks Pass a partial object to `blkMqAllocDisk`; `blkValidateLimits` fills the kernel's defaults.
 */
export interface QueueLimits {
  /** `features`: `BLK_FEAT_*`. */
  features: number;
  /** `logical_block_size`: the smallest addressable unit (512 … 64 KiB, a power of two). */
  logicalBlockSize: number;
  /** `physical_block_size`. */
  physicalBlockSize: number;
  /** `io_min`. */
  ioMin: number;
  /** `io_opt`. */
  ioOpt: number;
  /** `max_hw_sectors`: the device's limit per request, in 512-byte sectors. */
  maxHwSectors: number;
  /** `max_dev_sectors`. */
  maxDevSectors: number;
  /** `max_user_sectors` (sysfs `max_sectors_kb`). */
  maxUserSectors: number;
  /** `max_sectors`: the effective limit per request (computed). */
  maxSectors: number;
  /** `max_segments`: scatter/gather entries per request. */
  maxSegments: number;
  /** `max_segment_size`: bytes per scatter/gather entry. */
  maxSegmentSize: number;
  /** `max_fast_segment_size` (computed): single-bvec bios below this skip the split check. */
  maxFastSegmentSize: number;
  /** `seg_boundary_mask`: a segment may not cross an address with these bits changing. */
  segBoundaryMask: number;
  /** `virt_boundary_mask`: segments must start and end on this (e.g. NVMe PRP: 4095). */
  virtBoundaryMask: number;
  /** `dma_alignment`: memory alignment mask of each segment (default 511). */
  dmaAlignment: number;
  /** `max_hw_discard_sectors`; 0 = no discard. */
  maxHwDiscardSectors: number;
  /** `max_discard_sectors` (computed). */
  maxDiscardSectors: number;
  /** `max_write_zeroes_sectors`; 0 = no write-zeroes. */
  maxWriteZeroesSectors: number;
  /** `chunk_sectors`: I/O must not cross multiples of this (0 = none). */
  chunkSectors: number;
}

/** Models `struct request_queue` (include/linux/blkdev.h), blk-mq only. */
export class RequestQueue {
  /** `mq_ops`. */
  readonly mqOps: BlkMqOps;
  /** `queue_hw_ctx`: one hardware context per hardware queue. */
  readonly queueHwCtx: BlkMqHwCtx[] = [];
  /** `nr_hw_queues`. */
  readonly nrHwQueues: number;
  /** `queuedata`: the driver's pointer. */
  queuedata: unknown = undefined;
  /** `disk`, once allocated. */
  disk: Gendisk | undefined = undefined;
  /** `blk_mq_quiesce_queue()` state: no dispatch while true. */
  quiesced = false;
  /** Requests handed back with `blk_mq_requeue_request()`, dispatched by `blk_mq_kick_requeue_list()`. */
  readonly requeueList: Request[] = [];
  /** @internal The timeout timer (`q->timeout`), armed while started requests exist. */
  timer: TimerHandle | undefined = undefined;

  /**
   * @param blk - the machine's block layer
   * @param tagSet - `tag_set`
   * @param limits - `limits`, validated
   */
  constructor(
    readonly blk: BlockLayer,
    readonly tagSet: BlkMqTagSet,
    public limits: QueueLimits,
  ) {
    this.mqOps = tagSet.ops;
    this.nrHwQueues = tagSet.nrHwQueues;
  }
}

/**
 * Models `struct block_device_operations` (include/linux/blkdev.h): optional per-disk operations.
 */
export interface BlockDeviceOperations {
  /** `open` (optional): called on open; returns 0 or -errno. */
  open?(disk: Gendisk, mode: number): number;
  /** `release` (optional). */
  release?(disk: Gendisk): void;
  /** `ioctl` (optional): returns the result or -errno (`-ENOTTY` if absent). */
  ioctl?(bdev: BlockDevice, mode: number, cmd: number, arg: unknown): number | Promise<number>;
}

/** Models `STAT_READ` (enum stat_group, include/linux/blk_types.h). */
export const STAT_READ = 0;
/** Models `STAT_WRITE` (enum stat_group). */
export const STAT_WRITE = 1;
/** Models `STAT_DISCARD` (enum stat_group). */
export const STAT_DISCARD = 2;
/** Models `STAT_FLUSH` (enum stat_group). */
export const STAT_FLUSH = 3;

/**
 * Models `struct disk_stats` (include/linux/part_stat.h): what `/proc/diskstats` prints, per
 * `STAT_*` group.
 */
export interface DiskStats {
  /** Requests completed. */
  readonly ios: number[];
  /** Bios merged into an existing request. */
  readonly merges: number[];
  /** Sectors transferred. */
  readonly sectors: number[];
  /** Time spent, ns (sum over requests of completion − start). */
  readonly nsecs: number[];
  /** Requests in flight, [read, write]. */
  readonly inFlight: number[];
  /** Time with at least one request in flight, ns (`io_ticks`). */
  ioTicksNs: number;
  /** When `inFlight` last went from 0 to 1 (internal to `ioTicksNs`). */
  busySinceNs: number;
}

/**
 * A zeroed {@link DiskStats}.
 * @returns fresh counters
 */
export function diskStatsZero(): DiskStats {
  return {
    ios: [0, 0, 0, 0],
    merges: [0, 0, 0, 0],
    sectors: [0, 0, 0, 0],
    nsecs: [0, 0, 0, 0],
    inFlight: [0, 0],
    ioTicksNs: 0,
    busySinceNs: 0,
  };
}

/** Models `struct gendisk` (include/linux/blkdev.h): one disk. */
export interface Gendisk {
  /** `disk_name` (`nvme0n1`, `vda`). */
  diskName: string;
  /** `major`. */
  major: number;
  /** `first_minor`. */
  firstMinor: number;
  /** `minors`. */
  minors: number;
  /** `fops` (optional operations). */
  fops: BlockDeviceOperations | undefined;
  /** `queue`. */
  readonly queue: RequestQueue;
  /** `private_data`: the driver's pointer. */
  privateData: unknown;
  /** `part0`: the whole-disk block device. */
  readonly part0: BlockDevice;
  /** True between `add_disk()` and `del_gendisk()`. */
  live: boolean;
  /** I/O statistics (`/proc/diskstats`). */
  readonly stats: DiskStats;
  /** The block layer of the machine. */
  readonly blk: BlockLayer;
}

/** Models `struct block_device` (include/linux/blk_types.h): a disk or a partition as I/O target. */
export interface BlockDevice {
  /** `bd_start_sect`: first sector (0 for a whole disk). */
  bdStartSect: number;
  /** `bd_nr_sectors`: size in sectors. */
  bdNrSectors: number;
  /** `bd_disk`. */
  readonly bdDisk: Gendisk;
  /** `bd_queue`. */
  readonly bdQueue: RequestQueue;
  /** `bd_dev`: `MKDEV(major, minor)`. */
  bdDev: number;
  /** Partition number, 0 for the whole disk. */
  bdPartno: number;
  /** `BD_READ_ONLY`. */
  bdReadOnly: boolean;
}

/**
 * Models `bdev_nr_sectors()` (include/linux/blkdev.h).
 * @param bdev - the device
 * @returns its size in 512-byte sectors
 */
export function bdevNrSectors(bdev: BlockDevice): number {
  return bdev.bdNrSectors;
}

/**
 * Models `bdev_nr_bytes()` (include/linux/blkdev.h).
 * @param bdev - the device
 * @returns its size in bytes
 */
export function bdevNrBytes(bdev: BlockDevice): number {
  return bdev.bdNrSectors * 512;
}

/**
 * Models `bdev_logical_block_size()` (include/linux/blkdev.h).
 * @param bdev - the device
 * @returns the queue's logical block size
 */
export function bdevLogicalBlockSize(bdev: BlockDevice): number {
  return bdev.bdQueue.limits.logicalBlockSize;
}

/**
 * Models `bdev_dma_alignment()` (include/linux/blkdev.h).
 * @param bdev - the device
 * @returns the queue's memory alignment mask
 */
export function bdevDmaAlignment(bdev: BlockDevice): number {
  return bdev.bdQueue.limits.dmaAlignment;
}

/**
 * Models `bdev_name()`-style naming: the disk name, plus `p<n>` for a partition when the disk name ends in
 * a digit (`nvme0n1p1`), else `<n>` (`sda1`).
 * @param bdev - the device
 * @returns its name
 */
export function bdevName(bdev: BlockDevice): string {
  const d = bdev.bdDisk.diskName;
  if (bdev.bdPartno === 0) return d;
  return /\d$/.test(d) ? `${d}p${bdev.bdPartno}` : `${d}${bdev.bdPartno}`;
}

/**
 * Models `get_capacity()` (include/linux/blkdev.h).
 * @param disk - the disk
 * @returns capacity in 512-byte sectors
 */
export function getCapacity(disk: Gendisk): number {
  return disk.part0.bdNrSectors;
}

/**
 * Models `set_capacity()` (block/genhd.c).
 * @param disk - the disk
 * @param sectors - capacity in 512-byte sectors
 */
export function setCapacity(disk: Gendisk, sectors: number): void {
  disk.part0.bdNrSectors = sectors;
}

/**
 * Models `queue_logical_block_size()` (include/linux/blkdev.h).
 * @param q - the queue
 * @returns logical block size in bytes
 */
export function queueLogicalBlockSize(q: RequestQueue): number {
  return q.limits.logicalBlockSize;
}

/**
 * Models `bdev_write_cache()` (include/linux/blkdev.h).
 * @param bdev - the device
 * @returns true if the device has a volatile write cache (flushes matter)
 */
export function bdevWriteCache(bdev: BlockDevice): boolean {
  return (bdev.bdQueue.limits.features & BLK_FEAT_WRITE_CACHE) !== 0;
}

/** Sectors → bytes. @internal */
export function sectorsToBytes(s: number): number {
  return s * (1 << SECTOR_SHIFT);
}
