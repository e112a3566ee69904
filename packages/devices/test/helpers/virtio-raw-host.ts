/** A virtio-blk device with a driver-side transport and rings but no block layer, for ring-level tests. */
import { createLogger, EventBus, VirtualScheduler } from '@stackemu/core';
import {
  DEFAULT_SSD_TIMING,
  DmaEngine,
  PciLink,
  Scatterlist,
  SparseMemBackend,
  VIRTIO_BLK_F_DISCARD,
  VIRTIO_BLK_F_FLUSH,
  VIRTIO_BLK_F_RO,
  VIRTIO_BLK_F_WRITE_ZEROES,
  VirtIOBlock,
  VirtioDevice,
  virtioDevProbe,
  virtioDeviceReady,
  virtioPciConfigOps,
  type DmaDeviceOptions,
  type Virtqueue,
  type VirtioBlkParams,
} from '@stackemu/devices';
import { FakeMem } from './fake-mem.js';

export class RawVirtioHost {
  readonly sched = new VirtualScheduler();
  readonly mem = new FakeMem();
  readonly engine: DmaEngine;
  readonly link: PciLink;
  readonly dev: VirtIOBlock;
  readonly vdev: VirtioDevice;
  vq!: Virtqueue;
  readonly done: [unknown, number][] = [];
  consume = true;
  callbacks = 0;

  constructor(
    params: Partial<VirtioBlkParams> = {},
    dma: DmaDeviceOptions = {},
    driverFeatures = [VIRTIO_BLK_F_FLUSH, VIRTIO_BLK_F_RO, VIRTIO_BLK_F_DISCARD, VIRTIO_BLK_F_WRITE_ZEROES],
  ) {
    const log = createLogger({ level: 'silent' });
    this.engine = new DmaEngine(this.mem, this.mem, this.sched, new EventBus('trace'), log);
    this.link = new PciLink('virtio0', this.engine.createDevice('virtio0', dma));
    const p: VirtioBlkParams = {
      capacity: 2048 * 512,
      logicalBlockSize: 512,
      numQueues: 1,
      queueSize: 8,
      readOnly: false,
      serial: 'EMU123',
      writeCache: false,
      accessPlatform: dma.iommu !== undefined && dma.iommu !== 'off',
      timing: DEFAULT_SSD_TIMING,
      ...params,
    };
    this.dev = new VirtIOBlock('virtio0', this.link, this.sched, new SparseMemBackend(p.capacity), p, log);
    this.vdev = new VirtioDevice('virtio0', this.link, this.mem, virtioPciConfigOps, log);
    if (virtioDevProbe(this.vdev, driverFeatures) !== 0) throw new Error('probe failed');
    this.setup();
  }

  setup(): void {
    const vqs = this.vdev.config.findVqs(this.vdev, 1, [
      (vq) => {
        this.callbacks++;
        if (!this.consume) return;
        for (;;) {
          vq.disableCb();
          for (;;) {
            const t = vq.getBuf();
            if (t === undefined) break;
            this.done.push([t, vq.lastLen]);
          }
          if (vq.enableCb()) break;
        }
      },
    ]);
    if (typeof vqs === 'number') throw new Error(`find_vqs ${vqs}`);
    this.vq = vqs[0] as Virtqueue;
    virtioDeviceReady(this.vdev);
  }

  page(): number {
    return this.mem.allocPages(0);
  }

  /** Builds hdr/data/status scatterlists for a request; returns them and the status address. */
  req(type: number, sector: number, dataLen: number, opts: { dataPfn?: number; dataWritable?: boolean } = {}) {
    const hdrPfn = this.page();
    const b = new Uint8Array(16);
    const v = new DataView(b.buffer);
    v.setUint32(0, type, true);
    v.setUint32(8, sector >>> 0, true);
    v.setUint32(12, Math.floor(sector / 0x100000000), true);
    this.mem.write(hdrPfn * 4096, b, 0, 16);
    const hdr = new Scatterlist(1);
    hdr.push(hdrPfn, 0, 16);
    const data = new Scatterlist(1);
    const dataPfn = opts.dataPfn ?? this.page();
    if (dataLen > 0) data.push(dataPfn, 0, dataLen);
    const st = new Scatterlist(1);
    const stPfn = this.page();
    this.mem.fill(stPfn * 4096, 1, 0xff);
    st.push(stPfn, 0, 1);
    return { hdr, data, st, dataPfn, statusAddr: stPfn * 4096 };
  }

  /** Adds a request (readable header, data in or out, writable status) and kicks. */
  add(type: number, sector: number, dataLen: number, writable: boolean, token: unknown, dataPfn?: number) {
    const r = this.req(type, sector, dataLen, dataPfn === undefined ? {} : { dataPfn });
    const sgs = dataLen === 0 ? [r.hdr, r.st] : writable ? [r.hdr, r.data, r.st] : [r.hdr, r.data, r.st];
    const out = dataLen === 0 ? 1 : writable ? 1 : 2;
    const ret = this.vq.addSgs(sgs, out, sgs.length - out, token);
    if (ret === 0 && this.vq.kickPrepare()) this.vq.notify();
    return { ret, ...r };
  }

  status(addr: number): number {
    return this.mem.bytes(addr, 1)[0] as number;
  }
}
