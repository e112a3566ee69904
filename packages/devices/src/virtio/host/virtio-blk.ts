/**
 * The virtio-blk driver (drivers/block/virtio_blk.c): a blk-mq driver over virtqueues.
 * @packageDocumentation
 */
import {
  BLK_FEAT_WRITE_CACHE,
  BLK_STS_DEV_RESOURCE,
  BLK_STS_IOERR,
  BLK_STS_NOTSUPP,
  BLK_STS_OK,
  BLK_STS_RESOURCE,
  MQ_RQ_IN_FLIGHT,
  REQ_NOUNMAP,
  REQ_OP_DISCARD,
  REQ_OP_DRV_IN,
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
  blkMqQuiesceQueue,
  blkMqStartRequest,
  blkMqStartStoppedHwQueue,
  blkMqStopHwQueue,
  blkMqUnquiesceQueue,
  blkRqMapSg,
  setCapacity,
  type BlkMqHwCtx,
  type BlkMqOps,
  type BlkMqQueueData,
  type BlkMqTagSet,
  type BlockLayer,
  type Gendisk,
  type QueueLimits,
  type Request,
  type Scatterlist as BlkScatterlist,
} from '@stackemu/block';
import { EINVAL, ENOMEM, ENOSPC } from '@stackemu/core';
import { DmaPool } from '../../dma/dmapool.js';
import { dmaMaxMappingSize } from '../../dma/mapping.js';
import { Scatterlist } from '../../dma/scatterlist.js';
import {
  VIRTIO_BLK_CONFIG,
  VIRTIO_BLK_F_BLK_SIZE,
  VIRTIO_BLK_F_CONFIG_WCE,
  VIRTIO_BLK_F_DISCARD,
  VIRTIO_BLK_F_FLUSH,
  VIRTIO_BLK_F_MQ,
  VIRTIO_BLK_F_RO,
  VIRTIO_BLK_F_SEG_MAX,
  VIRTIO_BLK_F_SIZE_MAX,
  VIRTIO_BLK_F_TOPOLOGY,
  VIRTIO_BLK_F_WRITE_ZEROES,
  VIRTIO_BLK_S_OK,
  VIRTIO_BLK_S_UNSUPP,
  VIRTIO_BLK_T_DISCARD,
  VIRTIO_BLK_T_FLUSH,
  VIRTIO_BLK_T_GET_ID,
  VIRTIO_BLK_T_IN,
  VIRTIO_BLK_T_OUT,
  VIRTIO_BLK_T_WRITE_ZEROES,
  VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP,
  VIRTIO_RING_F_INDIRECT_DESC,
} from '../virtio-config.js';
import {
  virtioBreakDevice,
  virtioCread,
  virtioCread64,
  virtioDevProbe,
  virtioDeviceReady,
  virtioHasFeature,
  virtioResetDevice,
  type VirtioDevice,
} from './virtio-pci-modern.js';
import type { Virtqueue } from './virtio-ring.js';

/** Models `VIRTIO_BLK_MAX_SG_ELEMS`. */
export const VIRTIO_BLK_MAX_SG_ELEMS = 32768;
/** Models `MAX_DISCARD_SEGMENTS` of virtio_blk.c. */
export const VIRTBLK_MAX_DISCARD_SEGMENTS = 256;

/** The features virtio_blk's `features[]` table lists (what the driver accepts). */
export const VIRTBLK_FEATURES: readonly number[] = [
  VIRTIO_BLK_F_SEG_MAX,
  VIRTIO_BLK_F_SIZE_MAX,
  VIRTIO_BLK_F_BLK_SIZE,
  VIRTIO_BLK_F_RO,
  VIRTIO_BLK_F_FLUSH,
  VIRTIO_BLK_F_TOPOLOGY,
  VIRTIO_BLK_F_CONFIG_WCE,
  VIRTIO_BLK_F_MQ,
  VIRTIO_BLK_F_DISCARD,
  VIRTIO_BLK_F_WRITE_ZEROES,
];

const HDR_OFF = 0;
const DWZ_OFF = 16;
const STATUS_OFF = 32;
const PAGE_SIZE = 4096;

/**
 * Models `struct virtblk_req`: the out header, the status byte and a discard/write-zeroes segment in a small
 * coherent block, and the scatter lists handed to `virtqueue_add_sgs()`.
 */
export class VirtblkReq {
  /** The coherent block (index in the driver's pool). */
  block = -1;
  /** The out header's scatter list. */
  readonly hdr = new Scatterlist(1);
  /** The status byte's scatter list. */
  readonly status = new Scatterlist(1);
  /** The discard/write-zeroes segment's scatter list. */
  readonly dwz = new Scatterlist(1);
  /** The data's scatter list. */
  data: Scatterlist | undefined;
  /** `blk_rq_map_sg()` output, reused. */
  readonly bsg: BlkScatterlist[] = [];
  /** The lists handed to `virtqueue_add_sgs()`. */
  readonly sgs: Scatterlist[] = [];
}

/** Models `struct virtio_blk`. */
export class VirtioBlk {
  /** The disk (`vda`…). */
  disk: Gendisk | undefined;
  /** The tag set. */
  tagSet: BlkMqTagSet | undefined;
  /** Request queues. */
  vqs: Virtqueue[] = [];
  /** Driver-side writeback cache. */
  writeback = false;
  private pool: DmaPool | undefined;
  private readonly b = new Uint8Array(16);
  private readonly ff = new Uint8Array([0xff]);
  private readonly ioerr = new Uint8Array([1]);
  private readonly st = new Uint8Array(1);
  private readonly v = new DataView(this.b.buffer);

  /**
   * @param vdev - the virtio device (transport already attached)
   * @param blk - the block layer
   * @param name - disk name (`vda`)
   */
  constructor(
    readonly vdev: VirtioDevice,
    readonly blk: BlockLayer,
    readonly name: string,
  ) {}

  /**
   * Models `virtblk_probe()`: features, queues, limits from the configuration space, tag set, disk, DRIVER_OK,
   * `add_disk()`.
   * @returns 0, -ENODEV (features refused), -EINVAL (MQ with 0 queues, a bad block size), -ENOMEM.
   */
  probe(): number {
    const vdev = this.vdev;
    let r = virtioDevProbe(vdev, VIRTBLK_FEATURES);
    if (r < 0) return r;
    // init_vq()
    let numVqs = 1;
    if (virtioHasFeature(vdev, VIRTIO_BLK_F_MQ)) {
      numVqs = virtioCread(vdev, VIRTIO_BLK_CONFIG.numQueues, 2);
      if (numVqs === 0) return -EINVAL;
    }
    numVqs = Math.min(numVqs, this.blk.nrCpus);
    const vqs = vdev.config.findVqs(
      vdev,
      numVqs,
      Array.from({ length: numVqs }, () => (vq: Virtqueue) => {
        this.done(vq);
      }),
    );
    if (typeof vqs === 'number') return vqs;
    this.vqs = vqs;
    // Limits.
    let sgElems = virtioHasFeature(vdev, VIRTIO_BLK_F_SEG_MAX) ? virtioCread(vdev, VIRTIO_BLK_CONFIG.segMax, 4) : 1;
    if (sgElems === 0) sgElems = 1;
    sgElems = Math.min(sgElems, VIRTIO_BLK_MAX_SG_ELEMS - 2);
    let queueDepth = (vqs[0] as Virtqueue).numFree;
    if (!virtioHasFeature(vdev, VIRTIO_RING_F_INDIRECT_DESC)) queueDepth = Math.floor(queueDepth / 2);
    let maxSize = Math.min(dmaMaxMappingSize(vdev.link.dma), 0xffffffff);
    if (virtioHasFeature(vdev, VIRTIO_BLK_F_SIZE_MAX))
      maxSize = Math.min(maxSize, virtioCread(vdev, VIRTIO_BLK_CONFIG.sizeMax, 4));
    let blkSize = 512;
    if (virtioHasFeature(vdev, VIRTIO_BLK_F_BLK_SIZE)) {
      blkSize = virtioCread(vdev, VIRTIO_BLK_CONFIG.blkSize, 4);
      if (blkSize < 512 || blkSize > 65536 || (blkSize & (blkSize - 1)) !== 0) return -EINVAL;
    }
    const lim: Partial<QueueLimits> = {
      maxSegments: sgElems,
      maxHwSectors: 0xffffffff >>> 9,
      maxSegmentSize: maxSize,
      logicalBlockSize: blkSize,
      physicalBlockSize: blkSize,
    };
    if (virtioHasFeature(vdev, VIRTIO_BLK_F_TOPOLOGY)) {
      const exp = virtioCread(vdev, VIRTIO_BLK_CONFIG.physicalBlockExp, 1);
      if (exp > 0) lim.physicalBlockSize = blkSize << exp;
      const minIo = virtioCread(vdev, VIRTIO_BLK_CONFIG.minIoSize, 2);
      if (minIo > 0) lim.ioMin = minIo * blkSize;
      const optIo = virtioCread(vdev, VIRTIO_BLK_CONFIG.optIoSize, 4);
      if (optIo > 0) lim.ioOpt = optIo * blkSize;
    }
    if (virtioHasFeature(vdev, VIRTIO_BLK_F_DISCARD))
      lim.maxHwDiscardSectors = virtioCread(vdev, VIRTIO_BLK_CONFIG.maxDiscardSectors, 4);
    if (virtioHasFeature(vdev, VIRTIO_BLK_F_WRITE_ZEROES)) {
      lim.maxWriteZeroesSectors = virtioCread(vdev, VIRTIO_BLK_CONFIG.maxWriteZeroesSectors, 4);
    }
    // virtblk_get_cache_mode()
    this.writeback = virtioHasFeature(vdev, VIRTIO_BLK_F_CONFIG_WCE)
      ? virtioCread(vdev, VIRTIO_BLK_CONFIG.wce, 1) !== 0
      : virtioHasFeature(vdev, VIRTIO_BLK_F_FLUSH);
    if (this.writeback) lim.features = BLK_FEAT_WRITE_CACHE;
    this.pool = new DmaPool('virtblk hdr', vdev.link.dma, 64);
    const set: BlkMqTagSet = {
      ops: virtioMqOps,
      nrHwQueues: numVqs,
      queueDepth,
      flags: 0,
      driverData: this,
    };
    r = blkMqAllocTagSet(this.blk, set);
    if (r < 0) return r;
    this.tagSet = set;
    const disk = blkMqAllocDisk(set, lim, this);
    if (typeof disk === 'number') return disk;
    disk.diskName = this.name;
    disk.privateData = this;
    setCapacity(disk, virtioCread64(vdev, VIRTIO_BLK_CONFIG.capacity));
    if (virtioHasFeature(vdev, VIRTIO_BLK_F_RO)) disk.part0.bdReadOnly = true;
    this.disk = disk;
    virtioDeviceReady(vdev);
    this.blk.registry.addDisk(disk);
    return 0;
  }

  /** Allocates a request's coherent header block. */
  initRequest(rq: Request): number {
    const vbr = new VirtblkReq();
    const b = (this.pool as DmaPool).alloc();
    if (b < 0) return -ENOMEM;
    vbr.block = b;
    const pa = (this.pool as DmaPool).paddr(b);
    const pfn = Math.floor(pa / PAGE_SIZE);
    vbr.hdr.push(pfn, (pa % PAGE_SIZE) + HDR_OFF, 16);
    vbr.dwz.push(pfn, (pa % PAGE_SIZE) + DWZ_OFF, 16);
    vbr.status.push(pfn, (pa % PAGE_SIZE) + STATUS_OFF, 1);
    rq.pdu = vbr;
    return 0;
  }

  private hdrPaddr(vbr: VirtblkReq): number {
    return (this.pool as DmaPool).paddr(vbr.block);
  }

  /** Models `virtblk_setup_cmd()` + `virtblk_map_data()` + `virtblk_add_req()`; see {@link virtioQueueRq}. */
  queueRq(hctx: BlkMqHwCtx, bd: BlkMqQueueData): number {
    const rq = bd.rq;
    const vbr = rq.pdu as VirtblkReq;
    const vq = this.vqs[hctx.queueNum] as Virtqueue;
    const op = rq.cmdFlags & REQ_OP_MASK;
    let type: number;
    let sector = 0;
    let dataDir: 'out' | 'in' | 'none' = 'none';
    switch (op) {
      case REQ_OP_READ:
        type = VIRTIO_BLK_T_IN;
        sector = rq.sector;
        dataDir = 'in';
        break;
      case REQ_OP_WRITE:
        type = VIRTIO_BLK_T_OUT;
        sector = rq.sector;
        dataDir = 'out';
        break;
      case REQ_OP_FLUSH:
        type = VIRTIO_BLK_T_FLUSH;
        break;
      case REQ_OP_DISCARD:
        type = VIRTIO_BLK_T_DISCARD;
        break;
      case REQ_OP_WRITE_ZEROES:
        type = VIRTIO_BLK_T_WRITE_ZEROES;
        break;
      case REQ_OP_DRV_IN:
        type = VIRTIO_BLK_T_GET_ID;
        dataDir = 'in';
        break;
      default:
        return BLK_STS_IOERR;
    }
    const pa = this.hdrPaddr(vbr);
    const v = this.v;
    v.setUint32(0, type, true);
    v.setUint32(4, 0, true);
    v.setUint32(8, sector >>> 0, true);
    v.setUint32(12, Math.floor(sector / 0x100000000), true);
    this.vdev.mem.write(pa + HDR_OFF, this.b, 0, 16);
    const sgs = vbr.sgs;
    sgs.length = 0;
    sgs.push(vbr.hdr);
    let out = 1;
    if (type === VIRTIO_BLK_T_DISCARD || type === VIRTIO_BLK_T_WRITE_ZEROES) {
      // One segment (the device offers max_*_seg = 1 by default; the block layer merges no discards then).
      v.setUint32(0, rq.sector >>> 0, true);
      v.setUint32(4, Math.floor(rq.sector / 0x100000000), true);
      v.setUint32(8, rq.dataLen >>> 9, true);
      v.setUint32(
        12,
        type === VIRTIO_BLK_T_WRITE_ZEROES && (rq.cmdFlags & REQ_NOUNMAP) === 0
          ? VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP
          : 0,
        true,
      );
      this.vdev.mem.write(pa + DWZ_OFF, this.b, 0, 16);
      sgs.push(vbr.dwz);
      out = 2;
    } else if (dataDir !== 'none' && rq.dataLen > 0) {
      const n = blkRqMapSg(rq, vbr.bsg);
      const d = (vbr.data ??= new Scatterlist(8));
      d.reset();
      for (let i = 0; i < n; i++) {
        const e = vbr.bsg[i] as BlkScatterlist;
        d.push(e.page, e.offset, e.length);
      }
      sgs.push(d);
      if (dataDir === 'out') out = 2;
    } else if (type === VIRTIO_BLK_T_GET_ID && rq.bio === undefined) {
      return BLK_STS_IOERR;
    }
    this.vdev.mem.write(pa + STATUS_OFF, this.ff, 0, 1);
    sgs.push(vbr.status);
    blkMqStartRequest(rq);
    const err = vq.addSgs(sgs, out, sgs.length - out, rq);
    if (err < 0) {
      vq.kick();
      if (err === -ENOSPC) blkMqStopHwQueue(hctx);
      return err === -ENOSPC ? BLK_STS_DEV_RESOURCE : err === -ENOMEM ? BLK_STS_RESOURCE : BLK_STS_IOERR;
    }
    if (bd.last && vq.kickPrepare()) vq.notify();
    return BLK_STS_OK;
  }

  /** Models `virtblk_done()`: drains the used ring with callbacks disabled, then restarts stopped queues. */
  done(vq: Virtqueue): void {
    let reqDone = false;
    for (;;) {
      vq.disableCb();
      for (let t = vq.getBuf(); t !== undefined; t = vq.getBuf()) {
        blkMqCompleteRequest(t as Request);
        reqDone = true;
      }
      if (vq.enableCb()) break;
    }
    if (reqDone && this.disk !== undefined) {
      for (const h of this.disk.queue.queueHwCtx) blkMqStartStoppedHwQueue(h, true);
    }
  }

  /** Models `virtblk_request_done()`: the status byte → block status (`virtblk_result()`). */
  requestDone(rq: Request): void {
    const vbr = rq.pdu as VirtblkReq;
    const st = this.st;
    this.vdev.mem.read(this.hdrPaddr(vbr) + STATUS_OFF, st, 0, 1);
    const s = st[0] as number;
    blkMqEndRequest(
      rq,
      s === VIRTIO_BLK_S_OK ? BLK_STS_OK : s === VIRTIO_BLK_S_UNSUPP ? BLK_STS_NOTSUPP : BLK_STS_IOERR,
    );
  }

  /**
   * Models `virtblk_remove()` with `virtblk_broken_device_cleanup()`: the disk goes, the device is reset, and
   * requests the device will never complete (a broken or reset device) fail with BLK_STS_IOERR.
   */
  remove(): void {
    if (this.disk !== undefined && this.disk.live) this.blk.registry.delGendisk(this.disk);
    virtioBreakDevice(this.vdev);
    if (this.disk !== undefined) {
      blkMqQuiesceQueue(this.disk.queue);
      for (const t of this.tagSet?.tags ?? []) {
        for (const rq of t.rqs) {
          if (rq === undefined || rq.state !== MQ_RQ_IN_FLIGHT) continue;
          this.vdev.mem.write(this.hdrPaddr(rq.pdu as VirtblkReq) + STATUS_OFF, this.ioerr, 0, 1);
          blkMqCompleteRequest(rq);
        }
      }
      blkMqUnquiesceQueue(this.disk.queue);
    }
    virtioResetDevice(this.vdev);
    for (const vq of this.vqs) while (vq.detachUnusedBuf() !== undefined);
    this.vdev.config.delVqs(this.vdev);
    if (this.disk !== undefined) blkMqDestroyQueue(this.disk.queue);
    if (this.tagSet !== undefined) blkMqFreeTagSet(this.tagSet);
    this.pool?.destroy();
  }
}

/** Models `virtio_queue_rq()`. */
export function virtioQueueRq(hctx: BlkMqHwCtx, bd: BlkMqQueueData): number {
  return (hctx.queue.queuedata as VirtioBlk).queueRq(hctx, bd);
}

/** Models `virtio_commit_rqs()`. */
export function virtioCommitRqs(hctx: BlkMqHwCtx): void {
  const vq = (hctx.queue.queuedata as VirtioBlk).vqs[hctx.queueNum];
  if (vq !== undefined && vq.kickPrepare()) vq.notify();
}

/** Models `virtblk_request_done()` as the blk-mq `complete` op. */
export function virtblkRequestDone(rq: Request): void {
  (rq.q.queuedata as VirtioBlk).requestDone(rq);
}

/** Models the `init_request` step of the tag set (the pdu is `struct virtblk_req`). */
export function virtblkInitRequest(set: BlkMqTagSet, rq: Request): number {
  return (set.driverData as VirtioBlk).initRequest(rq);
}

/** Models `virtio_mq_ops` (drivers/block/virtio_blk.c); no `timeout`, as upstream. */
export const virtioMqOps: BlkMqOps = Object.freeze({
  queueRq: virtioQueueRq,
  commitRqs: virtioCommitRqs,
  complete: virtblkRequestDone,
  initRequest: virtblkInitRequest,
});
