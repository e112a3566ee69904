/**
 * The RAM disk (drivers/block/brd.c): pages allocated on first write, data copied by the CPU.
 * @packageDocumentation
 */
import {
  BLK_STS_IOERR,
  BLK_STS_OK,
  REQ_OP_DISCARD,
  REQ_OP_FLUSH,
  REQ_OP_MASK,
  REQ_OP_READ,
  REQ_OP_WRITE,
  REQ_OP_WRITE_ZEROES,
  blkMqAllocDisk,
  blkMqAllocTagSet,
  blkMqDestroyQueue,
  blkMqEndRequest,
  blkMqFreeTagSet,
  blkMqStartRequest,
  setCapacity,
  type BlkMqHwCtx,
  type BlkMqOps,
  type BlkMqQueueData,
  type BlkMqTagSet,
  type BlockLayer,
  type Gendisk,
  type Request,
} from '@stackemu/block';
import { EINVAL, Errno } from '@stackemu/core';
import type { PhysMemPort } from '../internal/mm-port.js';
import { RqCopier } from '../internal/rq-copy.js';
import { SparseMemBackend } from '../media/sparse-mem.js';

/**
 * Models `struct brd_device`: one RAM disk `ram<N>` whose pages (here 4 KiB media chunks) are allocated on first
 * write; reads of unwritten sectors return zeros; every request completes synchronously in its submitter's context.
 * @remarks Upstream brd is bio-based (`brd_submit_bio`); the block model offers only blk-mq queues, so the
 * ramdisk completes each request inside `queue_rq` instead — same data, same timing (zero), one tag per request.
 */
export class Brd {
  /** The disk. */
  disk: Gendisk | undefined;
  /** Its tag set. */
  tagSet: BlkMqTagSet | undefined;
  /** Its pages. */
  readonly media: SparseMemBackend;
  private readonly copier: RqCopier;

  /**
   * @param index - N of `ram<N>`
   * @param sizeBytes - `rd_size` × 1024
   * @throws Errno EINVAL for a size that is not a positive multiple of 4 KiB.
   */
  constructor(
    /** The block layer. */
    readonly blk: BlockLayer,
    mem: PhysMemPort,
    readonly index: number,
    readonly sizeBytes: number,
  ) {
    if (!(sizeBytes > 0) || sizeBytes % 4096 !== 0)
      throw new Errno(EINVAL, `brd: rd_size ${sizeBytes / 1024} KiB is not a positive multiple of 4`);
    this.media = new SparseMemBackend(sizeBytes);
    this.copier = new RqCopier(mem, this.media);
  }

  /** Models `brd_alloc()`: the disk, `add_disk()`. */
  add(): number {
    const set: BlkMqTagSet = { ops: brdMqOps, nrHwQueues: 1, queueDepth: 128, flags: 0, driverData: this };
    const r = blkMqAllocTagSet(this.blk, set);
    if (r < 0) return r;
    this.tagSet = set;
    const disk = blkMqAllocDisk(set, { physicalBlockSize: 4096, maxHwDiscardSectors: 0xffffffff >>> 9 }, this);
    if (typeof disk === 'number') return disk;
    disk.diskName = `ram${this.index}`;
    setCapacity(disk, this.sizeBytes / 512);
    this.disk = disk;
    this.blk.registry.addDisk(disk);
    return 0;
  }

  /** Models `brd_submit_bio()` → `brd_rw_bvec()` per request. */
  queueRq(rq: Request): number {
    blkMqStartRequest(rq);
    let status = BLK_STS_OK;
    switch (rq.cmdFlags & REQ_OP_MASK) {
      case REQ_OP_READ:
        this.copier.copy(rq, false);
        break;
      case REQ_OP_WRITE:
        this.copier.copy(rq, true);
        break;
      case REQ_OP_DISCARD:
      case REQ_OP_WRITE_ZEROES:
        this.media.discard(rq.sector * 512, rq.dataLen);
        break;
      case REQ_OP_FLUSH:
        break;
      default:
        status = BLK_STS_IOERR;
    }
    blkMqEndRequest(rq, status);
    return BLK_STS_OK;
  }

  /** Models `brd_cleanup()` for this disk. */
  remove(): void {
    if (this.disk !== undefined) {
      if (this.disk.live) this.blk.registry.delGendisk(this.disk);
      blkMqDestroyQueue(this.disk.queue);
    }
    if (this.tagSet !== undefined) blkMqFreeTagSet(this.tagSet);
    this.media.close();
  }
}

/** The ramdisk's `queue_rq`: the request completes before it returns. */
export function brdQueueRq(hctx: BlkMqHwCtx, bd: BlkMqQueueData): number {
  return (hctx.queue.queuedata as Brd).queueRq(bd.rq);
}

/** `complete` is never reached (requests end in `queue_rq`); ends defensively. */
export function brdCompleteRq(rq: Request): void {
  blkMqEndRequest(rq, BLK_STS_OK);
}

/** The ramdisk's ops table. */
export const brdMqOps: BlkMqOps = Object.freeze({ queueRq: brdQueueRq, complete: brdCompleteRq });
