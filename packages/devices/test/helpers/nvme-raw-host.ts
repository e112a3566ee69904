/**
 * A register-level NVMe host for controller-model tests: it writes SQEs into memory, rings doorbells over the
 * link and reads CQEs, with none of the Linux driver's policy, so tests can do what a driver must not.
 */
import { createLogger, VirtualScheduler } from '@stackemu/core';
import {
  DEFAULT_SSD_TIMING,
  DmaEngine,
  NVME_CC_ENABLE,
  NVME_CC_IOCQES,
  NVME_CC_IOSQES,
  NVME_REG_ACQ,
  NVME_REG_AQA,
  NVME_REG_ASQ,
  NVME_REG_CC,
  NVME_REG_CSTS,
  NvmeCtrl,
  NvmeNamespace,
  PciLink,
  SparseMemBackend,
  type DmaDeviceOptions,
  type NvmeCtrlParams,
  type SsdTimingParams,
} from '@stackemu/devices';
import { EventBus } from '@stackemu/core';
import { FakeMem } from './fake-mem.js';

export interface RawCqe {
  result: number;
  sqHead: number;
  sqId: number;
  cid: number;
  status: number; // without phase
  phase: number;
  slot: number;
}

export interface RawQueue {
  qid: number;
  sqBase: number;
  cqBase: number;
  sqSize: number;
  cqSize: number;
  sqTail: number;
  cqHead: number;
  phase: number;
}

export interface SqeFields {
  opcode: number;
  flags?: number;
  cid?: number;
  nsid?: number;
  prp1?: number;
  prp2?: number;
  cdw10?: number;
  cdw11?: number;
  cdw12?: number;
  cdw13?: number;
  slba?: number;
  nlb?: number; // 0-based
  /** raw 16-byte DPTR (SGL) instead of PRPs */
  sgl?: { addr: number; len: number; type: number };
}

export const testParams = (over: Partial<NvmeCtrlParams> = {}): NvmeCtrlParams => ({
  serial: 'EMU0001',
  model: 'stackemu NVMe',
  firmware: '1.0',
  maxIoQueues: 8,
  mqes: 1023,
  dstrd: 0,
  mdts: 10,
  msixVectors: 9,
  vwc: false,
  sgls: true,
  acl: 3,
  aerl: 3,
  honourAbort: true,
  timing: DEFAULT_SSD_TIMING,
  ...over,
});

export class RawNvmeHost {
  readonly sched = new VirtualScheduler();
  readonly mem: FakeMem;
  readonly engine: DmaEngine;
  readonly link: PciLink;
  readonly ctrl: NvmeCtrl;
  readonly irqs: number[] = [];
  readonly queues = new Map<number, RawQueue>();
  readonly ns: NvmeNamespace;
  private cid = 0;

  constructor(
    opts: {
      params?: Partial<NvmeCtrlParams>;
      timing?: Partial<SsdTimingParams>;
      nsze?: number;
      lbaSize?: 512 | 4096;
      dma?: DmaDeviceOptions;
    } = {},
  ) {
    this.mem = new FakeMem();
    const log = createLogger({ level: 'silent' });
    this.engine = new DmaEngine(this.mem, this.mem, this.sched, new EventBus('trace'), log);
    const dev = this.engine.createDevice('nvme0', opts.dma ?? {});
    this.link = new PciLink('nvme0', dev);
    const lba = opts.lbaSize ?? 512;
    const nsze = opts.nsze ?? 1048576;
    this.ns = new NvmeNamespace({ nsid: 1, lbaSize: lba, capacity: nsze * lba }, new SparseMemBackend(nsze * lba), 0);
    const p = testParams({ ...opts.params, timing: { ...DEFAULT_SSD_TIMING, ...opts.timing } });
    this.ctrl = new NvmeCtrl('nvme0', this.link, this.sched, [this.ns], p, log);
    this.link.onMsix((v) => this.irqs.push(v));
  }

  get stride(): number {
    return 4 << (this.link.readl(4) & 0xf);
  }

  /** Allocates zeroed, owned memory of `pages` pages; returns its physical address. */
  alloc(pages: number): number {
    let order = 0;
    while (1 << order < pages) order++;
    const pfn = this.mem.allocPages(order);
    return pfn * 4096;
  }

  enable(asqs = 31, acqs = 31): void {
    const asq = this.alloc(Math.ceil(((asqs + 1) * 64) / 4096));
    const acq = this.alloc(Math.ceil(((acqs + 1) * 16) / 4096));
    this.link.writel((acqs << 16) | asqs, NVME_REG_AQA);
    this.link.loHiWriteq(asq, NVME_REG_ASQ);
    this.link.loHiWriteq(acq, NVME_REG_ACQ);
    this.link.writel(NVME_CC_ENABLE | NVME_CC_IOSQES | NVME_CC_IOCQES, NVME_REG_CC);
    this.queues.set(0, {
      qid: 0,
      sqBase: asq,
      cqBase: acq,
      sqSize: asqs + 1,
      cqSize: acqs + 1,
      sqTail: 0,
      cqHead: 0,
      phase: 1,
    });
  }

  csts(): number {
    return this.link.readl(NVME_REG_CSTS);
  }

  writeSqe(q: RawQueue, f: SqeFields): number {
    const b = new Uint8Array(64);
    const v = new DataView(b.buffer);
    const cid = f.cid ?? this.cid++ & 0xffff;
    v.setUint8(0, f.opcode);
    v.setUint8(1, f.flags ?? 0);
    v.setUint16(2, cid, true);
    v.setUint32(4, f.nsid ?? 1, true);
    const u64 = (o: number, x: number): void => {
      v.setUint32(o, x >>> 0, true);
      v.setUint32(o + 4, Math.floor(x / 0x100000000) >>> 0, true);
    };
    if (f.sgl !== undefined) {
      u64(24, f.sgl.addr);
      v.setUint32(32, f.sgl.len, true);
      v.setUint8(39, f.sgl.type << 4);
    } else {
      u64(24, f.prp1 ?? 0);
      u64(32, f.prp2 ?? 0);
    }
    if (f.slba !== undefined) u64(40, f.slba);
    else v.setUint32(40, f.cdw10 ?? 0, true);
    if (f.slba === undefined) v.setUint32(44, f.cdw11 ?? 0, true);
    v.setUint32(48, f.cdw12 ?? f.nlb ?? 0, true);
    v.setUint32(52, f.cdw13 ?? 0, true);
    this.mem.write(q.sqBase + q.sqTail * 64, b, 0, 64);
    q.sqTail = (q.sqTail + 1) % q.sqSize;
    return cid;
  }

  ringSq(q: RawQueue): void {
    this.link.writel(q.sqTail, 0x1000 + 2 * q.qid * this.stride);
  }

  ringCq(q: RawQueue): void {
    this.link.writel(q.cqHead, 0x1000 + (2 * q.qid + 1) * this.stride);
  }

  submit(qid: number, f: SqeFields): number {
    const q = this.queues.get(qid) as RawQueue;
    const cid = this.writeSqe(q, f);
    this.ringSq(q);
    return cid;
  }

  /** Reads every new CQE (phase matches), advances the head, optionally rings the head doorbell. */
  reap(qid: number, ring = true): RawCqe[] {
    const q = this.queues.get(qid) as RawQueue;
    const out: RawCqe[] = [];
    for (;;) {
      const b = this.mem.bytes(q.cqBase + q.cqHead * 16, 16);
      const v = new DataView(b.buffer);
      const st = v.getUint16(14, true);
      if ((st & 1) !== q.phase) break;
      out.push({
        result: v.getUint32(0, true),
        sqHead: v.getUint16(8, true),
        sqId: v.getUint16(10, true),
        cid: v.getUint16(12, true),
        status: st >> 1,
        phase: st & 1,
        slot: q.cqHead,
      });
      if (++q.cqHead === q.cqSize) {
        q.cqHead = 0;
        q.phase ^= 1;
      }
    }
    if (ring && out.length > 0) this.ringCq(q);
    return out;
  }

  /** Submits, runs to idle, reaps; returns the single CQE for `qid`. */
  cmd(qid: number, f: SqeFields): RawCqe {
    this.submit(qid, f);
    this.sched.runSync();
    const c = this.reap(qid);
    if (c.length !== 1) throw new Error(`expected 1 CQE, got ${c.length}`);
    return c[0] as RawCqe;
  }

  createIoQueues(qid: number, sqSize = 1024, cqSize = 1024, vector = qid): RawQueue {
    const cqBase = this.alloc(Math.ceil((cqSize * 16) / 4096));
    const sqBase = this.alloc(Math.ceil((sqSize * 64) / 4096));
    let c = this.cmd(0, { opcode: 0x05, prp1: cqBase, cdw10: ((cqSize - 1) << 16) | qid, cdw11: (vector << 16) | 3 });
    if (c.status !== 0) throw new Error(`create cq: ${c.status.toString(16)}`);
    c = this.cmd(0, { opcode: 0x01, prp1: sqBase, cdw10: ((sqSize - 1) << 16) | qid, cdw11: (qid << 16) | 1 });
    if (c.status !== 0) throw new Error(`create sq: ${c.status.toString(16)}`);
    const q = { qid, sqBase, cqBase, sqSize, cqSize, sqTail: 0, cqHead: 0, phase: 1 };
    this.queues.set(qid, q);
    return q;
  }
}
