/**
 * The virtio-blk device model (QEMU hw/block/virtio-blk.c), timed by the SSD model and moving real bytes.
 * @packageDocumentation
 */
import { EINVAL, Errno, type Logger, type Scheduler, type TimerHandle } from '@stackemu/core';
import type { PciLink } from '../../bus/pci-link.js';
import type { MediaBackend } from '../../media/media-backend.js';
import {
  SsdTimingModel,
  TIMING_FLUSH,
  TIMING_OTHER,
  TIMING_READ,
  TIMING_WRITE,
  TIMING_ZEROES,
  type SsdTimingParams,
} from '../../timing/ssd-timing.js';
import {
  VIRTIO_BLK_CONFIG,
  VIRTIO_BLK_DWZ_SIZE,
  VIRTIO_BLK_F_BLK_SIZE,
  VIRTIO_BLK_F_CONFIG_WCE,
  VIRTIO_BLK_F_DISCARD,
  VIRTIO_BLK_F_FLUSH,
  VIRTIO_BLK_F_MQ,
  VIRTIO_BLK_F_RO,
  VIRTIO_BLK_F_SEG_MAX,
  VIRTIO_BLK_F_TOPOLOGY,
  VIRTIO_BLK_F_WRITE_ZEROES,
  VIRTIO_BLK_ID_BYTES,
  VIRTIO_BLK_OUTHDR_SIZE,
  VIRTIO_BLK_S_IOERR,
  VIRTIO_BLK_S_OK,
  VIRTIO_BLK_S_UNSUPP,
  VIRTIO_BLK_T_DISCARD,
  VIRTIO_BLK_T_FLUSH,
  VIRTIO_BLK_T_GET_ID,
  VIRTIO_BLK_T_IN,
  VIRTIO_BLK_T_OUT,
  VIRTIO_BLK_T_WRITE_ZEROES,
  VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP,
  VIRTIO_F_ACCESS_PLATFORM,
  VIRTIO_ID_BLOCK,
  VIRTIO_RING_F_EVENT_IDX,
  VIRTIO_RING_F_INDIRECT_DESC,
} from '../virtio-config.js';
import { clearFeature, setFeature, VirtIODevice } from './virtio-device.js';
import { VirtioDeviceError, type VirtQueue, type VirtQueueElement } from './virtqueue.js';

/** Models QEMU's `VirtIOBlkConf` (the `-device virtio-blk-pci,…` properties) plus timing. */
export interface VirtioBlkParams {
  /** Capacity in bytes (a multiple of the logical block size). */
  readonly capacity: number;
  /** Logical block size (512 or 4096). */
  readonly logicalBlockSize: 512 | 4096;
  /** Request queues (`num-queues`); more than 1 offers VIRTIO_BLK_F_MQ. */
  readonly numQueues: number;
  /** Entries per queue (`queue-size`, a power of two ≤ 1024). */
  readonly queueSize: number;
  /** Offer VIRTIO_BLK_F_RO. */
  readonly readOnly: boolean;
  /** GET_ID string (`serial`). */
  readonly serial: string;
  /** Writeback cache (offers FLUSH + CONFIG_WCE with writeback = 1). */
  readonly writeCache: boolean;
  /** Offer ACCESS_PLATFORM (the device sits behind the IOMMU). */
  readonly accessPlatform: boolean;
  /** The SSD timing model's parameters. */
  readonly timing: SsdTimingParams;
  /** Offer VIRTIO_RING_F_EVENT_IDX (QEMU `event_idx`, default true). */
  readonly eventIdx?: boolean;
  /** Offer VIRTIO_RING_F_INDIRECT_DESC (QEMU `indirect_desc`, default true). */
  readonly indirectDesc?: boolean;
}

/** Models QEMU's `BDRV_REQUEST_MAX_SECTORS`: the largest request, and the discard/write-zeroes limits. */
export const BDRV_REQUEST_MAX_SECTORS = 4194303;

interface BlkReq {
  elem: VirtQueueElement;
  vq: VirtQueue;
  type: number;
  sector: number;
  size: number;
  status: number;
  timer: TimerHandle | undefined;
  unmap: boolean;
}

/**
 * Models QEMU's `VirtIOBlock`: request parsing and validation (`virtio_blk_handle_request`,
 * `virtio_blk_sect_range_ok`), IN/OUT/FLUSH/GET_ID/DISCARD/WRITE_ZEROES, and the status byte written into the
 * last writable byte; `used.len` is the whole writable length.
 * @remarks Range and alignment errors complete with IOERR (the device stays usable); malformed framing (missing
 * headers, short discard segment) is a driver error that makes the device need a reset.
 */
export class VirtIOBlock extends VirtIODevice {
  /** The timing model. */
  readonly timing: SsdTimingModel;
  private readonly totalSectors: number;
  private readonly sectorMask: number;
  private readonly inflight = new Set<BlkReq>();
  private readonly hdr = new Uint8Array(16);
  private readonly hdrView = new DataView(this.hdr.buffer);
  private readonly status1 = new Uint8Array(1);
  private wce: boolean;
  /** Injected bad sector ranges ([start, end) pairs): reads there fail with IOERR until rewritten. */
  private bad: number[] = [];
  private readonly badW: number[] = [];
  private readonly completeFn = (r: BlkReq): void => {
    this.complete(r);
  };

  /**
   * Models `virtio_blk_device_realize()`: validates, then claims the BAR.
   * @throws Errno EINVAL naming the bad property.
   */
  constructor(
    name: string,
    link: PciLink,
    sched: Scheduler,
    /** The disk's media. */
    readonly media: MediaBackend,
    /** The device's properties. */
    readonly params: VirtioBlkParams,
    log?: Logger,
  ) {
    const p = params;
    const fail = (m: string): never => {
      throw new Errno(EINVAL, `virtio-blk: ${m}`);
    };
    const lbs: number = p.logicalBlockSize;
    if (lbs !== 512 && lbs !== 4096) fail(`logical_block_size ${String(p.logicalBlockSize)} must be 512 or 4096`);
    if (!(p.capacity > 0) || p.capacity % p.logicalBlockSize !== 0)
      fail(`capacity ${p.capacity} must be a positive multiple of ${p.logicalBlockSize}`);
    if (!(p.numQueues >= 1 && p.numQueues <= 1024)) fail(`num-queues ${p.numQueues} must be in [1, 1024]`);
    if (!(p.queueSize >= 2 && p.queueSize <= 1024) || (p.queueSize & (p.queueSize - 1)) !== 0) {
      fail(`queue-size ${p.queueSize} must be a power of 2 in [2, 1024]`);
    }
    super(name, VIRTIO_ID_BLOCK, link, sched, p.numQueues, p.queueSize, log);
    this.timing = new SsdTimingModel(p.timing);
    this.totalSectors = p.capacity / 512;
    this.sectorMask = p.logicalBlockSize / 512 - 1;
    this.wce = p.writeCache;
    const f = this.hostFeatures;
    if (p.eventIdx === false) clearFeature(f, VIRTIO_RING_F_EVENT_IDX);
    if (p.indirectDesc === false) clearFeature(f, VIRTIO_RING_F_INDIRECT_DESC);
    setFeature(f, VIRTIO_BLK_F_SEG_MAX);
    setFeature(f, VIRTIO_BLK_F_BLK_SIZE);
    setFeature(f, VIRTIO_BLK_F_TOPOLOGY);
    setFeature(f, VIRTIO_BLK_F_FLUSH);
    if (p.writeCache) setFeature(f, VIRTIO_BLK_F_CONFIG_WCE);
    if (p.numQueues > 1) setFeature(f, VIRTIO_BLK_F_MQ);
    setFeature(f, VIRTIO_BLK_F_DISCARD);
    setFeature(f, VIRTIO_BLK_F_WRITE_ZEROES);
    if (p.readOnly) setFeature(f, VIRTIO_BLK_F_RO);
    if (p.accessPlatform) setFeature(f, VIRTIO_F_ACCESS_PLATFORM);
    this.realize();
  }

  /** Models `virtio_blk_update_config()`. */
  protected getConfig(buf: Uint8Array): void {
    const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const C = VIRTIO_BLK_CONFIG;
    const p = this.params;
    v.setUint32(C.capacity, this.totalSectors >>> 0, true);
    v.setUint32(C.capacity + 4, Math.floor(this.totalSectors / 0x100000000), true);
    v.setUint32(C.segMax, p.queueSize - 2, true);
    v.setUint32(C.blkSize, p.logicalBlockSize, true);
    v.setUint8(C.physicalBlockExp, 0);
    v.setUint16(C.minIoSize, 1, true);
    v.setUint32(C.optIoSize, 0, true);
    v.setUint8(C.wce, this.wce ? 1 : 0);
    v.setUint16(C.numQueues, p.numQueues, true);
    v.setUint32(C.maxDiscardSectors, BDRV_REQUEST_MAX_SECTORS, true);
    v.setUint32(C.maxDiscardSeg, 1, true);
    v.setUint32(C.discardSectorAlignment, p.logicalBlockSize / 512, true);
    v.setUint32(C.maxWriteZeroesSectors, BDRV_REQUEST_MAX_SECTORS, true);
    v.setUint32(C.maxWriteZeroesSeg, 1, true);
    v.setUint8(C.writeZeroesMayUnmap, 1);
  }

  protected resetDevice(): void {
    for (const r of this.inflight) if (r.timer !== undefined) this.sched.cancel(r.timer);
    this.inflight.clear();
    this.timing.reset(this.sched.now());
    this.wce = this.params.writeCache;
  }

  /** Models `virtio_blk_handle_vq()`: pops every available chain and starts each request. */
  protected handleOutput(vq: VirtQueue): void {
    for (;;) {
      const e = vq.pop();
      if (e === undefined) return;
      this.handleRequest(vq, e);
    }
  }

  /** Gathers `len` device-readable bytes from offset `off` of the chain's readable part into `dst`. */
  private gatherOut(e: VirtQueueElement, off: number, dst: Uint8Array, len: number): number {
    let pos = 0;
    let got = 0;
    for (let i = 0; i < e.outAddr.length && got < len; i++) {
      const l = e.outLen[i] as number;
      if (off < pos + l) {
        const s = Math.max(off + got - pos, 0);
        const n = Math.min(l - s, len - got);
        if (this.link.dma.port.dmaRead((e.outAddr[i] as number) + s, dst, got, n) !== 0) return -1;
        got += n;
      }
      pos += l;
    }
    return got;
  }

  /** Models `virtio_blk_handle_request()`. */
  private handleRequest(vq: VirtQueue, e: VirtQueueElement): void {
    if (e.outAddr.length < 1 || e.inAddr.length < 1) throw new VirtioDeviceError('virtio-blk missing headers');
    if (this.gatherOut(e, 0, this.hdr, VIRTIO_BLK_OUTHDR_SIZE) !== VIRTIO_BLK_OUTHDR_SIZE) {
      throw new VirtioDeviceError('virtio-blk request outhdr too short');
    }
    const type = this.hdrView.getUint32(0, true);
    const hi = this.hdrView.getUint32(12, true);
    const sector = hi >= 0x200000 ? NaN : hi * 0x100000000 + this.hdrView.getUint32(8, true);
    const r: BlkReq = { elem: e, vq, type, sector, size: 0, status: VIRTIO_BLK_S_OK, timer: undefined, unmap: false };
    this.inflight.add(r);
    const now = this.sched.now();
    const t = this.params.timing;
    const fail = (status: number): void => {
      r.status = status;
      r.timer = this.sched.schedule(t.fixedNs + t.completionNs, this.completeFn, r);
    };
    switch (type) {
      case VIRTIO_BLK_T_IN:
      case VIRTIO_BLK_T_OUT: {
        const isWrite = type === VIRTIO_BLK_T_OUT;
        const size = isWrite ? e.outBytes - VIRTIO_BLK_OUTHDR_SIZE : e.inBytes - 1;
        r.size = size;
        if (isWrite && this.params.readOnly) {
          fail(VIRTIO_BLK_S_IOERR);
          return;
        }
        if (!this.sectRangeOk(sector, size)) {
          fail(VIRTIO_BLK_S_IOERR);
          return;
        }
        r.timer = this.sched.scheduleAt(
          this.timing.service(isWrite ? TIMING_WRITE : TIMING_READ, sector * 512, size, now),
          this.completeFn,
          r,
        );
        return;
      }
      case VIRTIO_BLK_T_FLUSH:
        r.timer = this.sched.scheduleAt(this.timing.service(TIMING_FLUSH, 0, 0, now), this.completeFn, r);
        return;
      case VIRTIO_BLK_T_GET_ID:
        r.timer = this.sched.scheduleAt(this.timing.service(TIMING_OTHER, 0, 0, now), this.completeFn, r);
        return;
      case VIRTIO_BLK_T_DISCARD:
      case VIRTIO_BLK_T_WRITE_ZEROES: {
        const isWz = type === VIRTIO_BLK_T_WRITE_ZEROES;
        if (!this.guestHas(isWz ? VIRTIO_BLK_F_WRITE_ZEROES : VIRTIO_BLK_F_DISCARD)) {
          fail(VIRTIO_BLK_S_UNSUPP);
          return;
        }
        const outLen = e.outBytes - VIRTIO_BLK_OUTHDR_SIZE;
        if (outLen > VIRTIO_BLK_DWZ_SIZE) {
          fail(VIRTIO_BLK_S_UNSUPP);
          return;
        }
        const seg = new Uint8Array(VIRTIO_BLK_DWZ_SIZE);
        if (this.gatherOut(e, VIRTIO_BLK_OUTHDR_SIZE, seg, VIRTIO_BLK_DWZ_SIZE) !== VIRTIO_BLK_DWZ_SIZE) {
          this.inflight.delete(r);
          throw new VirtioDeviceError('virtio-blk discard/write_zeroes header too short');
        }
        const sv = new DataView(seg.buffer);
        const shi = sv.getUint32(4, true);
        const ssec = shi >= 0x200000 ? NaN : shi * 0x100000000 + sv.getUint32(0, true);
        const nsec = sv.getUint32(8, true);
        const flags = sv.getUint32(12, true);
        if ((flags & ~VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP) !== 0) {
          fail(VIRTIO_BLK_S_UNSUPP);
          return;
        }
        if (nsec > BDRV_REQUEST_MAX_SECTORS) {
          fail(VIRTIO_BLK_S_IOERR);
          return;
        }
        if (!this.sectRangeOk(ssec, nsec * 512)) {
          fail(VIRTIO_BLK_S_IOERR);
          return;
        }
        if (!isWz && (flags & VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP) !== 0) {
          fail(VIRTIO_BLK_S_UNSUPP);
          return;
        }
        r.sector = ssec;
        r.size = nsec * 512;
        r.unmap = (flags & VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP) !== 0;
        r.timer = this.sched.scheduleAt(
          this.timing.service(TIMING_ZEROES, ssec * 512, r.size, now),
          this.completeFn,
          r,
        );
        return;
      }
      default: {
        fail(VIRTIO_BLK_S_UNSUPP);
        return;
      }
    }
  }

  /** Models `virtio_blk_sect_range_ok()`. */
  private sectRangeOk(sector: number, size: number): boolean {
    const nb = Math.floor(size / 512);
    if (!(sector >= 0)) return false;
    if (nb > BDRV_REQUEST_MAX_SECTORS) return false;
    if ((sector & this.sectorMask) !== 0) return false;
    if (size % this.params.logicalBlockSize !== 0) return false;
    if (sector > this.totalSectors || nb > this.totalSectors - sector) return false;
    return true;
  }

  /** A request's completion event: data moves, status byte is written, used entry pushed, driver notified. */
  private complete(r: BlkReq): void {
    r.timer = undefined;
    if (!this.inflight.delete(r) || this.broken) return;
    const e = r.elem;
    const port = this.link.dma.port;
    if (r.status === VIRTIO_BLK_S_OK) {
      switch (r.type) {
        case VIRTIO_BLK_T_IN: {
          if (this.isBad(r.sector, r.size / 512)) {
            r.status = VIRTIO_BLK_S_IOERR;
            break;
          }
          let i = 0;
          let o = 0;
          const ok = this.media.readSpans(r.sector * 512, r.size, (b, bo, _mo, n) => {
            let done = 0;
            while (done < n) {
              const k = Math.min((e.inLen[i] as number) - o, n - done);
              if (port.dmaWrite((e.inAddr[i] as number) + o, b, bo + done, k) !== 0) return false;
              done += k;
              o += k;
              if (o === e.inLen[i]) {
                i++;
                o = 0;
              }
            }
            return true;
          });
          if (!ok) r.status = VIRTIO_BLK_S_IOERR;
          break;
        }
        case VIRTIO_BLK_T_OUT: {
          let hit = false;
          for (let k = 0; k < this.badW.length; k += 2) {
            if ((this.badW[k] as number) < r.sector + r.size / 512 && (this.badW[k + 1] as number) > r.sector)
              hit = true;
          }
          if (hit) {
            r.status = VIRTIO_BLK_S_IOERR;
            break;
          }
          let i = 0;
          let o = VIRTIO_BLK_OUTHDR_SIZE;
          while (i < e.outLen.length && o >= (e.outLen[i] as number)) {
            o -= e.outLen[i] as number;
            i++;
          }
          const ok = this.media.writeSpans(r.sector * 512, r.size, (b, bo, _mo, n) => {
            let done = 0;
            while (done < n) {
              const k = Math.min((e.outLen[i] as number) - o, n - done);
              if (port.dmaRead((e.outAddr[i] as number) + o, b, bo + done, k) !== 0) return false;
              done += k;
              o += k;
              if (o === e.outLen[i]) {
                i++;
                o = 0;
              }
            }
            return true;
          });
          if (!ok) r.status = VIRTIO_BLK_S_IOERR;
          else {
            this.clearBad(r.sector, r.size / 512);
            if (!this.wce) this.media.flush();
          }
          break;
        }
        case VIRTIO_BLK_T_FLUSH:
          this.media.flush();
          break;
        case VIRTIO_BLK_T_GET_ID: {
          const s = this.params.serial;
          const n = Math.min(s.length + 1, e.inBytes - 1, VIRTIO_BLK_ID_BYTES);
          const id = new Uint8Array(n);
          for (let k = 0; k < n; k++) id[k] = k < s.length ? s.charCodeAt(k) & 0x7f : 0;
          let done = 0;
          for (let k = 0; k < e.inAddr.length && done < n; k++) {
            const m = Math.min(e.inLen[k] as number, n - done);
            if (port.dmaWrite(e.inAddr[k] as number, id, done, m) !== 0) {
              r.status = VIRTIO_BLK_S_IOERR;
              break;
            }
            done += m;
          }
          break;
        }
        case VIRTIO_BLK_T_WRITE_ZEROES:
          this.media.writeZeroes(r.sector * 512, r.size);
          if (r.unmap) this.media.discard(r.sector * 512, r.size);
          break;
        case VIRTIO_BLK_T_DISCARD:
          this.media.discard(r.sector * 512, r.size);
          break;
        default:
          break;
      }
    }
    // The status goes into the last writable byte.
    const last = e.inAddr.length - 1;
    this.status1[0] = r.status;
    try {
      if (port.dmaWrite((e.inAddr[last] as number) + (e.inLen[last] as number) - 1, this.status1, 0, 1) !== 0) {
        throw new VirtioDeviceError('virtio-blk: status byte is not writable');
      }
      r.vq.push(e, e.inBytes);
      this.notify(r.vq);
    } catch (err) {
      if (err instanceof VirtioDeviceError) this.virtioError(err.message);
      else throw err;
    }
  }

  /** Fault F-V2: reads touching `[sector, sector + count)` fail with IOERR until those sectors are written. */
  markBadSectors(sector: number, count: number): void {
    this.bad.push(sector, sector + count);
  }

  /** Fault F-V2 for writes: writes touching `[sector, sector + count)` fail with IOERR (media unchanged). */
  markWriteFault(sector: number, count: number): void {
    this.badW.push(sector, sector + count);
  }

  private isBad(sector: number, count: number): boolean {
    for (let i = 0; i < this.bad.length; i += 2)
      if ((this.bad[i] as number) < sector + count && (this.bad[i + 1] as number) > sector) return true;
    return false;
  }

  private clearBad(sector: number, count: number): void {
    if (this.bad.length === 0) return;
    const out: number[] = [];
    for (let i = 0; i < this.bad.length; i += 2) {
      const a = this.bad[i] as number;
      const b = this.bad[i + 1] as number;
      if (b <= sector || a >= sector + count) out.push(a, b);
      else {
        if (a < sector) out.push(a, sector);
        if (b > sector + count) out.push(sector + count, b);
      }
    }
    this.bad = out;
  }

  /** Requests in flight (tests). */
  get inFlight(): number {
    return this.inflight.size;
  }
}
