/**
 * null_blk (drivers/block/null_blk/main.c) in its default blk-mq mode: a disk that completes requests after a
 * configurable delay, moving no data unless memory-backed.
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
  blkMqCompleteRequest,
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

/** Models `NULL_IRQ_NONE`: complete inline in `queue_rq`. */
export const NULL_IRQ_NONE = 0;
/** Models `NULL_IRQ_SOFTIRQ`: complete through `blk_mq_complete_request()` right after submission. */
export const NULL_IRQ_SOFTIRQ = 1;
/** Models `NULL_IRQ_TIMER`: complete `completion_nsec` later (hrtimer). */
export const NULL_IRQ_TIMER = 2;

/** null_blk's module parameters (one device). */
export interface NullBlkParams {
  /** `gb`: size in GiB (or `sizeBytes` when set). */
  readonly sizeBytes: number;
  /** `bs`: block size. */
  readonly blockSize: number;
  /** `submit_queues`. */
  readonly submitQueues: number;
  /** `hw_queue_depth`. */
  readonly hwQueueDepth: number;
  /** `irqmode`: 0 none, 1 softirq, 2 timer. */
  readonly irqmode: number;
  /** `completion_nsec` for the timer mode. */
  readonly completionNsec: number;
  /** `memory_backed`: store data (else reads return whatever the buffer held). */
  readonly memoryBacked: boolean;
  /** Device index (nullb<index>). */
  readonly index: number;
}

/** Models `struct nullb_cmd`: the status a request completes with. */
export class NullCmd {
  /** `cmd->error`. */
  error = BLK_STS_OK;
}

/** Models `struct nullb` + `struct nullb_device`. */
export class NullBlk {
  /** The disk (`nullb0`). */
  disk: Gendisk | undefined;
  /** Its tag set. */
  tagSet: BlkMqTagSet | undefined;
  /** Memory backing (`memory_backed=1`). */
  readonly media: SparseMemBackend | undefined;
  private readonly copier: RqCopier | undefined;
  private readonly completeFn = (rq: Request): void => {
    blkMqCompleteRequest(rq);
  };

  /**
   * Models `null_add_dev()`'s checks.
   * @throws Errno EINVAL for a bad block size, irqmode or queue depth.
   */
  constructor(
    /** The block layer. */
    readonly blk: BlockLayer,
    /** CPU access to memory. */
    readonly mem: PhysMemPort,
    /** Its parameters. */
    readonly params: NullBlkParams,
  ) {
    const p = params;
    if (p.blockSize < 512 || p.blockSize > 4096 || (p.blockSize & (p.blockSize - 1)) !== 0) {
      throw new Errno(EINVAL, `null_blk: invalid block size ${p.blockSize}`);
    }
    if (p.irqmode < 0 || p.irqmode > 2) throw new Errno(EINVAL, `null_blk: invalid irqmode ${p.irqmode}`);
    if (p.sizeBytes % p.blockSize !== 0 || p.sizeBytes <= 0)
      throw new Errno(EINVAL, `null_blk: size ${p.sizeBytes} is not a multiple of bs`);
    this.media = p.memoryBacked ? new SparseMemBackend(p.sizeBytes) : undefined;
    this.copier = this.media === undefined ? undefined : new RqCopier(mem, this.media);
  }

  /** Models `null_add_dev()`: tag set, disk `nullb<index>`, `add_disk()`. */
  add(): number {
    const p = this.params;
    const set: BlkMqTagSet = {
      ops: nullMqOps,
      nrHwQueues: p.submitQueues,
      queueDepth: p.hwQueueDepth,
      flags: 0,
      driverData: this,
    };
    let r = blkMqAllocTagSet(this.blk, set);
    if (r < 0) return r;
    this.tagSet = set;
    const disk = blkMqAllocDisk(
      set,
      {
        logicalBlockSize: p.blockSize,
        physicalBlockSize: p.blockSize,
        maxHwSectors: 255,
        maxHwDiscardSectors: p.memoryBacked ? 0xffffffff >>> 9 : 0,
        maxWriteZeroesSectors: p.memoryBacked ? 0xffffffff >>> 9 : 0,
      },
      this,
    );
    if (typeof disk === 'number') return disk;
    disk.diskName = `nullb${p.index}`;
    setCapacity(disk, p.sizeBytes / 512);
    this.disk = disk;
    this.blk.registry.addDisk(disk);
    r = 0;
    return r;
  }

  /** Models `null_queue_rq()` → `null_handle_cmd()`. */
  queueRq(bd: BlkMqQueueData): number {
    const rq = bd.rq;
    blkMqStartRequest(rq);
    const op = rq.cmdFlags & REQ_OP_MASK;
    let status = BLK_STS_OK;
    if (this.copier !== undefined) {
      switch (op) {
        case REQ_OP_READ:
          this.copier.copy(rq, false);
          break;
        case REQ_OP_WRITE:
          this.copier.copy(rq, true);
          break;
        case REQ_OP_DISCARD:
        case REQ_OP_WRITE_ZEROES:
          this.media?.writeZeroes(rq.sector * 512, rq.dataLen);
          break;
        case REQ_OP_FLUSH:
          break;
        default:
          status = BLK_STS_IOERR;
      }
    }
    (rq.pdu as NullCmd).error = status;
    switch (this.params.irqmode) {
      case NULL_IRQ_NONE:
        blkMqEndRequest(rq, status);
        break;
      case NULL_IRQ_SOFTIRQ:
        this.blk.scheduler.schedule(0, this.completeFn, rq);
        break;
      default:
        this.blk.scheduler.schedule(this.params.completionNsec, this.completeFn, rq);
    }
    return BLK_STS_OK;
  }

  /** Models `null_del_dev()`. */
  remove(): void {
    if (this.disk !== undefined) {
      if (this.disk.live) this.blk.registry.delGendisk(this.disk);
      blkMqDestroyQueue(this.disk.queue);
    }
    if (this.tagSet !== undefined) blkMqFreeTagSet(this.tagSet);
    this.media?.close();
  }
}

/** Models `null_queue_rq()`. */
export function nullQueueRq(hctx: BlkMqHwCtx, bd: BlkMqQueueData): number {
  return (hctx.queue.queuedata as NullBlk).queueRq(bd);
}

/** Models `null_complete_rq()`. */
export function nullCompleteRq(rq: Request): void {
  blkMqEndRequest(rq, (rq.pdu as NullCmd).error);
}

/** Models `null_init_request()`: the per-request `struct nullb_cmd`. */
export function nullInitRequest(_set: BlkMqTagSet, rq: Request): number {
  rq.pdu = new NullCmd();
  return 0;
}

/** Models `null_mq_ops` (drivers/block/null_blk/main.c). */
export const nullMqOps: BlkMqOps = Object.freeze({
  queueRq: nullQueueRq,
  complete: nullCompleteRq,
  initRequest: nullInitRequest,
});
