/**
 * Test-only blk-mq RAM disk for the vfs's tests (block's `testing` entry has none): a driver and its
 * "device" in one, completing each request after a fixed virtual-time latency and moving real bytes
 * between its store and physical memory (checked by the pin sanitizer, as a DMA engine is).
 */
import { ContainerModule } from 'inversify';
import { capabilityId, definePlugin, EINVAL, Errno, type Plugin } from '@stackemu/core';
import { PAGE_SIZE, PhysMem, Sanitizer } from '@stackemu/mm';
import {
  BLK_STS_IOERR,
  BLK_STS_OK,
  BlockLayer,
  REQ_OP_DISCARD,
  REQ_OP_FLUSH,
  REQ_OP_READ,
  REQ_OP_WRITE,
  REQ_OP_WRITE_ZEROES,
  blkMqAllocDisk,
  blkMqAllocTagSet,
  blkMqCompleteRequest,
  blkMqEndRequest,
  blkMqStartRequest,
  reqOp,
  rqForEachSegment,
  setCapacity,
  type BlkMqHwCtx,
  type BlkMqOps,
  type BlkMqQueueData,
  type Gendisk,
  type Request,
} from '@stackemu/block';

/** One RAM disk. */
export interface RamdiskSpec {
  /** `disk_name` (default `ram0`, `ram1`, …). */
  readonly name?: string;
  /** Capacity in bytes (default 8 MiB). */
  readonly sizeBytes?: number;
  /** Logical block size (default 512). */
  readonly logicalBlockSize?: number;
  /** `dma_alignment` mask (default 511). */
  readonly dmaAlignment?: number;
  /** Virtual ns per request (default 10 µs). */
  readonly latencyNs?: number;
}

/** A RAM disk: its store and what it saw. */
export class Ramdisk implements BlkMqOps {
  readonly store: Uint8Array;
  /** Requests completed, by `REQ_OP_*`. */
  readonly ops = new Map<number, number>();
  disk!: Gendisk;
  private readonly buf = new Uint8Array(PAGE_SIZE);
  private readonly latencyNs: number;

  constructor(
    readonly spec: RamdiskSpec,
    private readonly blk: BlockLayer,
    private readonly physMem: PhysMem,
    private readonly sanitizer: Sanitizer | undefined,
  ) {
    this.store = new Uint8Array(spec.sizeBytes ?? 8 << 20);
    this.latencyNs = spec.latencyNs ?? 10_000;
  }

  /** Allocates the tag set and disk and adds it (`add_disk`). */
  add(index: number): void {
    const set = { ops: this, nrHwQueues: 1, queueDepth: 32, flags: 0 };
    const r = blkMqAllocTagSet(this.blk, set);
    if (r < 0) throw new Errno(-r, 'ramdisk: blk_mq_alloc_tag_set');
    const lbs = this.spec.logicalBlockSize ?? 512;
    const disk = blkMqAllocDisk(
      set,
      { logicalBlockSize: lbs, physicalBlockSize: lbs, dmaAlignment: this.spec.dmaAlignment ?? 511 },
      this,
    );
    if (typeof disk === 'number') throw new Errno(-disk, 'ramdisk: blk_mq_alloc_disk');
    disk.diskName = this.spec.name ?? `ram${index}`;
    if (this.store.length % lbs !== 0) throw new Errno(EINVAL, 'ramdisk: size is not a multiple of the block size');
    setCapacity(disk, this.store.length / 512);
    this.blk.registry.addDisk(disk);
    this.disk = disk;
  }

  queueRq(_hctx: BlkMqHwCtx, bd: BlkMqQueueData): number {
    blkMqStartRequest(bd.rq);
    this.blk.scheduler.schedule(
      this.latencyNs,
      (rq: Request) => {
        this.irq(rq);
      },
      bd.rq,
    );
    return BLK_STS_OK;
  }

  private irq(rq: Request): void {
    const op = reqOp(rq);
    this.ops.set(op, (this.ops.get(op) ?? 0) + 1);
    let status = BLK_STS_OK;
    let off = rq.sector * 512;
    if (op === REQ_OP_READ || op === REQ_OP_WRITE) {
      const toMem = op === REQ_OP_READ;
      rqForEachSegment(rq, (page, o, len) => {
        this.sanitizer?.checkDma(page, toMem, 'ramdisk');
        const pa = page * PAGE_SIZE + o;
        if (toMem) this.physMem.write(pa, this.store, off, len);
        else {
          this.physMem.read(pa, this.buf, 0, len);
          this.store.set(this.buf.subarray(0, len), off);
        }
        off += len;
      });
    } else if (op === REQ_OP_DISCARD || op === REQ_OP_WRITE_ZEROES) {
      this.store.fill(0, off, off + rq.dataLen);
    } else if (op !== REQ_OP_FLUSH) {
      status = BLK_STS_IOERR;
    }
    rq.pdu = status;
    blkMqCompleteRequest(rq);
  }

  complete(rq: Request): void {
    blkMqEndRequest(rq, rq.pdu as number);
  }
}

/** Service id of the test machine's RAM disks. */
export const RamdisksId = Symbol('test.Ramdisks');

/**
 * The `ramdisk` test plugin (contributes `blockdev`): RAM disks registered with block in `start`.
 * @param specs - the disks
 */
export function ramdiskPlugin(specs: readonly RamdiskSpec[] = [{}]): Plugin {
  return definePlugin({
    name: 'ramdisk',
    version: '0.0.0',
    requires: ['mm', 'block'],
    provides: [],
    contributes: ['blockdev'],
    module: new ContainerModule(({ bind }) => {
      bind(RamdisksId)
        .toDynamicValue((ctx) => {
          const blk = ctx.get<BlockLayer>(BlockLayer);
          const pm = ctx.get<PhysMem>(PhysMem);
          const san = ctx.get<Sanitizer>(Sanitizer, { optional: true });
          return specs.map((s) => new Ramdisk(s, blk, pm, san));
        })
        .inSingletonScope();
      bind(capabilityId('blockdev')).toConstantValue('ramdisk');
    }),
    start(ctx) {
      ctx.container.get<Ramdisk[]>(RamdisksId).forEach((d, i) => {
        d.add(i);
      });
    },
  });
}
