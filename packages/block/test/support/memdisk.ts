/**
 * A tiny memory-backed blk-mq driver for block's own tests (not exported): completes requests after a
 * virtual-time latency, moving real bytes between its store and physical memory, with fault injection.
 */
import { ContainerModule } from 'inversify';
import { capabilityId, definePlugin, Errno, type Plugin } from '@stackemu/core';
import { Sanitizer, PhysMem, PAGE_SIZE } from '@stackemu/mm';
import {
  BLK_STS_DEV_RESOURCE,
  BLK_STS_IOERR,
  BLK_STS_OK,
  BlockLayer,
  REQ_OP_DISCARD,
  REQ_OP_DRV_IN,
  REQ_OP_DRV_OUT,
  REQ_OP_FLUSH,
  REQ_OP_READ,
  REQ_OP_WRITE,
  REQ_OP_WRITE_ZEROES,
  blkMqAllocDisk,
  blkMqAllocTagSet,
  blkMqCompleteRequest,
  blkMqEndRequest,
  blkMqStartRequest,
  blkUpdateRequest,
  reqOp,
  rqForEachSegment,
  setCapacity,
  type BlkMqHwCtx,
  type BlkMqOps,
  type BlkMqQueueData,
  type BlkMqTagSet,
  type Gendisk,
  type QueueLimits,
  type Request,
} from '@stackemu/block';

/** Options of a memdisk. */
export interface MemdiskOptions {
  readonly name?: string;
  readonly sizeBytes?: number;
  readonly nrHwQueues?: number;
  readonly queueDepth?: number;
  readonly latencyNs?: number;
  readonly limits?: Partial<QueueLimits>;
  /** Requests in flight beyond which `queue_rq` answers BLK_STS_DEV_RESOURCE. */
  readonly maxInflight?: number;
  /** Use `commit_rqs` (doorbell per batch). */
  readonly batched?: boolean;
  /** Never complete requests; the `timeout` op then fails them with BLK_STS_IOERR. */
  readonly hang?: boolean;
  /** CPUs' current setting is the block layer's; tag set flags. */
  readonly timeoutNs?: number;
}

interface Pdu {
  status: number;
  good: number;
}

/** Service id of the test machine's {@link Memdisk}. */
export const MemdiskId = Symbol('test.Memdisk');

/** The driver and device in one (a test double: no bus). */
export class Memdisk implements BlkMqOps {
  readonly store: Uint8Array;
  readonly faults: { sector: number; once: boolean }[] = [];
  inflight = 0;
  maxSeenInflight = 0;
  readonly seen: { op: number; sector: number; bytes: number; tag: number; last: boolean }[] = [];
  doorbells = 0;
  readonly timedOut: number[] = [];
  timeout?: (rq: Request) => number;
  disk!: Gendisk;
  set!: BlkMqTagSet;
  private blk!: BlockLayer;
  private sanitizer: Sanitizer | undefined;
  private physMem!: PhysMem;
  private readonly buf = new Uint8Array(PAGE_SIZE);

  constructor(readonly opts: MemdiskOptions) {
    this.store = new Uint8Array(opts.sizeBytes ?? 8 << 20);
    if (opts.hang === true) {
      this.timeout = (rq: Request): number => {
        this.timedOut.push(rq.tag);
        this.inflight--;
        (rq.pdu as Pdu).status = BLK_STS_IOERR;
        (rq.pdu as Pdu).good = 0;
        blkMqCompleteRequest(rq);
        return 0;
      };
    }
  }

  start(blk: BlockLayer, physMem: PhysMem, sanitizer: Sanitizer | undefined): void {
    this.blk = blk;
    this.physMem = physMem;
    this.sanitizer = sanitizer;
    const set: BlkMqTagSet = {
      ops: this,
      nrHwQueues: this.opts.nrHwQueues ?? 1,
      queueDepth: this.opts.queueDepth ?? 64,
      flags: 0,
      ...(this.opts.timeoutNs !== undefined ? { timeout: this.opts.timeoutNs } : {}),
    };
    const r = blkMqAllocTagSet(blk, set);
    if (r < 0) throw new Errno(-r, 'memdisk: blk_mq_alloc_tag_set');
    this.set = set;
    const disk = blkMqAllocDisk(set, this.opts.limits, this);
    if (typeof disk === 'number') throw new Errno(-disk, 'memdisk: blk_mq_alloc_disk');
    disk.diskName = this.opts.name ?? 'memdisk0';
    setCapacity(disk, this.store.length / 512);
    blk.registry.addDisk(disk);
    this.disk = disk;
  }

  initRequest(_set: BlkMqTagSet, rq: Request): number {
    rq.pdu = { status: 0, good: 0 } satisfies Pdu;
    return 0;
  }

  queueRq(_hctx: BlkMqHwCtx, bd: BlkMqQueueData): number {
    const rq = bd.rq;
    if (this.opts.maxInflight !== undefined && this.inflight >= this.opts.maxInflight) return BLK_STS_DEV_RESOURCE;
    blkMqStartRequest(rq);
    this.seen.push({ op: reqOp(rq), sector: rq.sector, bytes: rq.dataLen, tag: rq.tag, last: bd.last });
    this.inflight++;
    if (this.inflight > this.maxSeenInflight) this.maxSeenInflight = this.inflight;
    if (bd.last || this.opts.batched !== true) this.doorbells++;
    if (this.opts.hang === true) return BLK_STS_OK;
    this.blk.scheduler.schedule(
      this.opts.latencyNs ?? 10_000,
      (r: Request) => {
        this.irq(r);
      },
      rq,
    );
    return BLK_STS_OK;
  }

  commitRqs(): void {
    this.doorbells++;
  }

  /** The device finished: move the data, then raise the completion. */
  private irq(rq: Request): void {
    const pdu = rq.pdu as Pdu;
    pdu.status = BLK_STS_OK;
    pdu.good = rq.dataLen;
    const op = reqOp(rq);
    const start = rq.sector * 512;
    let limit = rq.dataLen;
    const fi = this.faults.findIndex((f) => f.sector >= rq.sector && f.sector < rq.sector + rq.dataLen / 512);
    if (fi >= 0) {
      const f = this.faults[fi] as { sector: number; once: boolean };
      limit = (f.sector - rq.sector) * 512;
      pdu.good = limit;
      pdu.status = BLK_STS_IOERR;
      if (f.once) this.faults.splice(fi, 1);
    }
    if (op === REQ_OP_READ || op === REQ_OP_WRITE || op === REQ_OP_DRV_IN || op === REQ_OP_DRV_OUT) {
      const toMem = op === REQ_OP_READ || op === REQ_OP_DRV_IN;
      let off = start;
      let done = 0;
      rqForEachSegment(rq, (page, o, len) => {
        if (done >= limit) return;
        const n = Math.min(len, limit - done);
        this.sanitizer?.checkDma(page, toMem, 'memdisk');
        const pa = page * PAGE_SIZE + o;
        if (toMem) this.physMem.write(pa, this.store, off, n);
        else {
          this.physMem.read(pa, this.buf, 0, n);
          this.store.set(this.buf.subarray(0, n), off);
        }
        off += n;
        done += n;
      });
    } else if (op === REQ_OP_DISCARD || op === REQ_OP_WRITE_ZEROES) {
      this.store.fill(0, start, start + rq.dataLen);
    } else if (op !== REQ_OP_FLUSH) {
      pdu.status = BLK_STS_IOERR;
    }
    this.inflight--;
    blkMqCompleteRequest(rq);
  }

  complete(rq: Request): void {
    const pdu = rq.pdu as Pdu;
    if (pdu.status !== BLK_STS_OK && pdu.good > 0) blkUpdateRequest(rq, BLK_STS_OK, pdu.good);
    blkMqEndRequest(rq, pdu.status);
  }
}

/**
 * The memdisk plugin (contributes `blockdev`).
 * @param opts - disk options
 */
export function memdiskPlugin(opts: MemdiskOptions = {}): Plugin {
  return definePlugin({
    name: 'memdisk',
    version: '0.0.0',
    requires: ['mm', 'block'],
    provides: [],
    contributes: ['blockdev'],
    module: new ContainerModule(({ bind }) => {
      bind(MemdiskId).toConstantValue(new Memdisk(opts));
      bind(capabilityId('blockdev')).toConstantValue('memdisk');
    }),
    start(ctx) {
      const md = ctx.container.get<Memdisk>(MemdiskId);
      md.start(
        ctx.container.get<BlockLayer>(BlockLayer),
        ctx.container.get<PhysMem>(PhysMem),
        ctx.container.get<Sanitizer>(Sanitizer, { optional: true }),
      );
    },
  });
}
