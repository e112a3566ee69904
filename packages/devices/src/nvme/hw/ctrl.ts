/**
 * The NVMe controller model (QEMU hw/nvme/ctrl.c): BAR0 registers, admin and I/O queues in host memory,
 * doorbells, PRP/SGL decoding, the NVM command set, MSI-X with coalescing, and fault injection — timed by the SSD
 * model and moving real bytes between the media and host pages through its DMA port.
 * @packageDocumentation
 */
import { EINVAL, Errno, type Logger, type Scheduler } from '@stackemu/core';
import type { Subscription } from 'rxjs';
import { mmioAddr, mmioSize, mmioValue, type MmioWrite, type PciLink } from '../../bus/pci-link.js';
import type { DmaPort } from '../../dma/dma-device.js';
import { VolatileWriteCache } from '../../media/volatile-write-cache.js';
import {
  SsdTimingModel,
  TIMING_FLUSH,
  TIMING_READ,
  TIMING_WRITE,
  TIMING_ZEROES,
  type SsdTimingParams,
} from '../../timing/ssd-timing.js';
import {
  CQE,
  ID_CTRL,
  NVME_CC_ENABLE,
  NVME_CC_MPS_SHIFT,
  NVME_CC_SHN_MASK,
  NVME_CMD_FUSE_MASK,
  NVME_CMD_SGL_ALL,
  NVME_CMD_SGL_METABUF,
  NVME_CMD_SGL_METASEG,
  NVME_CQ_IRQ_ENABLED,
  NVME_CQE_SIZE,
  NVME_CSTS_CFS,
  NVME_CSTS_NSSRO,
  NVME_CSTS_RDY,
  NVME_CSTS_SHST_CMPLT,
  NVME_CTRL_ONCS_COMPARE,
  NVME_CTRL_ONCS_DSM,
  NVME_CTRL_ONCS_WRITE_UNCORRECTABLE,
  NVME_CTRL_ONCS_WRITE_ZEROES,
  NVME_CTRL_SGLS_BYTE_ALIGNED,
  NVME_CTRL_VWC_PRESENT,
  NVME_DSM_RANGE_SIZE,
  NVME_DSMGMT_AD,
  NVME_FEAT_IRQ_COALESCE,
  NVME_FEAT_IRQ_CONFIG,
  NVME_FEAT_NUM_QUEUES,
  NVME_FEAT_VOLATILE_WC,
  NVME_ID_CNS_CTRL,
  NVME_ID_CNS_NS,
  NVME_ID_CNS_NS_ACTIVE_LIST,
  NVME_QUEUE_PHYS_CONTIG,
  NVME_REG_ACQ,
  NVME_REG_AQA,
  NVME_REG_ASQ,
  NVME_REG_CAP,
  NVME_REG_CC,
  NVME_REG_CSTS,
  NVME_REG_DBS,
  NVME_REG_INTMC,
  NVME_REG_INTMS,
  NVME_REG_NSSR,
  NVME_REG_VS,
  NVME_SC_ABORT_QUEUE,
  NVME_SC_ABORT_REQ,
  NVME_SC_ASYNC_LIMIT,
  NVME_SC_COMPARE_FAILED,
  NVME_SC_CQ_INVALID,
  NVME_SC_DATA_XFER_ERROR,
  NVME_SC_INVALID_FIELD,
  NVME_SC_INVALID_NS,
  NVME_SC_INVALID_OPCODE,
  NVME_SC_INVALID_QUEUE,
  NVME_SC_INVALID_VECTOR,
  NVME_SC_LBA_RANGE,
  NVME_SC_POWER_LOSS,
  NVME_SC_PRP_INVALID_OFFSET,
  NVME_SC_QID_INVALID,
  NVME_SC_QUEUE_SIZE,
  NVME_SC_READ_ERROR,
  NVME_SC_WRITE_FAULT,
  NVME_SQE_SIZE,
  NVME_STATUS_DNR,
  NVME_SUBSYS_RESET,
  NVME_WZ_DEAC,
  SQE,
  getU64,
  nvme_admin_abort_cmd,
  nvme_admin_async_event,
  nvme_admin_create_cq,
  nvme_admin_create_sq,
  nvme_admin_delete_cq,
  nvme_admin_delete_sq,
  nvme_admin_get_features,
  nvme_admin_get_log_page,
  nvme_admin_identify,
  nvme_admin_set_features,
  nvme_cmd_compare,
  nvme_cmd_dsm,
  nvme_cmd_flush,
  nvme_cmd_read,
  nvme_cmd_write,
  nvme_cmd_write_uncor,
  nvme_cmd_write_zeroes,
} from '../nvme.js';
import type { NvmeNamespace } from './ns.js';
import { nvmeMapPrp } from './prp.js';
import { NvmeCQueue, NvmeRequest, NvmeSQueue } from './queue.js';
import { nvmeMapSgl } from './sgl.js';

/** Models QEMU's `NvmeParams` (the `-device nvme,…` properties) plus the emulator's timing and fault knobs. */
export interface NvmeCtrlParams {
  /** Serial number (Identify SN, 20 chars). */
  readonly serial: string;
  /** Model number (Identify MN, 40 chars). */
  readonly model: string;
  /** Firmware revision (Identify FR, 8 chars). */
  readonly firmware: string;
  /** I/O queue pairs the controller grants (QEMU `max_ioqpairs`). */
  readonly maxIoQueues: number;
  /** CAP.MQES, 0-based maximum queue entries (QEMU `mqes`). */
  readonly mqes: number;
  /** CAP.DSTRD: doorbell stride is 4 << dstrd bytes. */
  readonly dstrd: number;
  /** Identify MDTS: max transfer = 4 KiB << mdts (0 = unlimited). */
  readonly mdts: number;
  /** MSI-X vectors (QEMU `msix_qsize`). */
  readonly msixVectors: number;
  /** Identify VWC: a volatile write cache is present (writes can be lost at power loss until flushed). */
  readonly vwc: boolean;
  /** Identify SGLS: SGLs supported on I/O queues. */
  readonly sgls: boolean;
  /** Identify ACL (0-based): concurrent Abort commands. */
  readonly acl: number;
  /** Identify AERL (0-based): outstanding Asynchronous Event Requests. */
  readonly aerl: number;
  /** Abort really aborts an outstanding command (newer QEMU); false: always answers "not aborted" (old QEMU). */
  readonly honourAbort: boolean;
  /** The SSD timing model's parameters. */
  readonly timing: SsdTimingParams;
}

/** A controller's observable state, for tests and the CLI. */
export interface NvmeCtrlStats {
  /** Commands fetched from SQs. */
  fetched: number;
  /** CQEs posted. */
  posted: number;
  /** MSI-X messages sent. */
  interrupts: number;
  /** Doorbell writes ignored (bad offset, queue or value). */
  badDoorbells: number;
  /** Commands whose data pointer was an SGL. */
  sglCommands: number;
}

/** Models `NVME_AER_TYPE_ERROR`: asynchronous event type Error Status. */
export const NVME_AER_TYPE_ERROR = 0;
/** Models `NVME_AER_INFO_ERR_INVALID_DB_REGISTER`: write to an invalid doorbell register. */
export const NVME_AER_INFO_ERR_INVALID_DB_REGISTER = 0;
/** Models `NVME_AER_INFO_ERR_INVALID_DB_VALUE`: invalid doorbell write value. */
export const NVME_AER_INFO_ERR_INVALID_DB_VALUE = 1;
/** Models `NVME_LOG_ERROR`: log page Error Information. */
export const NVME_LOG_ERROR = 0x01;

const PAGE_SIZE = 4096;

/**
 * Models QEMU's `NvmeCtrl` (hw/nvme/ctrl.c). It meets its host only through its {@link PciLink}: BAR0 loads and
 * stores, MSI-X messages, DMA through the link's port.
 *
 * @remarks Pipeline (spec NV-12): a doorbell store records the new tail and schedules the SQ's fetch bottom half
 * (zero delay); fetching reads 64-byte SQEs by DMA, validates and decodes the data pointer, asks the timing model
 * when the command is done and schedules its completion; at completion the data moves (media ↔ host pages, one
 * copy) and the CQE is written into the CQ by DMA with the phase tag, followed by one MSI-X message per posting
 * batch (subject to interrupt coalescing). A full CQ holds completions until the host's head doorbell frees slots.
 * Queue memory that cannot be read or written makes the controller fatal (CSTS.CFS); data DMA faults fail only
 * their command (Data Transfer Error). Disabling (CC.EN 1→0) drops every queue and in-flight command without CQEs
 * and without further DMA.
 */
export class NvmeCtrl {
  /** Counters. */
  readonly stats: NvmeCtrlStats = { fetched: 0, posted: 0, interrupts: 0, badDoorbells: 0, sglCommands: 0 };
  /** The timing model (replaced at each enable so a reset forgets queued work). */
  readonly timing: SsdTimingModel;
  private readonly ns = new Map<number, NvmeNamespace>();
  private sqs: (NvmeSQueue | undefined)[] = [];
  private cqs: (NvmeCQueue | undefined)[] = [];
  private readonly port: DmaPort;
  private capLo = 0;
  private capHi = 0;
  private cc = 0;
  private csts = 0;
  private aqa = 0;
  private asq = 0;
  private acq = 0;
  private intms = 0;
  private pageSize = PAGE_SIZE;
  private readonly dbStride: number;
  private readonly buf = new Uint8Array(64 * 1024);
  private readonly bufView = new DataView(this.buf.buffer);
  private readonly cqe = new Uint8Array(NVME_CQE_SIZE);
  private readonly cqeView = new DataView(this.cqe.buffer);
  private readonly aerReqs: NvmeRequest[] = [];
  private readonly aerEvents: number[] = [];
  private coalesceThr = 0;
  private coalesceTime = 0;
  private readonly coalesceDisabled = new Set<number>();
  private wce: boolean;
  private sub: Subscription | undefined;
  // fault injection
  private stuckNext = 0;
  private stuckOpcode = -1;
  private lostIrqs = 0;
  private statusNext: { status: number; count: number; opcode: number } | undefined;
  private dupCqes = 0;

  private readonly processSqFn = (sq: NvmeSQueue): void => {
    this.processSq(sq);
  };
  private readonly completeFn = (req: NvmeRequest): void => {
    this.complete(req);
  };
  private xfer: NvmeRequest | undefined;
  private readonly toHostFn = (b: Uint8Array, bo: number, _mo: number, n: number): boolean =>
    this.toHostSpan(this.xfer as NvmeRequest, b, bo, n);
  private readonly fromHostFn = (b: Uint8Array, bo: number, _mo: number, n: number): boolean =>
    this.fromHostSpan(this.xfer as NvmeRequest, b, bo, n);
  private readonly postFn = (cq: NvmeCQueue): void => {
    cq.bhScheduled = false;
    this.postCqes(cq);
  };

  /**
   * Models `nvme_realize()` after `nvme_check_constraints()`: validates parameters, then claims the link's BAR.
   * @param name - controller name for logs (`nvme0`)
   * @param link - the PCI link to the host
   * @param namespaces - attached namespaces (nsid unique, 1..n)
   * @throws Errno EINVAL naming the bad parameter (nothing is registered then).
   */
  constructor(
    readonly name: string,
    readonly link: PciLink,
    private readonly sched: Scheduler,
    namespaces: readonly NvmeNamespace[],
    /** The controller's properties. */
    readonly params: NvmeCtrlParams,
    private readonly log?: Logger,
  ) {
    const p = params;
    const fail = (m: string): never => {
      throw new Errno(EINVAL, `nvme: nvme_check_constraints: ${m}`);
    };
    if (!(p.mqes >= 1 && p.mqes <= 0xffff)) fail(`mqes ${p.mqes} must be in [1, 65535]`);
    if (!(p.dstrd >= 0 && p.dstrd <= 15)) fail(`dstrd ${p.dstrd} must be in [0, 15]`);
    if (!(p.maxIoQueues >= 1 && p.maxIoQueues <= 65535)) fail(`maxIoQueues ${p.maxIoQueues} must be in [1, 65535]`);
    if (!(p.msixVectors >= 1 && p.msixVectors <= 2048)) fail(`msixVectors ${p.msixVectors} must be in [1, 2048]`);
    if (!(p.mdts >= 0 && p.mdts <= 20)) fail(`mdts ${p.mdts} must be in [0, 20]`);
    for (const n of namespaces) {
      if (this.ns.has(n.nsid)) fail(`namespace id ${n.nsid} is used twice`);
      if (n.nsid < 1) fail(`namespace id ${n.nsid} must be >= 1`);
      this.ns.set(n.nsid, n);
    }
    this.port = link.dma.port;
    this.dbStride = 4 << p.dstrd;
    this.timing = new SsdTimingModel(p.timing);
    this.wce = p.vwc;
    // CAP: MQES, CQR, TO = 15 (7.5 s); DSTRD, NSSRS, CSS = NVM, MPSMIN = 0, MPSMAX = 4.
    this.capLo = (p.mqes & 0xffff) | (1 << 16) | (0x0f << 24);
    this.capLo >>>= 0;
    this.capHi = (p.dstrd & 0xf) | (1 << 4) | (1 << 5) | (0 << 16) | (4 << 20);
    this.sub = link.registerBar({ read: (a, s) => this.mmioRead(a, s) }, (w) => {
      this.mmioWrite(w);
    });
  }

  /** The namespaces, by nsid. */
  namespace(nsid: number): NvmeNamespace | undefined {
    return this.ns.get(nsid);
  }

  /** Every namespace, in nsid order. */
  namespaceList(): NvmeNamespace[] {
    return [...this.ns.values()].sort((a, b) => a.nsid - b.nsid);
  }

  /** CSTS as the host would read it. */
  get status(): number {
    return this.csts;
  }

  /** Detaches from the link (device removal). */
  unrealize(): void {
    this.ctrlReset();
    this.sub?.unsubscribe();
    this.sub = undefined;
  }

  // ------------------------------------------------------------------------------------------------------------
  // MMIO

  private mmioRead(addr: number, size: number): number {
    if (addr >= NVME_REG_DBS || size !== 4) return 0;
    switch (addr) {
      case NVME_REG_CAP:
        return this.capLo;
      case NVME_REG_CAP + 4:
        return this.capHi;
      case NVME_REG_VS:
        return 0x00010400;
      case NVME_REG_INTMS:
      case NVME_REG_INTMC:
        return this.intms;
      case NVME_REG_CC:
        return this.cc;
      case NVME_REG_CSTS:
        return this.csts;
      case NVME_REG_NSSR:
        return 0;
      case NVME_REG_AQA:
        return this.aqa;
      case NVME_REG_ASQ:
        return this.asq >>> 0;
      case NVME_REG_ASQ + 4:
        return Math.floor(this.asq / 0x100000000);
      case NVME_REG_ACQ:
        return this.acq >>> 0;
      case NVME_REG_ACQ + 4:
        return Math.floor(this.acq / 0x100000000);
      default:
        return 0;
    }
  }

  /** Models `nvme_mmio_write()`: registers below 0x1000, doorbells above. */
  private mmioWrite(w: MmioWrite): void {
    const addr = mmioAddr(w);
    if (addr >= NVME_REG_DBS) {
      this.processDb(addr, mmioValue(w), mmioSize(w));
      return;
    }
    if (mmioSize(w) !== 4) return;
    const v = mmioValue(w);
    switch (addr) {
      case NVME_REG_INTMS:
        this.intms |= v;
        return;
      case NVME_REG_INTMC:
        this.intms &= ~v;
        return;
      case NVME_REG_CC: {
        const was = this.cc;
        this.cc = v;
        if ((was & NVME_CC_ENABLE) === 0 && (v & NVME_CC_ENABLE) !== 0) this.startCtrl();
        else if ((was & NVME_CC_ENABLE) !== 0 && (v & NVME_CC_ENABLE) === 0) {
          this.ctrlReset();
          this.cc = v;
        }
        if ((v & NVME_CC_SHN_MASK) !== 0) {
          this.shutdown();
          this.csts = (this.csts & ~0xc) | NVME_CSTS_SHST_CMPLT;
        } else {
          this.csts &= ~0xc;
        }
        return;
      }
      case NVME_REG_CSTS:
        if ((v & NVME_CSTS_NSSRO) !== 0) this.csts &= ~NVME_CSTS_NSSRO;
        return;
      case NVME_REG_NSSR:
        if (v === NVME_SUBSYS_RESET) {
          this.ctrlReset();
          this.csts |= NVME_CSTS_NSSRO;
        }
        return;
      case NVME_REG_AQA:
        this.aqa = v;
        return;
      case NVME_REG_ASQ:
        this.asq = Math.floor(this.asq / 0x100000000) * 0x100000000 + v;
        return;
      case NVME_REG_ASQ + 4:
        this.asq = (v & 0x1fffff) * 0x100000000 + (this.asq % 0x100000000);
        return;
      case NVME_REG_ACQ:
        this.acq = Math.floor(this.acq / 0x100000000) * 0x100000000 + v;
        return;
      case NVME_REG_ACQ + 4:
        this.acq = (v & 0x1fffff) * 0x100000000 + (this.acq % 0x100000000);
        return;
      default:
        return; // read-only or reserved: ignored
    }
  }

  /** Models `nvme_start_ctrl()`: checks, then creates the admin queues and sets CSTS.RDY. */
  private startCtrl(): void {
    const mps = (this.cc >>> NVME_CC_MPS_SHIFT) & 0xf;
    const page = 1 << (12 + mps);
    const css = (this.cc >>> 4) & 0x7;
    const asqs = this.aqa & 0xfff;
    const acqs = (this.aqa >>> 16) & 0xfff;
    const bad =
      this.sqs[0] !== undefined ||
      this.cqs[0] !== undefined ||
      this.asq % page !== 0 ||
      this.acq % page !== 0 ||
      css !== 0 ||
      mps > ((this.capHi >>> 20) & 0xf) ||
      asqs === 0 ||
      acqs === 0;
    if (bad) {
      this.csts = NVME_CSTS_CFS;
      this.log?.debug({ ctrl: this.name }, 'pci_nvme_err_startfail');
      return;
    }
    this.pageSize = page;
    this.timing.reset(this.sched.now());
    const cq = new NvmeCQueue(0, this.acq, acqs + 1, 0, true);
    this.cqs = [cq];
    this.sqs = [new NvmeSQueue(0, this.asq, asqs + 1, cq)];
    cq.sqCount = 1;
    this.port.busMaster = true;
    this.csts = NVME_CSTS_RDY;
  }

  /** Models `nvme_ctrl_reset()`: frees every queue, drops in-flight commands (no CQE, no DMA), clears state. */
  private ctrlReset(): void {
    for (const sq of this.sqs) if (sq !== undefined) this.dropRequests(sq);
    for (const cq of this.cqs) {
      if (cq?.irqTimer !== undefined) this.sched.cancel(cq.irqTimer);
    }
    this.sqs = [];
    this.cqs = [];
    this.aerReqs.length = 0;
    this.aerEvents.length = 0;
    this.coalesceThr = 0;
    this.coalesceTime = 0;
    this.coalesceDisabled.clear();
    this.wce = this.params.vwc;
    this.csts = 0;
    this.intms = 0;
    this.cc = 0;
    this.timing.reset(this.sched.now());
  }

  private dropRequests(sq: NvmeSQueue): void {
    for (const r of sq.reqs) {
      if (r.timer !== undefined) this.sched.cancel(r.timer);
      r.timer = undefined;
      r.inFlight = false;
    }
    sq.cq.pending.length = 0;
  }

  /** Models `nvme_ctrl_shutdown()`: flushes namespaces. */
  private shutdown(): void {
    for (const n of this.ns.values()) n.media.flush();
  }

  /** Fault F-N6 (or a fatal queue-memory DMA error): CSTS.CFS, no further fetches, postings or DMA. */
  private fatal(why: string): void {
    if ((this.csts & NVME_CSTS_CFS) !== 0) return;
    this.csts |= NVME_CSTS_CFS;
    for (const sq of this.sqs) if (sq !== undefined) this.dropRequests(sq);
    this.log?.debug({ ctrl: this.name, why }, 'pci_nvme_err_cfs');
  }

  private get running(): boolean {
    return (this.csts & (NVME_CSTS_RDY | NVME_CSTS_CFS)) === NVME_CSTS_RDY;
  }

  /** Models `nvme_process_db()`: validates and applies a doorbell store. */
  private processDb(addr: number, value: number, size: number): void {
    if (!this.running) return;
    const off = addr - NVME_REG_DBS;
    if (size !== 4 || off % this.dbStride !== 0) {
      this.badDoorbell(NVME_AER_INFO_ERR_INVALID_DB_REGISTER);
      return;
    }
    const idx = off / this.dbStride;
    const qid = idx >> 1;
    if ((idx & 1) !== 0) {
      const cq = this.cqs[qid];
      if (cq === undefined) {
        this.badDoorbell(NVME_AER_INFO_ERR_INVALID_DB_REGISTER);
        return;
      }
      if (value >= cq.size) {
        this.badDoorbell(NVME_AER_INFO_ERR_INVALID_DB_VALUE);
        return;
      }
      cq.head = value;
      if (cq.pending.length > 0 && !cq.bhScheduled) {
        cq.bhScheduled = true;
        this.sched.schedule(0, this.postFn, cq);
      }
    } else {
      const sq = this.sqs[qid];
      if (sq === undefined) {
        this.badDoorbell(NVME_AER_INFO_ERR_INVALID_DB_REGISTER);
        return;
      }
      if (value >= sq.size) {
        this.badDoorbell(NVME_AER_INFO_ERR_INVALID_DB_VALUE);
        return;
      }
      sq.tail = value;
      if (!sq.bhScheduled) {
        sq.bhScheduled = true;
        this.sched.schedule(0, this.processSqFn, sq);
      }
    }
  }

  private badDoorbell(info: number): void {
    this.stats.badDoorbells++;
    this.enqueueEvent(NVME_AER_TYPE_ERROR, info, NVME_LOG_ERROR);
  }

  // ------------------------------------------------------------------------------------------------------------
  // Submission

  /** Models `nvme_process_sq()`: fetches while the SQ is non-empty and a request object is free. */
  private processSq(sq: NvmeSQueue): void {
    sq.bhScheduled = false;
    while (this.running && this.sqs[sq.sqid] === sq && sq.head !== sq.tail && sq.free.length > 0) {
      const req = sq.free.pop() as NvmeRequest;
      if (this.port.dmaRead(sq.dmaAddr + sq.head * NVME_SQE_SIZE, req.sqe, 0, NVME_SQE_SIZE) !== 0) {
        sq.free.push(req);
        this.fatal(`SQ ${sq.sqid} entry ${sq.head} unreadable`);
        return;
      }
      sq.head = sq.head + 1 === sq.size ? 0 : sq.head + 1;
      this.stats.fetched++;
      req.inFlight = true;
      req.fetchedAt = this.sched.now();
      req.cid = req.cmd.getUint16(SQE.commandId, true);
      req.opcode = req.sqe[SQE.opcode] as number;
      req.status = 0;
      req.result = 0;
      req.ns = undefined;
      if (this.stuckNext > 0 && (this.stuckOpcode < 0 || this.stuckOpcode === req.opcode) && sq.sqid !== 0) {
        this.stuckNext--;
        continue; // F-N1: fetched, never completed
      }
      if (sq.sqid === 0) this.adminCmd(req);
      else this.ioCmd(req);
    }
  }

  /** Finishes `req` with `status` after the fixed controller overhead (validation failures, admin commands). */
  private finishAfterOverhead(req: NvmeRequest, status: number): void {
    req.status = status;
    const t = this.params.timing;
    req.timer = this.sched.schedule(t.fixedNs + t.completionNs, this.completeFn, req);
  }

  /** Maps the command's DPTR (PRP or SGL) for `len` bytes; returns a status. */
  private mapDptr(req: NvmeRequest, len: number, admin: boolean): number {
    const flags = req.sqe[SQE.flags] as number;
    const psdt = flags & NVME_CMD_SGL_ALL;
    if (psdt === 0) {
      return nvmeMapPrp(
        this.port,
        this.buf,
        this.bufView,
        req,
        getU64(req.cmd, SQE.prp1),
        getU64(req.cmd, SQE.prp2),
        len,
        this.pageSize,
      );
    }
    if (admin || !this.params.sgls || psdt === (NVME_CMD_SGL_METABUF | NVME_CMD_SGL_METASEG)) {
      return NVME_SC_INVALID_FIELD | NVME_STATUS_DNR;
    }
    this.stats.sglCommands++;
    return nvmeMapSgl(this.port, this.buf, this.bufView, req, req.cmd, SQE.sglAddr, len, false);
  }

  // ------------------------------------------------------------------------------------------------------------
  // Admin commands

  /** Models `nvme_admin_cmd()`. */
  private adminCmd(req: NvmeRequest): void {
    const flags = req.sqe[SQE.flags] as number;
    if ((flags & NVME_CMD_SGL_ALL) !== 0 || (flags & NVME_CMD_FUSE_MASK) !== 0) {
      this.finishAfterOverhead(req, NVME_SC_INVALID_FIELD | NVME_STATUS_DNR);
      return;
    }
    const c = req.cmd;
    const cdw10 = c.getUint32(SQE.cdw10, true);
    const cdw11 = c.getUint32(SQE.cdw11, true);
    switch (req.opcode) {
      case nvme_admin_identify: {
        this.identify(req, cdw10 & 0xff, c.getUint32(SQE.nsid, true));
        return;
      }
      case nvme_admin_create_cq: {
        this.finishAfterOverhead(req, this.createCq(getU64(c, SQE.prp1), cdw10 & 0xffff, cdw10 >>> 16, cdw11));
        return;
      }
      case nvme_admin_create_sq: {
        this.finishAfterOverhead(req, this.createSq(getU64(c, SQE.prp1), cdw10 & 0xffff, cdw10 >>> 16, cdw11));
        return;
      }
      case nvme_admin_delete_sq: {
        this.finishAfterOverhead(req, this.deleteSq(cdw10 & 0xffff));
        return;
      }
      case nvme_admin_delete_cq: {
        this.finishAfterOverhead(req, this.deleteCq(cdw10 & 0xffff));
        return;
      }
      case nvme_admin_set_features: {
        this.finishAfterOverhead(req, this.setFeatures(req, cdw10 & 0xff, cdw11));
        return;
      }
      case nvme_admin_get_features: {
        this.finishAfterOverhead(req, this.getFeatures(req, cdw10 & 0xff, cdw11));
        return;
      }
      case nvme_admin_abort_cmd: {
        this.finishAfterOverhead(req, this.abort(req, cdw10 & 0xffff, cdw10 >>> 16));
        return;
      }
      case nvme_admin_async_event:
        if (this.aerReqs.length > this.params.aerl) {
          this.finishAfterOverhead(req, NVME_SC_ASYNC_LIMIT | NVME_STATUS_DNR);
          return;
        }
        this.aerReqs.push(req);
        this.deliverEvents();
        return;
      case nvme_admin_get_log_page: {
        const lid = cdw10 & 0xff;
        const numd = ((cdw10 >>> 16) & 0xfff) + 1 + ((c.getUint32(SQE.cdw11, true) & 0xffff) << 12);
        if (lid < 1 || lid > 3) {
          this.finishAfterOverhead(req, NVME_SC_INVALID_FIELD | NVME_STATUS_DNR);
          return;
        }
        this.finishAfterOverhead(
          req,
          this.toHost(req, Math.min(numd * 4, PAGE_SIZE), () => undefined),
        );
        return;
      }
      default: {
        this.finishAfterOverhead(req, NVME_SC_INVALID_OPCODE | NVME_STATUS_DNR);
        return;
      }
    }
  }

  /** Copies a controller data structure (`len` ≤ 4096 bytes filled by `fill`) to the host through the DPTR. */
  private toHost(req: NvmeRequest, len: number, fill: (b: Uint8Array) => void): number {
    const s = this.mapDptr(req, len, true);
    if (s !== 0) return s;
    const data = new Uint8Array(len);
    fill(data);
    let off = 0;
    for (let i = 0; i < req.sgCount; i++) {
      const l = req.sgLen[i] as number;
      if (this.port.dmaWrite(req.sgAddr[i] as number, data, off, l) !== 0) return NVME_SC_DATA_XFER_ERROR;
      off += l;
    }
    return 0;
  }

  /** Models `nvme_identify()` for CNS 00h, 01h, 02h. */
  private identify(req: NvmeRequest, cns: number, nsid: number): void {
    let s: number;
    switch (cns) {
      case NVME_ID_CNS_CTRL:
        s = this.toHost(req, PAGE_SIZE, (b) => {
          this.identifyCtrl(b);
        });
        break;
      case NVME_ID_CNS_NS: {
        const n = this.ns.get(nsid);
        if (n === undefined) {
          s = NVME_SC_INVALID_NS | NVME_STATUS_DNR;
          break;
        }
        s = this.toHost(req, PAGE_SIZE, (b) => {
          n.identify(b);
        });
        break;
      }
      case NVME_ID_CNS_NS_ACTIVE_LIST:
        s = this.toHost(req, PAGE_SIZE, (b) => {
          const v = new DataView(b.buffer, b.byteOffset);
          let i = 0;
          for (const id of [...this.ns.keys()].sort((a, c) => a - c))
            if (id > nsid && i < 1024) v.setUint32(4 * i++, id, true);
        });
        break;
      default:
        s = NVME_SC_INVALID_FIELD | NVME_STATUS_DNR;
    }
    this.finishAfterOverhead(req, s);
  }

  private identifyCtrl(b: Uint8Array): void {
    const v = new DataView(b.buffer, b.byteOffset);
    const p = this.params;
    v.setUint16(ID_CTRL.vid, 0x1b36, true);
    v.setUint16(ID_CTRL.ssvid, 0x1af4, true);
    const str = (off: number, n: number, s: string): void => {
      for (let i = 0; i < n; i++) b[off + i] = i < s.length ? s.charCodeAt(i) & 0x7f : 0x20;
    };
    str(ID_CTRL.sn, 20, p.serial);
    str(ID_CTRL.mn, 40, p.model);
    str(ID_CTRL.fr, 8, p.firmware);
    b[ID_CTRL.rab] = 6;
    b[ID_CTRL.mdts] = p.mdts;
    v.setUint32(ID_CTRL.ver, 0x00010400, true);
    b[ID_CTRL.acl] = p.acl;
    b[ID_CTRL.aerl] = p.aerl;
    b[ID_CTRL.sqes] = (6 << 4) | 6;
    b[ID_CTRL.cqes] = (4 << 4) | 4;
    v.setUint32(ID_CTRL.nn, Math.max(0, ...this.ns.keys()), true);
    v.setUint16(
      ID_CTRL.oncs,
      NVME_CTRL_ONCS_COMPARE | NVME_CTRL_ONCS_WRITE_UNCORRECTABLE | NVME_CTRL_ONCS_DSM | NVME_CTRL_ONCS_WRITE_ZEROES,
      true,
    );
    b[ID_CTRL.vwc] = p.vwc ? NVME_CTRL_VWC_PRESENT : 0;
    v.setUint32(ID_CTRL.sgls, p.sgls ? NVME_CTRL_SGLS_BYTE_ALIGNED : 0, true);
  }

  /** Models `nvme_create_cq()`. */
  private createCq(prp1: number, qid: number, qsize: number, cdw11: number): number {
    const vector = cdw11 >>> 16;
    if (qid === 0 || qid > this.params.maxIoQueues || this.cqs[qid] !== undefined)
      return NVME_SC_QID_INVALID | NVME_STATUS_DNR;
    if (qsize === 0 || qsize > (this.capLo & 0xffff)) return NVME_SC_QUEUE_SIZE | NVME_STATUS_DNR;
    if (!(prp1 >= 0) || prp1 % this.pageSize !== 0) return NVME_SC_PRP_INVALID_OFFSET | NVME_STATUS_DNR;
    if (vector >= this.params.msixVectors) return NVME_SC_INVALID_VECTOR | NVME_STATUS_DNR;
    if ((cdw11 & NVME_QUEUE_PHYS_CONTIG) === 0) return NVME_SC_INVALID_FIELD | NVME_STATUS_DNR;
    this.cqs[qid] = new NvmeCQueue(qid, prp1, qsize + 1, vector, (cdw11 & NVME_CQ_IRQ_ENABLED) !== 0);
    return 0;
  }

  /** Models `nvme_create_sq()`. */
  private createSq(prp1: number, qid: number, qsize: number, cdw11: number): number {
    const cqid = cdw11 >>> 16;
    const cq = this.cqs[cqid];
    if (cqid === 0 || cq === undefined) return NVME_SC_CQ_INVALID | NVME_STATUS_DNR;
    if (qid === 0 || qid > this.params.maxIoQueues || this.sqs[qid] !== undefined)
      return NVME_SC_QID_INVALID | NVME_STATUS_DNR;
    if (qsize === 0 || qsize > (this.capLo & 0xffff)) return NVME_SC_QUEUE_SIZE | NVME_STATUS_DNR;
    if (!(prp1 >= 0) || prp1 % this.pageSize !== 0) return NVME_SC_PRP_INVALID_OFFSET | NVME_STATUS_DNR;
    if ((cdw11 & NVME_QUEUE_PHYS_CONTIG) === 0) return NVME_SC_INVALID_FIELD | NVME_STATUS_DNR;
    this.sqs[qid] = new NvmeSQueue(qid, prp1, qsize + 1, cq);
    cq.sqCount++;
    return 0;
  }

  /** Models `nvme_del_sq()`: outstanding commands complete with Command Aborted due to SQ Deletion. */
  private deleteSq(qid: number): number {
    const sq = this.sqs[qid];
    if (qid === 0 || sq === undefined) return NVME_SC_QID_INVALID | NVME_STATUS_DNR;
    const cq = sq.cq;
    for (const r of sq.reqs) {
      if (!r.inFlight || cq.pending.includes(r)) continue;
      if (r.timer !== undefined) this.sched.cancel(r.timer);
      r.timer = undefined;
      r.status = NVME_SC_ABORT_QUEUE;
      r.result = 0;
      cq.pending.push(r);
    }
    this.postCqes(cq);
    // Completions that did not fit (CQ full) go with the queue.
    const keep = cq.pending.filter((r) => r.sq !== sq);
    cq.pending.length = 0;
    cq.pending.push(...keep);
    for (const r of sq.reqs) r.inFlight = false;
    this.sqs[qid] = undefined;
    cq.sqCount--;
    return 0;
  }

  /** Models `nvme_del_cq()`. */
  private deleteCq(qid: number): number {
    const cq = this.cqs[qid];
    if (qid === 0 || cq === undefined) return NVME_SC_QID_INVALID | NVME_STATUS_DNR;
    if (cq.sqCount > 0) return NVME_SC_INVALID_QUEUE;
    if (cq.irqTimer !== undefined) this.sched.cancel(cq.irqTimer);
    this.cqs[qid] = undefined;
    return 0;
  }

  /** Models `nvme_set_feature()` for the features the emulator implements. */
  private setFeatures(req: NvmeRequest, fid: number, cdw11: number): number {
    switch (fid) {
      case NVME_FEAT_NUM_QUEUES: {
        if ((cdw11 & 0xffff) === 0xffff || cdw11 >>> 16 === 0xffff) return NVME_SC_INVALID_FIELD | NVME_STATUS_DNR;
        const n = this.params.maxIoQueues - 1;
        req.result = (n | (n << 16)) >>> 0;
        return 0;
      }
      case NVME_FEAT_IRQ_COALESCE:
        this.coalesceThr = cdw11 & 0xff;
        this.coalesceTime = (cdw11 >>> 8) & 0xff;
        return 0;
      case NVME_FEAT_IRQ_CONFIG: {
        const iv = cdw11 & 0xffff;
        if (iv >= this.params.msixVectors) return NVME_SC_INVALID_FIELD | NVME_STATUS_DNR;
        if ((cdw11 & 0x10000) !== 0) this.coalesceDisabled.add(iv);
        else this.coalesceDisabled.delete(iv);
        return 0;
      }
      case NVME_FEAT_VOLATILE_WC:
        if (!this.params.vwc) return NVME_SC_INVALID_FIELD | NVME_STATUS_DNR;
        this.wce = (cdw11 & 1) !== 0;
        if (!this.wce) for (const n of this.ns.values()) n.media.flush();
        return 0;
      default:
        return NVME_SC_INVALID_FIELD | NVME_STATUS_DNR;
    }
  }

  /** Models `nvme_get_feature()`. */
  private getFeatures(req: NvmeRequest, fid: number, cdw11: number): number {
    switch (fid) {
      case NVME_FEAT_NUM_QUEUES: {
        const n = this.params.maxIoQueues - 1;
        req.result = (n | (n << 16)) >>> 0;
        return 0;
      }
      case NVME_FEAT_IRQ_COALESCE:
        req.result = this.coalesceThr | (this.coalesceTime << 8);
        return 0;
      case NVME_FEAT_IRQ_CONFIG: {
        const iv = cdw11 & 0xffff;
        req.result = iv | (this.coalesceDisabled.has(iv) ? 0x10000 : 0);
        return 0;
      }
      case NVME_FEAT_VOLATILE_WC:
        if (!this.params.vwc) return NVME_SC_INVALID_FIELD | NVME_STATUS_DNR;
        req.result = this.wce ? 1 : 0;
        return 0;
      default:
        return NVME_SC_INVALID_FIELD | NVME_STATUS_DNR;
    }
  }

  /** Models `nvme_abort()`: DW0 bit 0 = 0 if the command was aborted (completed with Aborted by Request). */
  private abort(req: NvmeRequest, sqid: number, cid: number): number {
    req.result = 1;
    const sq = this.sqs[sqid];
    if (sq === undefined) return NVME_SC_INVALID_FIELD | NVME_STATUS_DNR;
    if (!this.params.honourAbort) return 0;
    if (sqid === 0) {
      const i = this.aerReqs.findIndex((r) => r.cid === cid);
      if (i >= 0) {
        const r = this.aerReqs.splice(i, 1)[0] as NvmeRequest;
        r.status = NVME_SC_ABORT_REQ;
        this.enqueueCompletion(r);
        req.result = 0;
      }
      return 0;
    }
    for (const r of sq.reqs) {
      if (r.inFlight && r.cid === cid && !sq.cq.pending.includes(r)) {
        if (r.timer !== undefined) this.sched.cancel(r.timer);
        r.timer = undefined;
        r.status = NVME_SC_ABORT_REQ;
        r.result = 0;
        this.enqueueCompletion(r);
        req.result = 0;
        break;
      }
    }
    return 0;
  }

  /** Queues an asynchronous event and completes an outstanding AER if there is one. */
  private enqueueEvent(type: number, info: number, log: number): void {
    if (this.aerEvents.length < 64) this.aerEvents.push(type | (info << 8) | (log << 16));
    this.deliverEvents();
  }

  private deliverEvents(): void {
    while (this.aerEvents.length > 0 && this.aerReqs.length > 0) {
      const r = this.aerReqs.shift() as NvmeRequest;
      r.result = this.aerEvents.shift() as number;
      r.status = 0;
      const t = this.params.timing;
      r.timer = this.sched.schedule(t.completionNs, this.completeFn, r);
    }
  }

  // ------------------------------------------------------------------------------------------------------------
  // I/O commands

  /** Models `nvme_io_cmd()`: validation (NV-8.3 order), data pointer decoding, then the timing model. */
  private ioCmd(req: NvmeRequest): void {
    const c = req.cmd;
    const flags = req.sqe[SQE.flags] as number;
    if ((flags & NVME_CMD_FUSE_MASK) !== 0) {
      this.finishAfterOverhead(req, NVME_SC_INVALID_FIELD | NVME_STATUS_DNR);
      return;
    }
    const nsid = c.getUint32(SQE.nsid, true);
    const op = req.opcode;
    if (op === nvme_cmd_flush && nsid === 0xffffffff) {
      this.schedule(req, TIMING_FLUSH, 0, 0);
      return;
    }
    const ns = this.ns.get(nsid);
    if (ns === undefined) {
      this.finishAfterOverhead(req, NVME_SC_INVALID_NS | NVME_STATUS_DNR);
      return;
    }
    req.ns = ns;
    switch (op) {
      case nvme_cmd_flush: {
        this.schedule(req, TIMING_FLUSH, 0, 0);
        return;
      }
      case nvme_cmd_read:
      case nvme_cmd_write:
      case nvme_cmd_compare: {
        const slba = getU64(c, SQE.slba);
        const nlb = c.getUint16(SQE.length, true) + 1;
        const len = nlb << ns.lbaShift;
        const mdts = this.params.mdts;
        if (mdts > 0 && len > PAGE_SIZE * (1 << mdts)) {
          this.finishAfterOverhead(req, NVME_SC_INVALID_FIELD | NVME_STATUS_DNR);
          return;
        }
        if (!(slba >= 0) || slba + nlb > ns.nsze) {
          this.finishAfterOverhead(req, NVME_SC_LBA_RANGE | NVME_STATUS_DNR);
          return;
        }
        const s = this.mapDptr(req, len, false);
        if (s !== 0) {
          this.finishAfterOverhead(req, s);
          return;
        }
        req.slba = slba;
        req.nlb = nlb;
        this.schedule(
          req,
          op === nvme_cmd_write ? TIMING_WRITE : TIMING_READ,
          ns.base + slba * (1 << ns.lbaShift),
          len,
        );
        return;
      }
      case nvme_cmd_write_zeroes:
      case nvme_cmd_write_uncor: {
        const slba = getU64(c, SQE.slba);
        const nlb = c.getUint16(SQE.length, true) + 1;
        if (!(slba >= 0) || slba + nlb > ns.nsze) {
          this.finishAfterOverhead(req, NVME_SC_LBA_RANGE | NVME_STATUS_DNR);
          return;
        }
        req.slba = slba;
        req.nlb = nlb;
        this.schedule(req, TIMING_ZEROES, ns.base + slba * (1 << ns.lbaShift), nlb << ns.lbaShift);
        return;
      }
      case nvme_cmd_dsm: {
        const nr = (c.getUint32(SQE.cdw10, true) & 0xff) + 1;
        const s = this.mapDptr(req, nr * NVME_DSM_RANGE_SIZE, false);
        if (s !== 0) {
          this.finishAfterOverhead(req, s);
          return;
        }
        req.slba = 0;
        req.nlb = nr;
        this.schedule(req, TIMING_ZEROES, ns.base, 0);
        return;
      }
      default: {
        this.finishAfterOverhead(req, NVME_SC_INVALID_OPCODE | NVME_STATUS_DNR);
        return;
      }
    }
  }

  private schedule(req: NvmeRequest, op: number, off: number, len: number): void {
    const inj = this.statusNext;
    if (inj !== undefined && (inj.opcode < 0 || inj.opcode === req.opcode)) {
      if (--inj.count <= 0) this.statusNext = undefined;
      this.finishAfterOverhead(req, inj.status);
      return;
    }
    const now = this.sched.now();
    const at = this.timing.service(op, off, len, now);
    req.timer = this.sched.scheduleAt(at, this.completeFn, req);
  }

  /** A command's completion event: moves the data (media ↔ host), then posts the CQE. */
  private complete(req: NvmeRequest): void {
    req.timer = undefined;
    if (!req.inFlight) return;
    if (req.status === 0 && req.sq.sqid !== 0) this.execute(req);
    this.enqueueCompletion(req);
  }

  /** Executes an I/O command against the media at its completion time (data moves here, one copy). */
  private execute(req: NvmeRequest): void {
    const ns = req.ns;
    if (ns === undefined) {
      if (req.opcode === nvme_cmd_flush) for (const n of this.ns.values()) n.media.flush();
      return;
    }
    const shift = ns.lbaShift;
    switch (req.opcode) {
      case nvme_cmd_flush:
        ns.media.flush();
        return;
      case nvme_cmd_read:
        if (ns.isUncorrectable(req.slba, req.nlb)) {
          req.status = NVME_SC_READ_ERROR | NVME_STATUS_DNR;
          return;
        }
        req.sgIdx = 0;
        req.sgOff = 0;
        req.dmaResult = 0;
        this.xfer = req;
        ns.media.readSpans(req.slba * (1 << shift), req.nlb << shift, this.toHostFn);
        if (req.dmaResult !== 0) req.status = NVME_SC_DATA_XFER_ERROR;
        return;
      case nvme_cmd_write:
        if (ns.isWriteFault(req.slba, req.nlb)) {
          req.status = NVME_SC_WRITE_FAULT | NVME_STATUS_DNR;
          return;
        }
        req.sgIdx = 0;
        req.sgOff = 0;
        req.dmaResult = 0;
        this.xfer = req;
        ns.media.writeSpans(req.slba * (1 << shift), req.nlb << shift, this.fromHostFn);
        if (req.dmaResult !== 0) req.status = NVME_SC_DATA_XFER_ERROR;
        else {
          ns.clearUncorrectable(req.slba, req.nlb);
          if (!this.wce) ns.media.flush();
        }
        return;
      case nvme_cmd_compare: {
        const len = req.nlb << shift;
        const host = new Uint8Array(len);
        req.sgIdx = 0;
        req.sgOff = 0;
        req.dmaResult = 0;
        this.fromHostSpan(req, host, 0, len);
        if (req.dmaResult !== 0) {
          req.status = NVME_SC_DATA_XFER_ERROR;
          return;
        }
        const media = new Uint8Array(len);
        ns.media.read(req.slba * (1 << shift), media, 0, len);
        for (let i = 0; i < len; i++) {
          if (media[i] !== host[i]) {
            req.status = NVME_SC_COMPARE_FAILED | NVME_STATUS_DNR;
            return;
          }
        }
        return;
      }
      case nvme_cmd_write_zeroes:
        ns.media.writeZeroes(req.slba * (1 << shift), req.nlb << shift);
        ns.clearUncorrectable(req.slba, req.nlb);
        if ((req.cmd.getUint16(SQE.control, true) & NVME_WZ_DEAC) !== 0)
          ns.media.discard(req.slba * (1 << shift), req.nlb << shift);
        return;
      case nvme_cmd_write_uncor:
        ns.markUncorrectable(req.slba, req.nlb);
        return;
      case nvme_cmd_dsm: {
        const nr = req.nlb;
        const ranges = new Uint8Array(nr * NVME_DSM_RANGE_SIZE);
        req.sgIdx = 0;
        req.sgOff = 0;
        req.dmaResult = 0;
        this.fromHostSpan(req, ranges, 0, ranges.length);
        if (req.dmaResult !== 0) {
          req.status = NVME_SC_DATA_XFER_ERROR;
          return;
        }
        if ((req.cmd.getUint32(SQE.cdw11, true) & NVME_DSMGMT_AD) === 0) return;
        const v = new DataView(ranges.buffer);
        for (let i = 0; i < nr; i++) {
          const nlb = v.getUint32(i * 16 + 4, true);
          const slba = getU64(v, i * 16 + 8);
          if (nlb === 0 || !(slba >= 0) || slba + nlb > ns.nsze) continue; // QEMU skips bad ranges
          ns.media.discard(slba * (1 << shift), nlb << shift);
          ns.clearUncorrectable(slba, nlb);
        }
        return;
      }
      default:
        return;
    }
  }

  /** Device → host: writes `n` bytes of `b` to the request's scatter list at its cursor. */
  private toHostSpan(req: NvmeRequest, b: Uint8Array, bo: number, n: number): boolean {
    return this.dmaSpan(req, b, bo, n, true);
  }

  /** Host → device: fills `n` bytes of `b` from the request's scatter list at its cursor. */
  private fromHostSpan(req: NvmeRequest, b: Uint8Array, bo: number, n: number): boolean {
    return this.dmaSpan(req, b, bo, n, false);
  }

  /**
   * Moves `n` bytes between `b` and the request's scatter list at its cursor, advancing the cursor; `toHost`
   * picks the direction. On a DMA error records it in `req.dmaResult` and stops.
   */
  private dmaSpan(req: NvmeRequest, b: Uint8Array, bo: number, n: number, toHost: boolean): boolean {
    let done = 0;
    while (done < n) {
      const i = req.sgIdx;
      const left = (req.sgLen[i] as number) - req.sgOff;
      const k = Math.min(left, n - done);
      const addr = (req.sgAddr[i] as number) + req.sgOff;
      const r = toHost ? this.port.dmaWrite(addr, b, bo + done, k) : this.port.dmaRead(addr, b, bo + done, k);
      if (r !== 0) {
        req.dmaResult = r;
        return false;
      }
      done += k;
      if (k === left) {
        req.sgIdx = i + 1;
        req.sgOff = 0;
      } else req.sgOff += k;
    }
    return true;
  }

  // ------------------------------------------------------------------------------------------------------------
  // Completion

  /** Models `nvme_enqueue_req_completion()`; we are in a scheduler event, so posting happens at once. */
  private enqueueCompletion(req: NvmeRequest): void {
    const cq = req.sq.cq;
    cq.pending.push(req);
    this.postCqes(cq);
  }

  /** Models `nvme_post_cqes()`: writes CQEs while the CQ has room, then interrupts once for the batch. */
  private postCqes(cq: NvmeCQueue): void {
    if (!this.running || this.cqs[cq.cqid] !== cq) return;
    let posted = 0;
    const v = this.cqeView;
    while (cq.pending.length > 0 && !cq.full()) {
      const req = cq.pending.shift() as NvmeRequest;
      v.setUint32(CQE.result, req.result >>> 0, true);
      v.setUint32(CQE.result1, 0, true);
      v.setUint16(CQE.sqHead, req.sq.head, true);
      v.setUint16(CQE.sqId, req.sq.sqid, true);
      v.setUint16(CQE.commandId, req.cid, true);
      v.setUint16(CQE.status, ((req.status << 1) | cq.phase) & 0xffff, true);
      if (this.port.dmaWrite(cq.dmaAddr + cq.tail * NVME_CQE_SIZE, this.cqe, 0, NVME_CQE_SIZE) !== 0) {
        this.fatal(`CQ ${cq.cqid} slot ${cq.tail} unwritable`);
        return;
      }
      if (++cq.tail === cq.size) {
        cq.tail = 0;
        cq.phase ^= 1;
      }
      posted++;
      this.stats.posted++;
      req.inFlight = false;
      const sq = req.sq;
      if (this.dupCqes > 0 && !cq.full()) {
        // F-N8: a stale duplicate of the same CQE in the next slot.
        this.dupCqes--;
        v.setUint16(CQE.status, ((req.status << 1) | cq.phase) & 0xffff, true);
        if (this.port.dmaWrite(cq.dmaAddr + cq.tail * NVME_CQE_SIZE, this.cqe, 0, NVME_CQE_SIZE) === 0) {
          if (++cq.tail === cq.size) {
            cq.tail = 0;
            cq.phase ^= 1;
          }
        }
      }
      if (this.sqs[sq.sqid] === sq) {
        const stalled = sq.free.length === 0;
        sq.free.push(req);
        if (stalled && !sq.empty() && !sq.bhScheduled) {
          sq.bhScheduled = true;
          this.sched.schedule(0, this.processSqFn, sq);
        }
      }
    }
    if (posted > 0) this.irq(cq, posted);
  }

  /** Raises the CQ's MSI-X vector, honouring IEN, lost-interrupt injection and interrupt coalescing. */
  private irq(cq: NvmeCQueue, posted: number): void {
    if (!cq.irqEnabled) return;
    if (cq.cqid !== 0 && (this.coalesceThr > 0 || this.coalesceTime > 0) && !this.coalesceDisabled.has(cq.vector)) {
      cq.irqPending += posted;
      if (cq.irqPending < this.coalesceThr + 1) {
        if (this.coalesceTime > 0) {
          cq.irqTimer ??= this.sched.schedule(this.coalesceTime * 100_000, () => {
            cq.irqTimer = undefined;
            if (cq.irqPending > 0 && this.cqs[cq.cqid] === cq) this.fireIrq(cq);
          });
        }
        return;
      }
    }
    this.fireIrq(cq);
  }

  private fireIrq(cq: NvmeCQueue): void {
    cq.irqPending = 0;
    if (cq.irqTimer !== undefined) {
      this.sched.cancel(cq.irqTimer);
      cq.irqTimer = undefined;
    }
    if (this.lostIrqs > 0) {
      this.lostIrqs--;
      return;
    }
    this.stats.interrupts++;
    this.link.msixNotify(cq.vector);
  }

  // ------------------------------------------------------------------------------------------------------------
  // Fault injection (F-N1 … F-N9); all take effect at the current virtual time.

  /** F-N1: the next `count` I/O commands (of `opcode`, or any) are fetched but never completed. */
  injectTimeout(count: number, opcode = -1): void {
    this.stuckNext += count;
    this.stuckOpcode = opcode;
  }

  /** F-N2: the next `count` MSI-X messages are lost (the CQEs are posted). */
  injectLostInterrupt(count: number): void {
    this.lostIrqs += count;
  }

  /** F-N4 (and any status): the next `count` I/O commands (of `opcode`, or any) complete with `status`. */
  injectStatus(status: number, count = 1, opcode = -1): void {
    this.statusNext = { status, count, opcode };
  }

  /** F-N6: the controller becomes fatal (CSTS.CFS). */
  injectFatal(): void {
    this.fatal('injected');
  }

  /** F-N8: the next `count` CQEs are followed by a stale duplicate. */
  injectDuplicateCqe(count: number): void {
    this.dupCqes += count;
  }

  /**
   * F-N9: power loss. Writes not yet flushed from a volatile write cache are lost, and every command in flight
   * completes with Aborted Power Loss.
   */
  injectPowerLoss(): void {
    for (const n of this.ns.values()) if (n.media instanceof VolatileWriteCache) n.media.powerLoss();
    for (const sq of this.sqs) {
      if (sq === undefined || sq.sqid === 0) continue;
      for (const r of sq.reqs) {
        if (r.inFlight && r.timer !== undefined) {
          this.sched.cancel(r.timer);
          r.timer = undefined;
          r.status = NVME_SC_POWER_LOSS;
          this.enqueueCompletion(r);
        }
      }
    }
  }

  /** Timer handles of commands in flight (tests). */
  inFlight(): number {
    let n = 0;
    for (const sq of this.sqs) if (sq !== undefined) for (const r of sq.reqs) if (r.inFlight) n++;
    return n;
  }
}
