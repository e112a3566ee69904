/**
 * The nvme-pci host driver (drivers/nvme/host/pci.c): queues in coherent DMA memory, doorbells, MSI-X completion
 * handling, PRP/SGL building, timeouts, aborts and controller resets — a blk-mq driver that reaches its controller
 * only through a {@link PciLink}.
 * @packageDocumentation
 */
import {
  BLK_EH_DONE,
  BLK_EH_RESET_TIMER,
  BLK_FEAT_FUA,
  BLK_FEAT_WRITE_CACHE,
  BLK_MQ_MAX_DEPTH,
  BLK_STS_IOERR,
  BLK_STS_OK,
  BLK_STS_RESOURCE,
  MQ_RQ_IN_FLIGHT,
  REQ_OP_DISCARD,
  REQ_OP_DRV_IN,
  REQ_OP_DRV_OUT,
  REQ_OP_FLUSH,
  REQ_OP_MASK,
  REQ_OP_READ,
  REQ_OP_WRITE,
  REQ_OP_WRITE_ZEROES,
  RQ_END_IO_FREE,
  blkExecuteRqNowait,
  blkMqAllocDisk,
  blkMqAllocQueue,
  blkMqAllocRequest,
  blkMqAllocTagSet,
  blkMqCompleteRequest,
  blkMqDestroyQueue,
  blkMqEndRequest,
  blkMqFreeTagSet,
  blkMqKickRequeueList,
  blkMqQuiesceQueue,
  blkMqRequeueRequest,
  blkMqStartRequest,
  blkMqTagToRq,
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
  type RequestQueue,
  type Scatterlist as BlkScatterlist,
} from '@stackemu/block';
import { EIO, ENODEV, ENOMEM, Errno, ETIMEDOUT, type EventBus, type Logger, type Topic } from '@stackemu/core';
import type { Subscription } from 'rxjs';
import type { PciLink } from '../../bus/pci-link.js';
import { DMA_FROM_DEVICE, DMA_TO_DEVICE, type DmaDataDirection } from '../../dma/dma-direction.js';
import { DmaPool } from '../../dma/dmapool.js';
import {
  dmaAllocCoherent,
  dmaFreeCoherent,
  dmaMapPage,
  dmaMapSg,
  dmaMappingError,
  dmaMaxMappingSize,
  dmaSetMinAlignMask,
  dmaUnmapPage,
  dmaUnmapSg,
  type DmaCoherent,
} from '../../dma/mapping.js';
import { Scatterlist } from '../../dma/scatterlist.js';
import type { PhysMemPort } from '../../internal/mm-port.js';
import {
  nvmeAsyncEvent,
  nvmeCompleteRq,
  nvmeSetupCmd,
  nvmeSq,
  type NvmeCompleteRqEntry,
  type NvmeSetupCmdEntry,
  type NvmeSqEntry,
  type NvmeAsyncEventEntry,
} from '../../trace/nvme.js';
import {
  CQE,
  ID_CTRL,
  ID_NS,
  NVME_AQ_DEPTH,
  NVME_CC_CSS_NVM,
  NVME_CC_ENABLE,
  NVME_CC_IOCQES,
  NVME_CC_IOSQES,
  NVME_CC_MPS_SHIFT,
  NVME_CC_SHN_NORMAL,
  NVME_CQ_IRQ_ENABLED,
  NVME_CQE_SIZE,
  NVME_CSTS_CFS,
  NVME_CSTS_NSSRO,
  NVME_CSTS_RDY,
  NVME_CTRL_ONCS_DSM,
  NVME_CTRL_ONCS_WRITE_ZEROES,
  NVME_CTRL_PAGE_SIZE,
  NVME_CTRL_VWC_PRESENT,
  NVME_DSM_MAX_RANGES,
  NVME_FEAT_NUM_QUEUES,
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
  NVME_SC_HOST_ABORTED_CMD,
  NVME_SGL_DESC_SIZE,
  NVME_SGL_TYPE_DATA_BLOCK,
  NVME_SGL_TYPE_LAST_SEGMENT,
  NVME_SQE_SIZE,
  NVME_SQ_PRIO_MEDIUM,
  SQE,
  getU64,
  nvmeCapMqes,
  nvmeCapStride,
  nvmeCapTimeout,
  nvme_admin_abort_cmd,
  nvme_admin_async_event,
  nvme_admin_create_cq,
  nvme_admin_create_sq,
  nvme_admin_delete_cq,
  nvme_admin_delete_sq,
  nvme_admin_identify,
  nvme_admin_set_features,
  nvmeStatusName,
  setU64,
} from '../nvme.js';
import {
  NVME_MAX_RETRIES_DEFAULT,
  NVME_REQ_CANCELLED,
  nvmeCid,
  nvmeDecideDisposition,
  nvmeErrorStatus,
  nvmeGenctrFromCid,
  nvmeInitCmd,
  nvmeRetryDelayNs,
  nvmeSetupDiscard,
  nvmeSetupFlush,
  nvmeSetupRw,
  nvmeSetupWriteZeroes,
  nvmeTagFromCid,
  type NvmeCtrlState,
  type NvmeRequestState,
} from './core.js';

/** Models `NVME_PCI_MIN_QUEUE_SIZE`. */
export const NVME_PCI_MIN_QUEUE_SIZE = 2;
/** Models `NVME_PCI_MAX_QUEUE_SIZE`. */
export const NVME_PCI_MAX_QUEUE_SIZE = 4095;
/** Models `NVME_MAX_BYTES` (6.18): 8 MiB per request. */
export const NVME_MAX_BYTES = 8 << 20;
/** Models `NVME_MAX_SEGS` (6.18): one page of SGL descriptors. */
export const NVME_MAX_SEGS = NVME_CTRL_PAGE_SIZE / NVME_SGL_DESC_SIZE;
/** Models `NVME_SMALL_POOL_SIZE`: PRP/SGL lists up to 256 bytes come from the small pool. */
export const NVME_SMALL_POOL_SIZE = 256;
/** Models `NVME_NR_AEN_COMMANDS`. */
export const NVME_NR_AEN_COMMANDS = 1;
/** Models `NVME_AQ_BLK_MQ_DEPTH`: admin tags (AEN commands use the CIDs above). */
export const NVME_AQ_BLK_MQ_DEPTH = NVME_AQ_DEPTH - NVME_NR_AEN_COMMANDS;
/** Models `NVME_AQ_MQ_TAG_DEPTH`. */
export const NVME_AQ_MQ_TAG_DEPTH = NVME_AQ_BLK_MQ_DEPTH - 1;

/** nvme-pci module parameters (and nvme_core's timeouts and retries) as the driver instance uses them. */
export interface NvmePciParams {
  /** `io_queue_depth` (2..4095): entries per I/O queue before CAP.MQES clamps it; default 1024. */
  readonly ioQueueDepth: number;
  /** `nvme_core.io_timeout` in ns: default 30 s. */
  readonly ioTimeoutNs: number;
  /** `nvme_core.admin_timeout` in ns: default 60 s. */
  readonly adminTimeoutNs: number;
  /** `nvme_core.max_retries`: default 5. */
  readonly maxRetries: number;
  /** `sgl_threshold`: use SGLs when the average segment is at least this (0 disables); default 32 KiB. */
  readonly sglThreshold: number;
  /** I/O queues to ask for (default: one per CPU, as `num_possible_cpus()`). */
  readonly nrIoQueues?: number;
  /** Controller instance: the N of nvmeN and of its disks nvmeNnM. */
  readonly instance: number;
}

/** Defaults of {@link NvmePciParams} (upstream 6.18 module defaults). */
export const DEFAULT_NVME_PCI_PARAMS: NvmePciParams = Object.freeze({
  ioQueueDepth: 1024,
  ioTimeoutNs: 30_000_000_000,
  adminTimeoutNs: 60_000_000_000,
  maxRetries: NVME_MAX_RETRIES_DEFAULT,
  sglThreshold: 32 * 1024,
  instance: 0,
});

const IOD_ABORTED = 1 << 0;
const IOD_SMALL = 1 << 1;
const PAGE_SIZE = 4096;

/**
 * Models `struct nvme_iod` (drivers/nvme/host/pci.c) with the embedded `struct nvme_request`: the command being
 * built and the DMA state of its data (PRP/SGL list blocks, the mapped scatter list).
 */
export class NvmeIod implements NvmeRequestState {
  readonly cmd = new Uint8Array(NVME_SQE_SIZE);
  readonly cmdView = new DataView(this.cmd.buffer);
  status = 0;
  result = 0;
  retries = 0;
  genctr = 0;
  flags = 0;
  /** `IOD_ABORTED` etc. */
  iodFlags = 0;
  /** SGL instead of PRPs. */
  useSgl = false;
  /** Entries given to `dma_map_sg()` (0: single-segment mapping or no data). */
  nents = 0;
  /** Length of a single-segment mapping (`iod->dma_len`), 0 if none. */
  dmaLen = 0;
  /** Address of a single-segment mapping. */
  dmaAddr = 0;
  /** DMA direction of the data. */
  dir: DmaDataDirection = DMA_TO_DEVICE;
  /** PRP/SGL list blocks allocated (from the small or the page pool). */
  readonly lists: number[] = [];
  /** Block-layer scatter list (`blk_rq_map_sg()` output), reused. */
  readonly bsg: BlkScatterlist[] = [];
  /** DMA scatter list, created on the first multi-segment request and reused. */
  sg: Scatterlist | undefined;
  /** DSM range block (discard), or -1. */
  discardBlock = -1;
  /** A coherent buffer for admin data (Identify), if any. */
  adminBuf: DmaCoherent | undefined;
}

/** Models `struct nvme_queue`: one SQ/CQ pair in coherent memory. */
export class NvmeQueue {
  /** `sq_tail`. */
  sqTail = 0;
  /** `last_sq_tail`: the tail at the last doorbell. */
  lastSqTail = 0;
  /** `cq_head`. */
  cqHead = 0;
  /** `cq_phase`: the phase expected next. */
  cqPhase = 1;
  /** `NVMEQ_ENABLED`. */
  enabled = false;
  /** CQ entries consumed since the last head doorbell. */
  private readonly cqe = new Uint8Array(NVME_CQE_SIZE);
  /** The CQE last read. */
  readonly cqeView = new DataView(this.cqe.buffer);

  constructor(
    /** The controller. */
    readonly dev: NvmeDev,
    /** Queue id. */
    readonly qid: number,
    /** Entries. */
    readonly qDepth: number,
    /** SQ ring memory. */
    readonly sq: DmaCoherent,
    /** CQ ring memory. */
    readonly cq: DmaCoherent,
    /** MSI-X vector. */
    readonly cqVector: number,
  ) {}

  /** Reads the CQE at the head into `cqeView`. */
  readCqe(): void {
    this.dev.mem.read(this.cq.paddr + this.cqHead * NVME_CQE_SIZE, this.cqe, 0, NVME_CQE_SIZE);
  }
}

/** The Identify Controller fields the driver uses (`struct nvme_ctrl` copies of them). */
export interface NvmeIdCtrlInfo {
  /** MDTS. */
  mdts: number;
  /** SGLs supported. */
  sgls: boolean;
  /** Volatile write cache present. */
  vwc: boolean;
  /** ONCS. */
  oncs: number;
  /** ACL (0-based). */
  acl: number;
  /** AERL (0-based). */
  aerl: number;
  /** NN. */
  nn: number;
  /** CRDT1..3 (100 ms units). */
  crdt: number[];
}

/** The result of an admin command: NVMe status (or -1 when it did not run) and DW0. */
export interface NvmeAdminResult {
  /** Status (`SCT << 8 | SC` | DNR …), -1 if the command could not be issued. */
  readonly status: number;
  /** Completion DW0. */
  readonly result: number;
}

/** A namespace as the host sees it (`struct nvme_ns` + `nvme_ns_head`). */
export interface NvmeHostNs {
  /** Namespace id. */
  readonly nsid: number;
  /** log2 of the LBA size. */
  readonly lbaShift: number;
  /** Blocks. */
  readonly nsze: number;
  /** Write Zeroes deallocates (DLFEAT bit 3). */
  readonly deac: boolean;
  /** Its disk (`nvme<instance>n<nsid>`). */
  readonly disk: Gendisk;
}

function iodOf(rq: Request): NvmeIod {
  return rq.pdu as NvmeIod;
}

/**
 * Models `struct nvme_dev` + its `struct nvme_ctrl` (drivers/nvme/host/pci.c, core.c): probe and reset work,
 * admin and I/O queues, the admin and I/O tag sets, namespaces as disks, timeouts and controller resets.
 *
 * @remarks Control-path work the kernel does in workqueues (reset, scan) runs as async processes in virtual time;
 * the per-I/O path (queue_rq, the interrupt handler, completion) is synchronous and allocation-free.
 */
export class NvmeDev {
  /** `ctrl->state`. */
  state: NvmeCtrlState = 'NEW';
  /** Queue 0 is the admin queue. */
  queues: NvmeQueue[] = [];
  /** Namespaces. */
  readonly namespaces: NvmeHostNs[] = [];
  /** `ctrl->max_hw_sectors`. */
  maxHwSectors = NVME_MAX_BYTES >> 9;
  /** Identify Controller data of interest. */
  readonly id: NvmeIdCtrlInfo = { mdts: 0, sgls: false, vwc: false, oncs: 0, acl: 0, aerl: 0, nn: 0, crdt: [0, 0, 0] };
  /** Controller resets completed. */
  resets = 0;
  /** Requests retried (nvme_retry_req). */
  retried = 0;
  /** CQEs dropped for a bad CID or a generation mismatch. */
  badCqes = 0;
  /** Aborts sent. */
  abortsSent = 0;
  /** Admin tag set and queue. */
  adminTagset: BlkMqTagSet | undefined;
  /** The admin request queue. */
  adminQ: RequestQueue | undefined;
  /** I/O tag set. */
  tagset: BlkMqTagSet | undefined;
  private dbStride = 1;
  private qDepth = 0;
  private capLo = 0;
  private capHi = 0;
  private onlineQueues = 0;
  private abortLimit = 0;
  private smallPool: DmaPool | undefined;
  private pagePool: DmaPool | undefined;
  private irqSub: Subscription | undefined;
  private resetting: Promise<number> | undefined;
  private aenCid = NVME_AQ_BLK_MQ_DEPTH;
  /** Scratch for building PRP/SGL/DSM lists (queue_rq is synchronous, so one per controller suffices). */
  private readonly listBuf = new Uint8Array(PAGE_SIZE);
  private readonly listView = new DataView(this.listBuf.buffer);
  private readonly tp: {
    setup: Topic<NvmeSetupCmdEntry>;
    complete: Topic<NvmeCompleteRqEntry>;
    sq: Topic<NvmeSqEntry>;
    aen: Topic<NvmeAsyncEventEntry>;
  };

  /**
   * Models `nvme_probe()` up to `nvme_reset_work()`.
   * @param link - the PCI function
   * @param blk - the block layer
   * @param mem - CPU access to memory (queues, PRP lists)
   * @param trace - the machine's trace bus (nvme tracepoints)
   * @param params - module parameters
   */
  constructor(
    readonly link: PciLink,
    readonly blk: BlockLayer,
    readonly mem: PhysMemPort,
    trace: EventBus,
    readonly params: NvmePciParams = DEFAULT_NVME_PCI_PARAMS,
    /** Logger. */
    readonly log?: Logger,
  ) {
    this.tp = {
      setup: trace.topic(nvmeSetupCmd),
      complete: trace.topic(nvmeCompleteRq),
      sq: trace.topic(nvmeSq),
      aen: trace.topic(nvmeAsyncEvent),
    };
    // nvme_pci_enable(): DMA parameters.
    dmaSetMinAlignMask(link.dma, NVME_CTRL_PAGE_SIZE - 1);
    link.dma.maxSegmentSize = 0xffffffff;
  }

  /** `nvme<instance>`. */
  get name(): string {
    return `nvme${this.params.instance}`;
  }

  // ------------------------------------------------------------------------------------------------------------
  // Register access and waits

  private readl(off: number): number {
    return this.link.readl(off);
  }

  private async waitReady(mask: number, val: number): Promise<number> {
    // nvme_wait_ready(): poll CSTS every 1 ms up to CAP.TO × 500 ms.
    const timeoutNs = Math.max(1, nvmeCapTimeout(this.capLo)) * 500_000_000;
    const start = this.blk.scheduler.now();
    for (;;) {
      const csts = this.readl(NVME_REG_CSTS);
      if (csts === 0xffffffff) return -ENODEV;
      if ((csts & mask) === val) return 0;
      if ((csts & NVME_CSTS_CFS) !== 0 && (val & NVME_CSTS_RDY) !== 0) return -EIO;
      if (this.blk.scheduler.now() - start > timeoutNs) return -ENODEV;
      await this.blk.scheduler.sleep(1_000_000);
    }
  }

  /** Models `nvme_disable_ctrl()`: CC.EN = 0 (or a normal shutdown), then waits for CSTS. */
  private async disableCtrl(shutdown: boolean): Promise<number> {
    const cc = this.readl(NVME_REG_CC);
    if (shutdown) {
      this.link.writel((cc & ~0xc000) | NVME_CC_SHN_NORMAL, NVME_REG_CC);
      return this.waitReady(0xc, 0x8);
    }
    this.link.writel(cc & ~NVME_CC_ENABLE, NVME_REG_CC);
    return this.waitReady(NVME_CSTS_RDY, 0);
  }

  /** Models `nvme_enable_ctrl()`. */
  private async enableCtrl(): Promise<number> {
    const cc = NVME_CC_CSS_NVM | ((12 - 12) << NVME_CC_MPS_SHIFT) | NVME_CC_IOSQES | NVME_CC_IOCQES | NVME_CC_ENABLE;
    this.link.writel(cc, NVME_REG_CC);
    return this.waitReady(NVME_CSTS_RDY, NVME_CSTS_RDY);
  }

  // ------------------------------------------------------------------------------------------------------------
  // Probe and reset

  /**
   * Models `nvme_probe()` + `nvme_reset_work()` + `nvme_scan_work()`: enables the controller, identifies it,
   * creates the I/O queues and registers one disk per active namespace.
   * @returns 0, or -ENODEV (no device, refused enable), -EIO (a failed admin command), -ENOMEM.
   */
  async probe(): Promise<number> {
    const csts = this.readl(NVME_REG_CSTS);
    if (csts === 0xffffffff) return -ENODEV;
    this.capLo = this.readl(NVME_REG_CAP);
    this.capHi = this.readl(NVME_REG_CAP + 4);
    this.qDepth = Math.min(nvmeCapMqes(this.capLo) + 1, this.params.ioQueueDepth);
    this.dbStride = 1 << nvmeCapStride(this.capHi);
    this.smallPool = new DmaPool('prp list 256', this.link.dma, NVME_SMALL_POOL_SIZE);
    this.pagePool = new DmaPool('prp list page', this.link.dma, PAGE_SIZE);
    this.state = 'CONNECTING';
    const r = await this.resetWork(true);
    if (r < 0) return r;
    return this.scan();
  }

  /** Models `nvme_pci_configure_admin_queue()` + the rest of `nvme_reset_work()`. */
  private async resetWork(first: boolean): Promise<number> {
    let r = await this.disableCtrl(false);
    if (r < 0 && r !== -ENODEV) return r;
    if (this.readl(NVME_REG_CSTS) === 0xffffffff) return -ENODEV;
    // Admin queue.
    const aq = this.allocQueue(0, NVME_AQ_DEPTH, 0);
    if (aq === undefined) return -ENOMEM;
    this.queues = [aq];
    this.link.writel(((NVME_AQ_DEPTH - 1) << 16) | (NVME_AQ_DEPTH - 1), NVME_REG_AQA);
    this.link.loHiWriteq(aq.sq.dmaHandle, NVME_REG_ASQ);
    this.link.loHiWriteq(aq.cq.dmaHandle, NVME_REG_ACQ);
    r = await this.enableCtrl();
    if (r < 0) {
      this.log?.warn({ ctrl: this.name }, 'nvme: controller enable failed');
      return r;
    }
    aq.enabled = true;
    this.irqSub ??= this.link.onMsix((v) => {
      this.irq(v);
    });
    if (this.adminTagset === undefined) {
      const set: BlkMqTagSet = {
        ops: nvmeMqAdminOps,
        nrHwQueues: 1,
        queueDepth: NVME_AQ_MQ_TAG_DEPTH,
        flags: 0,
        driverData: this,
        timeout: this.params.adminTimeoutNs,
      };
      const e = blkMqAllocTagSet(this.blk, set);
      if (e < 0) return e;
      this.adminTagset = set;
      const q = blkMqAllocQueue(set, undefined, this);
      if (typeof q === 'number') return q;
      this.adminQ = q;
    } else {
      const h0 = (this.adminQ as RequestQueue).queueHwCtx[0];
      if (h0 !== undefined) h0.driverData = aq;
      blkMqUnquiesceQueue(this.adminQ as RequestQueue);
    }
    // nvme_init_ctrl_finish(): Identify Controller.
    const idc = await this.identify(NVME_ID_CNS_CTRL, 0);
    if (typeof idc === 'number') return idc;
    this.id.mdts = idc[ID_CTRL.mdts] as number;
    this.id.acl = idc[ID_CTRL.acl] as number;
    this.id.aerl = idc[ID_CTRL.aerl] as number;
    const dv = new DataView(idc.buffer, idc.byteOffset);
    this.id.nn = dv.getUint32(ID_CTRL.nn, true);
    this.id.oncs = dv.getUint16(ID_CTRL.oncs, true);
    this.id.vwc = ((idc[ID_CTRL.vwc] as number) & NVME_CTRL_VWC_PRESENT) !== 0;
    this.id.sgls = (dv.getUint32(ID_CTRL.sgls, true) & 3) !== 0;
    this.abortLimit = this.id.acl + 1;
    const mpsmin = (this.capHi >>> 16) & 0xf;
    const mdtsSectors = this.id.mdts === 0 ? Infinity : 2 ** (this.id.mdts + mpsmin + 12 - 9);
    // nvme_pci_alloc_dev(): max_hw_sectors ≤ dma_opt_mapping_size() (256 KiB when swiotlb bounces).
    const optMapping = Math.min(NVME_MAX_BYTES, dmaMaxMappingSize(this.link.dma));
    this.maxHwSectors = Math.min(Math.floor(optMapping / 512), mdtsSectors);
    // nvme_setup_io_queues().
    const want = this.params.nrIoQueues ?? this.blk.nrCpus;
    const res = await this.submitSync(NVME_FEAT_NUM_QUEUES, want);
    if (typeof res !== 'number' || res < 0) return -EIO;
    const granted = Math.min(res & 0xffff, res >>> 16) + 1;
    const nr = Math.max(1, Math.min(want, granted));
    for (let qid = 1; qid <= nr; qid++) {
      const q = this.allocQueue(qid, this.qDepth, nr > 0 ? qid : 0);
      if (q === undefined) return -ENOMEM;
      const c1 = await this.adminCmd((st) => {
        nvmeInitCmd(st, nvme_admin_create_cq, 0, 0);
        setU64(st.cmdView, SQE.prp1, q.cq.dmaHandle);
        st.cmdView.setUint32(SQE.cdw10, ((q.qDepth - 1) << 16) | qid, true);
        st.cmdView.setUint32(SQE.cdw11, (q.cqVector << 16) | NVME_QUEUE_PHYS_CONTIG | NVME_CQ_IRQ_ENABLED, true);
      });
      const c2 =
        c1.status !== 0
          ? c1
          : await this.adminCmd((st) => {
              nvmeInitCmd(st, nvme_admin_create_sq, 0, 0);
              setU64(st.cmdView, SQE.prp1, q.sq.dmaHandle);
              st.cmdView.setUint32(SQE.cdw10, ((q.qDepth - 1) << 16) | qid, true);
              st.cmdView.setUint32(SQE.cdw11, (qid << 16) | NVME_QUEUE_PHYS_CONTIG | NVME_SQ_PRIO_MEDIUM, true);
            });
      if (c1.status !== 0 || c2.status !== 0) {
        this.log?.warn(
          { ctrl: this.name, qid },
          `nvme: queue creation failed: ${nvmeStatusName(c2.status || c1.status)}`,
        );
        this.freeQueue(q);
        break;
      }
      q.enabled = true;
      this.queues.push(q);
    }
    this.onlineQueues = this.queues.length;
    if (this.onlineQueues < 2) return -EIO;
    if (first) {
      const set: BlkMqTagSet = {
        ops: nvmeMqOps,
        nrHwQueues: this.onlineQueues - 1,
        queueDepth: Math.min(this.qDepth, BLK_MQ_MAX_DEPTH) - 1,
        flags: 0,
        driverData: this,
        timeout: this.params.ioTimeoutNs,
      };
      const e = blkMqAllocTagSet(this.blk, set);
      if (e < 0) return e;
      this.tagset = set;
    } else {
      for (const ns of this.namespaces) {
        ns.disk.queue.queueHwCtx.forEach((h, i) => {
          h.driverData = this.queues[i + 1];
        });
      }
    }
    this.submitAsyncEvent();
    this.state = 'LIVE';
    return 0;
  }

  /** Models `nvme_scan_work()`: Identify active namespaces, Identify each, allocate and add its disk. */
  private async scan(): Promise<number> {
    const list = await this.identify(NVME_ID_CNS_NS_ACTIVE_LIST, 0);
    if (typeof list === 'number') return list;
    const lv = new DataView(list.buffer, list.byteOffset);
    for (let i = 0; i < 1024; i++) {
      const nsid = lv.getUint32(i * 4, true);
      if (nsid === 0) break;
      const idn = await this.identify(NVME_ID_CNS_NS, nsid);
      if (typeof idn === 'number') return idn;
      const nv = new DataView(idn.buffer, idn.byteOffset);
      const nsze = getU64(nv, ID_NS.nsze);
      const flbas = (idn[ID_NS.flbas] as number) & 0xf;
      const lbaShift = idn[ID_NS.lbaf + 4 * flbas + 2] as number;
      const deac = ((idn[ID_NS.dlfeat] as number) & 0x8) !== 0;
      const lbs = 2 ** lbaShift;
      const maxSeg = Math.min(NVME_MAX_SEGS, Math.floor(this.maxHwSectors / (NVME_CTRL_PAGE_SIZE >> 9)) + 1);
      const lim: Partial<QueueLimits> = {
        logicalBlockSize: lbs,
        physicalBlockSize: lbs,
        ioMin: lbs,
        maxHwSectors: this.maxHwSectors,
        maxSegments: maxSeg,
        maxSegmentSize: 0xffffffff,
        virtBoundaryMask: NVME_CTRL_PAGE_SIZE - 1,
        dmaAlignment: 3,
        features: this.id.vwc ? BLK_FEAT_WRITE_CACHE | BLK_FEAT_FUA : 0,
        maxHwDiscardSectors: (this.id.oncs & NVME_CTRL_ONCS_DSM) !== 0 ? 0xffffffff >>> 0 : 0,
        maxWriteZeroesSectors: (this.id.oncs & NVME_CTRL_ONCS_WRITE_ZEROES) !== 0 ? this.maxHwSectors : 0,
      };
      const disk = blkMqAllocDisk(this.tagset as BlkMqTagSet, lim, undefined);
      if (typeof disk === 'number') return disk;
      const ns: NvmeHostNs = { nsid, lbaShift, nsze, deac, disk };
      disk.queue.queuedata = ns;
      disk.privateData = ns;
      disk.diskName = `${this.name}n${nsid}`;
      setCapacity(disk, nsze * 2 ** (lbaShift - 9));
      this.blk.registry.addDisk(disk);
      this.namespaces.push(ns);
    }
    return 0;
  }

  private allocQueue(qid: number, depth: number, vector: number): NvmeQueue | undefined {
    const sq = dmaAllocCoherent(this.link.dma, depth * NVME_SQE_SIZE);
    const cq = dmaAllocCoherent(this.link.dma, depth * NVME_CQE_SIZE);
    if (sq === undefined || cq === undefined) {
      if (sq !== undefined) dmaFreeCoherent(this.link.dma, sq.size, sq);
      if (cq !== undefined) dmaFreeCoherent(this.link.dma, cq.size, cq);
      return undefined;
    }
    return new NvmeQueue(this, qid, depth, sq, cq, vector);
  }

  private freeQueue(q: NvmeQueue): void {
    q.enabled = false;
    dmaFreeCoherent(this.link.dma, q.sq.size, q.sq);
    dmaFreeCoherent(this.link.dma, q.cq.size, q.cq);
  }

  // ------------------------------------------------------------------------------------------------------------
  // Admin commands

  /**
   * Models `__nvme_submit_sync_cmd()` on the admin queue: a passthrough request carrying `build`'s command.
   * @returns the NVMe status (with DNR etc.) and DW0; status -1 if the request could not be issued or timed out.
   */
  async adminCmd(build: (st: NvmeIod) => void, buf?: DmaCoherent): Promise<NvmeAdminResult> {
    const q = this.adminQ;
    if (q === undefined) return { status: -1, result: 0 };
    const rq = await blkMqAllocRequest(q, REQ_OP_DRV_IN);
    if (typeof rq === 'number') return { status: -1, result: 0 };
    const iod = iodOf(rq);
    build(iod);
    iod.adminBuf = buf;
    const d = this.blk.scheduler.defer<NvmeAdminResult>();
    rq.endIo = (r, error) => {
      const st = iodOf(r);
      d.resolve({ status: error === BLK_STS_OK ? st.status : st.status === 0 ? -1 : st.status, result: st.result });
      st.adminBuf = undefined;
      return RQ_END_IO_FREE;
    };
    blkExecuteRqNowait(rq, false);
    return d.promise;
  }

  /** Identify into a fresh coherent buffer; returns the 4 KiB of data or -EIO. */
  private async identify(cns: number, nsid: number): Promise<Uint8Array | number> {
    const buf = dmaAllocCoherent(this.link.dma, PAGE_SIZE);
    if (buf === undefined) return -ENOMEM;
    const r = await this.adminCmd((st) => {
      nvmeInitCmd(st, nvme_admin_identify, nsid, 0);
      setU64(st.cmdView, SQE.prp1, buf.dmaHandle);
      st.cmdView.setUint32(SQE.cdw10, cns, true);
    }, buf);
    const out = new Uint8Array(PAGE_SIZE);
    this.mem.read(buf.paddr, out, 0, PAGE_SIZE);
    dmaFreeCoherent(this.link.dma, PAGE_SIZE, buf);
    if (r.status !== 0) {
      this.log?.warn(
        { ctrl: this.name, cns, nsid },
        `nvme: identify failed: ${r.status < 0 ? 'timeout' : nvmeStatusName(r.status)}`,
      );
      return -EIO;
    }
    return out;
  }

  /** Models `nvme_set_queue_count()` (Set Features, Number of Queues): returns DW0 or -errno. */
  private async submitSync(fid: number, count: number): Promise<number> {
    const q = (count - 1) & 0xffff;
    const r = await this.adminCmd((st) => {
      nvmeInitCmd(st, nvme_admin_set_features, 0, 0);
      st.cmdView.setUint32(SQE.cdw10, fid, true);
      st.cmdView.setUint32(SQE.cdw11, q | (q << 16), true);
    });
    return r.status === 0 ? r.result >>> 0 : -EIO;
  }

  /** Models `nvme_pci_submit_async_event()`: an AER with the reserved CID above the admin tags. */
  private submitAsyncEvent(): void {
    const aq = this.queues[0];
    if (aq === undefined || this.id.aerl < 0) return;
    const c = new Uint8Array(NVME_SQE_SIZE);
    c[SQE.opcode] = nvme_admin_async_event;
    new DataView(c.buffer).setUint16(SQE.commandId, this.aenCid, true);
    this.sqCopyCmd(aq, c);
    this.writeSqDb(aq, true);
  }

  // ------------------------------------------------------------------------------------------------------------
  // Submission

  /** Models `nvme_sq_copy_cmd()`. */
  sqCopyCmd(q: NvmeQueue, cmd: Uint8Array): void {
    this.mem.write(q.sq.paddr + q.sqTail * NVME_SQE_SIZE, cmd, 0, NVME_SQE_SIZE);
    if (++q.sqTail === q.qDepth) q.sqTail = 0;
  }

  /** Models `nvme_write_sq_db()`: ring if asked to, or if the next command would wrap onto the last doorbell. */
  writeSqDb(q: NvmeQueue, writeSq: boolean): void {
    if (!writeSq) {
      let next = q.sqTail + 1;
      if (next === q.qDepth) next = 0;
      if (next !== q.lastSqTail) return;
    }
    this.link.writel(q.sqTail, NVME_REG_DBS + q.qid * 2 * this.dbStride * 4);
    q.lastSqTail = q.sqTail;
  }

  /** Models `nvme_pci_use_sgls()`. */
  private useSgls(q: NvmeQueue, rq: Request, nseg: number): boolean {
    if (!this.id.sgls || q.qid === 0 || this.params.sglThreshold === 0) return false;
    return Math.ceil(rq.dataLen / Math.max(1, nseg)) >= this.params.sglThreshold;
  }

  /**
   * Models `nvme_map_data()`: DMA-maps the request's data and fills the data pointer with PRPs or an SGL.
   * @returns `BLK_STS_OK`, `BLK_STS_RESOURCE` when a mapping or list allocation fails (retried later),
   * `BLK_STS_IOERR` for a segment layout PRPs cannot describe.
   */
  mapData(q: NvmeQueue, rq: Request, iod: NvmeIod): number {
    iod.dir = (rq.cmdFlags & 1) !== 0 ? DMA_TO_DEVICE : DMA_FROM_DEVICE;
    const n = blkRqMapSg(rq, iod.bsg);
    if (n === 0) return BLK_STS_IOERR;
    const first = iod.bsg[0] as BlkScatterlist;
    const useSgl = this.useSgls(q, rq, n);
    iod.useSgl = useSgl;
    if (n === 1 && !useSgl && first.offset + first.length <= 2 * NVME_CTRL_PAGE_SIZE) {
      // nvme_setup_prp_simple()
      const addr = dmaMapPage(this.link.dma, first.page, first.offset, first.length, iod.dir);
      if (dmaMappingError(this.link.dma, addr)) return BLK_STS_RESOURCE;
      iod.dmaAddr = addr;
      iod.dmaLen = first.length;
      const firstPrpLen = NVME_CTRL_PAGE_SIZE - (addr % NVME_CTRL_PAGE_SIZE);
      setU64(iod.cmdView, SQE.prp1, addr);
      if (first.length > firstPrpLen) setU64(iod.cmdView, SQE.prp2, addr + firstPrpLen);
      return BLK_STS_OK;
    }
    const sg = (iod.sg ??= new Scatterlist(8));
    sg.reset();
    for (let i = 0; i < n; i++) {
      const e = iod.bsg[i] as BlkScatterlist;
      sg.push(e.page, e.offset, e.length);
    }
    const cnt = dmaMapSg(this.link.dma, sg, n, iod.dir);
    if (cnt === 0) return BLK_STS_RESOURCE;
    iod.nents = n;
    const r = useSgl ? this.setupSgls(iod, cnt) : this.setupPrps(iod, rq.dataLen, cnt);
    if (r !== BLK_STS_OK) this.unmapData(iod);
    return r;
  }

  private listAlloc(iod: NvmeIod, small: boolean): number {
    const pool = small ? this.smallPool : this.pagePool;
    const b = (pool as DmaPool).alloc();
    if (b >= 0) iod.lists.push(b);
    if (small) iod.iodFlags |= IOD_SMALL;
    return b;
  }

  /** Models `nvme_pci_setup_prps()`: PRP1, PRP2, and PRP list pages of 511 entries + a chain pointer. */
  private setupPrps(iod: NvmeIod, length: number, cnt: number): number {
    const sg = iod.sg as Scatterlist;
    const P = NVME_CTRL_PAGE_SIZE;
    let k = 0;
    let dmaAddr = sg.dmaAddress[0] as number;
    let dmaLen = sg.dmaLength[0] as number;
    const offset = dmaAddr % P;
    setU64(iod.cmdView, SQE.prp1, dmaAddr);
    length -= P - offset;
    if (length <= 0) return BLK_STS_OK;
    dmaLen -= P - offset;
    if (dmaLen > 0) dmaAddr += P - offset;
    else {
      if (++k >= cnt) return BLK_STS_IOERR;
      dmaAddr = sg.dmaAddress[k] as number;
      dmaLen = sg.dmaLength[k] as number;
    }
    if (length <= P) {
      setU64(iod.cmdView, SQE.prp2, dmaAddr);
      return BLK_STS_OK;
    }
    const nprps = Math.ceil(length / P);
    const small = nprps <= NVME_SMALL_POOL_SIZE / 8;
    const block = this.listAlloc(iod, small);
    if (block < 0) return BLK_STS_RESOURCE;
    const pool = (small ? this.smallPool : this.pagePool) as DmaPool;
    setU64(iod.cmdView, SQE.prp2, pool.dma(block));
    const lv = this.listView;
    let listPaddr = pool.paddr(block);
    let i = 0;
    for (;;) {
      if (i === P / 8) {
        // Move the last entry to a new page and chain to it.
        const nb = this.listAlloc(iod, false);
        if (nb < 0) return BLK_STS_RESOURCE;
        const pp = this.pagePool as DmaPool;
        const last = getU64(lv, (i - 1) * 8);
        setU64(lv, (i - 1) * 8, pp.dma(nb));
        this.mem.write(listPaddr, this.listBuf, 0, i * 8);
        listPaddr = pp.paddr(nb);
        setU64(lv, 0, last);
        i = 1;
      }
      setU64(lv, i * 8, dmaAddr);
      i++;
      dmaLen -= P;
      dmaAddr += P;
      length -= P;
      if (length <= 0) break;
      if (dmaLen > 0) continue;
      if (dmaLen < 0) {
        this.log?.warn({ ctrl: this.name }, 'nvme: Invalid SGL for payload');
        return BLK_STS_IOERR;
      }
      if (++k >= cnt) return BLK_STS_IOERR;
      dmaAddr = sg.dmaAddress[k] as number;
      dmaLen = sg.dmaLength[k] as number;
    }
    this.mem.write(listPaddr, this.listBuf, 0, i * 8);
    return BLK_STS_OK;
  }

  /** Models `nvme_pci_setup_sgls()`: one data descriptor inline, or a Last Segment of data descriptors. */
  private setupSgls(iod: NvmeIod, cnt: number): number {
    const sg = iod.sg as Scatterlist;
    iod.cmd[SQE.flags] = (iod.cmd[SQE.flags] as number) | 0x40; // NVME_CMD_SGL_METABUF
    const v = iod.cmdView;
    if (cnt === 1) {
      setU64(v, SQE.sglAddr, sg.dmaAddress[0] as number);
      v.setUint32(SQE.sglLength, sg.dmaLength[0] as number, true);
      v.setUint8(SQE.sglType, NVME_SGL_TYPE_DATA_BLOCK << 4);
      return BLK_STS_OK;
    }
    const small = cnt <= NVME_SMALL_POOL_SIZE / NVME_SGL_DESC_SIZE;
    const block = this.listAlloc(iod, small);
    if (block < 0) return BLK_STS_RESOURCE;
    const pool = (small ? this.smallPool : this.pagePool) as DmaPool;
    const lv = this.listView;
    for (let i = 0; i < cnt; i++) {
      setU64(lv, i * 16, sg.dmaAddress[i] as number);
      lv.setUint32(i * 16 + 8, sg.dmaLength[i] as number, true);
      lv.setUint32(i * 16 + 12, 0, true);
      lv.setUint8(i * 16 + 15, NVME_SGL_TYPE_DATA_BLOCK << 4);
    }
    this.mem.write(pool.paddr(block), this.listBuf, 0, cnt * 16);
    setU64(v, SQE.sglAddr, pool.dma(block));
    v.setUint32(SQE.sglLength, cnt * NVME_SGL_DESC_SIZE, true);
    v.setUint8(SQE.sglType, NVME_SGL_TYPE_LAST_SEGMENT << 4);
    return BLK_STS_OK;
  }

  /** Models `nvme_unmap_data()`: unmaps the data and frees PRP/SGL list blocks. */
  unmapData(iod: NvmeIod): void {
    if (iod.dmaLen > 0) {
      dmaUnmapPage(this.link.dma, iod.dmaAddr, iod.dmaLen, iod.dir);
      iod.dmaLen = 0;
    } else if (iod.nents > 0) {
      dmaUnmapSg(this.link.dma, iod.sg as Scatterlist, iod.nents, iod.dir);
      iod.nents = 0;
    }
    if (iod.lists.length > 0) {
      const small = (iod.iodFlags & IOD_SMALL) !== 0;
      for (let i = 0; i < iod.lists.length; i++) {
        const pool = i === 0 && small ? this.smallPool : this.pagePool;
        (pool as DmaPool).release(iod.lists[i] as number);
      }
      iod.lists.length = 0;
      iod.iodFlags &= ~IOD_SMALL;
    }
  }

  /** Models `nvme_setup_cmd()` for block requests. */
  setupCmd(rq: Request, iod: NvmeIod): number {
    iod.genctr = (iod.genctr + 1) & 0xffff;
    const cid = nvmeCid(rq.tag, iod.genctr);
    const op = rq.cmdFlags & REQ_OP_MASK;
    const ns = rq.q.queuedata as NvmeHostNs | undefined;
    switch (op) {
      case REQ_OP_READ:
      case REQ_OP_WRITE:
        if (ns === undefined) return BLK_STS_IOERR;
        nvmeSetupRw(iod, rq, ns.nsid, ns.lbaShift, op === REQ_OP_WRITE, cid);
        break;
      case REQ_OP_FLUSH:
        if (ns === undefined) return BLK_STS_IOERR;
        nvmeSetupFlush(iod, ns.nsid, cid);
        break;
      case REQ_OP_WRITE_ZEROES:
        if (ns === undefined) return BLK_STS_IOERR;
        nvmeSetupWriteZeroes(iod, rq, ns.nsid, ns.lbaShift, ns.deac, cid);
        break;
      case REQ_OP_DISCARD: {
        if (ns === undefined) return BLK_STS_IOERR;
        // One range per bio (nvme_setup_discard), in a page-pool block (`ctrl->discard_page` fallback).
        let n = 0;
        const lv = this.listView;
        for (let b = rq.bio; b !== undefined && n < NVME_DSM_MAX_RANGES; b = b.biNext) {
          lv.setUint32(n * 16, 0, true);
          lv.setUint32(n * 16 + 4, b.biIter.biSize >>> ns.lbaShift, true);
          setU64(lv, n * 16 + 8, b.biIter.biSector / (1 << (ns.lbaShift - 9)));
          n++;
        }
        if (n === 0) {
          lv.setUint32(4, rq.dataLen >>> ns.lbaShift, true);
          setU64(lv, 8, rq.sector / (1 << (ns.lbaShift - 9)));
          n = 1;
        }
        const block = (this.pagePool as DmaPool).alloc();
        if (block < 0) return BLK_STS_RESOURCE;
        iod.discardBlock = block;
        this.mem.write((this.pagePool as DmaPool).paddr(block), this.listBuf, 0, n * 16);
        nvmeSetupDiscard(iod, ns.nsid, n, cid);
        setU64(iod.cmdView, SQE.prp1, (this.pagePool as DmaPool).dma(block));
        break;
      }
      case REQ_OP_DRV_IN:
      case REQ_OP_DRV_OUT:
        iod.cmdView.setUint16(SQE.commandId, cid, true);
        break;
      default:
        return BLK_STS_IOERR;
    }
    if (this.tp.setup.observed) {
      this.tp.setup.emit({
        ctrlId: this.params.instance,
        qid: (rq.mqHctx.driverData as NvmeQueue).qid,
        cid,
        nsid: iod.cmdView.getUint32(SQE.nsid, true),
        opcode: iod.cmd[SQE.opcode] as number,
        flags: iod.cmd[SQE.flags] as number,
        cdw10: iod.cmdView.getUint32(SQE.cdw10, true),
      });
    }
    return BLK_STS_OK;
  }

  // ------------------------------------------------------------------------------------------------------------
  // Completion

  /** Models `nvme_irq()`: the MSI-X handler of a vector processes the CQs bound to it. */
  private irq(vector: number): void {
    for (const q of this.queues) if (q.enabled && q.cqVector === vector) this.processCq(q);
  }

  /** Models `nvme_poll_cq()` + `nvme_ring_cq_doorbell()`: every pending CQE, then one head doorbell. */
  processCq(q: NvmeQueue): number {
    let found = 0;
    const v = q.cqeView;
    for (;;) {
      q.readCqe();
      const status = v.getUint16(CQE.status, true);
      if ((status & 1) !== q.cqPhase) break;
      this.handleCqe(
        q,
        v.getUint16(CQE.commandId, true),
        status >> 1,
        v.getUint32(CQE.result, true),
        v.getUint16(CQE.sqHead, true),
      );
      if (++q.cqHead === q.qDepth) {
        q.cqHead = 0;
        q.cqPhase ^= 1;
      }
      found++;
    }
    if (found > 0) this.link.writel(q.cqHead, NVME_REG_DBS + (q.qid * 2 + 1) * this.dbStride * 4);
    return found;
  }

  /** Models `nvme_handle_cqe()` with `nvme_find_rq()`'s generation check. */
  private handleCqe(q: NvmeQueue, cid: number, status: number, result: number, sqHead: number): void {
    if (q.qid === 0 && nvmeTagFromCid(cid) >= NVME_AQ_BLK_MQ_DEPTH) {
      // nvme_complete_async_event(): log, then resubmit (Error Status events need the log page read first).
      if (this.tp.aen.observed) this.tp.aen.emit({ ctrlId: this.params.instance, result });
      if ((status & 0x7ff) === 0) this.submitAsyncEvent();
      return;
    }
    const hctx = q.qid === 0 ? this.adminQ?.queueHwCtx[0] : this.hctxFor(q);
    const tag = nvmeTagFromCid(cid);
    const rq = hctx === undefined ? undefined : blkMqTagToRq(hctx, tag);
    if (rq === undefined) {
      this.badCqes++;
      this.log?.warn({ ctrl: this.name }, `nvme: could not locate request for tag ${tag} on queue ${q.qid}`);
      return;
    }
    const iod = iodOf(rq);
    if ((iod.genctr & 0xf) !== nvmeGenctrFromCid(cid) || rq.state !== MQ_RQ_IN_FLIGHT) {
      this.badCqes++;
      this.log?.warn(
        { ctrl: this.name },
        `nvme: request 0x${cid.toString(16)} genctr mismatch (got 0x${nvmeGenctrFromCid(cid).toString(16)} expected 0x${(iod.genctr & 0xf).toString(16)})`,
      );
      return;
    }
    if (this.tp.sq.observed) this.tp.sq.emit({ ctrlId: this.params.instance, qid: q.qid, sqHead, sqTail: q.sqTail });
    iod.status = status;
    iod.result = result;
    blkMqCompleteRequest(rq);
  }

  private hctxFor(q: NvmeQueue): BlkMqHwCtx | undefined {
    // Every namespace queue shares the tag set, so the first disk's hctx finds the request.
    const ns = this.namespaces[0];
    return ns?.disk.queue.queueHwCtx[q.qid - 1];
  }

  /** Models `nvme_complete_rq()` after `nvme_pci_complete_rq()` unmapped the data. */
  completeRq(rq: Request, iod: NvmeIod): void {
    if (this.tp.complete.observed) {
      this.tp.complete.emit({
        ctrlId: this.params.instance,
        qid: (rq.mqHctx.driverData as NvmeQueue | undefined)?.qid ?? 0,
        cid: nvmeCid(rq.tag, iod.genctr),
        result: iod.result,
        retries: iod.retries,
        flags: iod.flags,
        status: iod.status,
      });
    }
    if (iod.discardBlock >= 0) {
      (this.pagePool as DmaPool).release(iod.discardBlock);
      iod.discardBlock = -1;
    }
    const op = rq.cmdFlags & REQ_OP_MASK;
    const passthrough = op === REQ_OP_DRV_IN || op === REQ_OP_DRV_OUT;
    const disp = passthrough
      ? 'complete'
      : nvmeDecideDisposition(rq, iod, this.params.maxRetries, this.state === 'DEAD' || this.state === 'DELETING');
    if (disp === 'retry') {
      iod.retries++;
      this.retried++;
      const delay = nvmeRetryDelayNs(iod.status, this.id.crdt);
      blkMqRequeueRequest(rq, false);
      if (delay > 0)
        this.blk.scheduler.schedule(delay, () => {
          blkMqKickRequeueList(rq.q);
        });
      else blkMqKickRequeueList(rq.q);
      return;
    }
    if (iod.status !== 0 && !passthrough && this.log?.isLevelEnabled('info') === true) {
      this.log.info({ ctrl: this.name }, `nvme: ${nvmeStatusName(iod.status)} on tag ${rq.tag}`);
    }
    // Passthrough: the caller reads the NVMe status from the pdu; the block status says whether it ran.
    const blkStatus = passthrough ? (iod.status === -1 ? BLK_STS_IOERR : BLK_STS_OK) : nvmeErrorStatus(iod.status);
    iod.retries = 0;
    iod.flags = 0;
    iod.iodFlags &= ~IOD_ABORTED;
    blkMqEndRequest(rq, blkStatus);
  }

  // ------------------------------------------------------------------------------------------------------------
  // Timeouts, aborts, resets

  /** Models `nvme_should_reset()`: CFS, or a subsystem reset that happened. */
  private shouldReset(csts: number): boolean {
    if (this.state === 'RESETTING' || this.state === 'CONNECTING') return false;
    return (csts & NVME_CSTS_CFS) !== 0 || (csts & NVME_CSTS_NSSRO) !== 0;
  }

  /** Models `nvme_timeout()`. */
  timeout(rq: Request): number {
    const iod = iodOf(rq);
    const q = rq.mqHctx.driverData as NvmeQueue;
    const csts = this.readl(NVME_REG_CSTS);
    if (csts === 0xffffffff || this.shouldReset(csts)) {
      this.log?.warn({ ctrl: this.name }, `nvme: controller is down; will reset: CSTS=0x${csts.toString(16)}`);
      return this.disableAndReset();
    }
    // Did we miss an interrupt?
    if (q.enabled) this.processCq(q);
    if (rq.state !== MQ_RQ_IN_FLIGHT) {
      this.log?.warn({ ctrl: this.name }, `nvme: I/O tag ${rq.tag} QID ${q.qid} timeout, completion polled`);
      return BLK_EH_DONE;
    }
    switch (this.state) {
      case 'CONNECTING':
      case 'DELETING':
        this.state = 'DELETING';
        iod.flags |= NVME_REQ_CANCELLED;
        this.wake();
        void this.devDisable(true);
        return BLK_EH_DONE;
      case 'RESETTING':
        return BLK_EH_RESET_TIMER;
      default:
        break;
    }
    if (q.qid === 0 || (iod.iodFlags & IOD_ABORTED) !== 0) {
      this.log?.warn({ ctrl: this.name }, `nvme: I/O tag ${rq.tag} QID ${q.qid} timeout, reset controller`);
      iod.flags |= NVME_REQ_CANCELLED;
      return this.disableAndReset();
    }
    if (this.abortLimit <= 0) return BLK_EH_RESET_TIMER;
    this.abortLimit--;
    iod.iodFlags |= IOD_ABORTED;
    this.abortsSent++;
    const cid = nvmeCid(rq.tag, iod.genctr);
    this.log?.warn(
      { ctrl: this.name },
      `nvme: I/O tag ${rq.tag} (0x${cid.toString(16)}) QID ${q.qid} timeout, aborting`,
    );
    this.wake();
    void this.adminCmd((st) => {
      nvmeInitCmd(st, nvme_admin_abort_cmd, 0, 0);
      st.cmdView.setUint32(SQE.cdw10, (cid << 16) | q.qid, true);
    }).then((r) => {
      // abort_endio()
      this.abortLimit++;
      this.log?.debug(
        { ctrl: this.name },
        `nvme: Abort status: 0x${r.status.toString(16)} result 0x${r.result.toString(16)}`,
      );
    });
    return BLK_EH_RESET_TIMER;
  }

  private disableAndReset(): number {
    if (this.state === 'RESETTING' || this.state === 'DEAD') return BLK_EH_DONE;
    this.state = 'RESETTING';
    void this.resetCtrl();
    return BLK_EH_DONE;
  }

  /**
   * Makes the scheduler let async control-path work started from inside an event (timeout handler, fault
   * injection) continue before the next event, as a kernel work item queued from a timer would run.
   */
  private wake(): void {
    this.blk.scheduler.defer<undefined>().resolve(undefined);
  }

  /**
   * Models `nvme_reset_ctrl()` → `nvme_dev_disable()` + `nvme_reset_work()`: in-flight I/O is cancelled
   * (`NVME_SC_HOST_ABORTED_CMD`, retried after the reset unless its retries are used up), the controller is disabled
   * and re-enabled, the queues recreated, and dispatch resumes.
   * @returns 0, or -errno when the controller could not be brought back (it is then DEAD and I/O fails).
   */
  resetCtrl(): Promise<number> {
    this.wake();
    this.resetting ??= (async (): Promise<number> => {
      this.state = 'RESETTING';
      await this.devDisable(false);
      const r = await this.resetWork(false);
      if (r < 0) {
        this.log?.warn({ ctrl: this.name }, `nvme: Removing after probe failure status: ${r}`);
        this.state = 'DEAD';
        for (const ns of this.namespaces) blkMqUnquiesceQueue(ns.disk.queue);
        return r;
      }
      this.resets++;
      for (const ns of this.namespaces) blkMqUnquiesceQueue(ns.disk.queue);
      return 0;
    })().finally(() => {
      this.resetting = undefined;
    });
    return this.resetting;
  }

  /** Models `nvme_dev_disable()`. */
  async devDisable(shutdown: boolean): Promise<void> {
    for (const ns of this.namespaces) blkMqQuiesceQueue(ns.disk.queue);
    const csts = this.readl(NVME_REG_CSTS);
    const dead = csts === 0xffffffff || (csts & NVME_CSTS_CFS) !== 0 || (csts & NVME_CSTS_RDY) === 0;
    if (!dead && this.queues.length > 1) {
      // nvme_delete_io_queues(): SQs first, then CQs.
      for (const op of [nvme_admin_delete_sq, nvme_admin_delete_cq]) {
        for (let i = this.queues.length - 1; i >= 1; i--) {
          const qid = (this.queues[i] as NvmeQueue).qid;
          const r = await this.withTimeout(
            this.adminCmd((st) => {
              nvmeInitCmd(st, op, 0, 0);
              st.cmdView.setUint32(SQE.cdw10, qid, true);
            }),
          );
          if (r === undefined) break;
        }
      }
      await this.disableCtrl(shutdown);
      const aq = this.queues[0];
      if (aq !== undefined) this.processCq(aq);
    } else if (!dead) {
      await this.disableCtrl(shutdown);
    }
    // nvme_suspend_io_queues(), nvme_reap_pending_cqes()
    for (const q of this.queues) {
      if (q.enabled && q.qid !== 0) this.processCq(q);
      q.enabled = false;
    }
    if (this.adminQ !== undefined) blkMqQuiesceQueue(this.adminQ);
    // nvme_cancel_tagset(), nvme_cancel_admin_tagset()
    for (const set of [this.tagset, this.adminTagset]) {
      for (const t of set?.tags ?? []) {
        for (const rq of t.rqs) {
          if (rq === undefined || rq.state !== MQ_RQ_IN_FLIGHT) continue;
          const iod = iodOf(rq);
          iod.status = NVME_SC_HOST_ABORTED_CMD;
          iod.flags |= NVME_REQ_CANCELLED;
          blkMqCompleteRequest(rq);
        }
      }
    }
    for (const q of this.queues) this.freeQueue(q);
    this.queues = [];
    if (shutdown) {
      for (const ns of this.namespaces) blkMqUnquiesceQueue(ns.disk.queue);
      if (this.adminQ !== undefined) blkMqUnquiesceQueue(this.adminQ);
    }
  }

  private async withTimeout<T>(p: Promise<T>): Promise<T | undefined> {
    const d = this.blk.scheduler.defer<T | undefined>();
    const h = this.blk.scheduler.schedule(this.params.adminTimeoutNs, () => {
      d.resolve(undefined);
    });
    void p.then((v) => {
      this.blk.scheduler.cancel(h);
      d.resolve(v);
    });
    return d.promise;
  }

  /**
   * Models `nvme_remove()`: deletes the disks, shuts the controller down, frees queues and tag sets.
   * @returns after the shutdown completed in virtual time.
   */
  async remove(): Promise<void> {
    this.state = 'DELETING';
    for (const ns of this.namespaces) {
      if (ns.disk.live) this.blk.registry.delGendisk(ns.disk);
    }
    if (this.queues.length > 0) await this.devDisable(true);
    this.state = 'DEAD';
    for (const ns of this.namespaces) blkMqDestroyQueue(ns.disk.queue);
    if (this.adminQ !== undefined) blkMqDestroyQueue(this.adminQ);
    if (this.tagset !== undefined) blkMqFreeTagSet(this.tagset);
    if (this.adminTagset !== undefined) blkMqFreeTagSet(this.adminTagset);
    this.smallPool?.destroy();
    this.pagePool?.destroy();
    this.irqSub?.unsubscribe();
    this.irqSub = undefined;
  }

  /** Throws unless the controller is live (setup helpers). */
  assertLive(): void {
    if (this.state !== 'LIVE') throw new Errno(ETIMEDOUT, `nvme: ${this.name} is ${this.state}`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// blk_mq_ops

/** Models `nvme_init_request()`: the per-request `nvme_iod`. */
export function nvmeInitRequest(_set: BlkMqTagSet, rq: Request): number {
  rq.pdu ??= new NvmeIod();
  return 0;
}

/** Models `nvme_init_hctx()`: hardware context i drives I/O queue i + 1. */
export function nvmeInitHctx(hctx: BlkMqHwCtx, data: unknown, hctxIdx: number): number {
  hctx.driverData = (data as NvmeDev).queues[hctxIdx + 1];
  return 0;
}

/** Models `nvme_admin_init_hctx()`: the admin hardware context drives queue 0. */
export function nvmeAdminInitHctx(hctx: BlkMqHwCtx, data: unknown): number {
  hctx.driverData = (data as NvmeDev).queues[0];
  return 0;
}

/**
 * Models `nvme_queue_rq()`: builds the command, maps the data, starts the request, copies the SQE and rings the
 * doorbell at the end of a batch.
 * @returns `BLK_STS_OK`; `BLK_STS_RESOURCE` when mapping memory is short; `BLK_STS_IOERR` when the queue is gone.
 */
export function nvmeQueueRq(hctx: BlkMqHwCtx, bd: BlkMqQueueData): number {
  const q = hctx.driverData as NvmeQueue | undefined;
  if (q === undefined || !q.enabled) return BLK_STS_IOERR;
  const dev = q.dev;
  const rq = bd.rq;
  const iod = iodOf(rq);
  iod.status = 0;
  iod.result = 0;
  iod.iodFlags = 0;
  iod.nents = 0;
  iod.dmaLen = 0;
  iod.useSgl = false;
  const op = rq.cmdFlags & REQ_OP_MASK;
  let ret = dev.setupCmd(rq, iod);
  if (ret !== BLK_STS_OK) return ret;
  if (
    rq.dataLen > 0 &&
    op !== REQ_OP_DISCARD &&
    op !== REQ_OP_WRITE_ZEROES &&
    op !== REQ_OP_DRV_IN &&
    op !== REQ_OP_DRV_OUT
  ) {
    ret = dev.mapData(q, rq, iod);
    if (ret !== BLK_STS_OK) return ret;
  }
  blkMqStartRequest(rq);
  dev.sqCopyCmd(q, iod.cmd);
  dev.writeSqDb(q, bd.last);
  return BLK_STS_OK;
}

/** Models `nvme_commit_rqs()`: rings the doorbell for a batch that ended without `last`. */
export function nvmeCommitRqs(hctx: BlkMqHwCtx): void {
  const q = hctx.driverData as NvmeQueue | undefined;
  if (q !== undefined && q.sqTail !== q.lastSqTail) q.dev.writeSqDb(q, true);
}

/** Models `nvme_pci_complete_rq()`: unmap the data first, then `nvme_complete_rq()`. */
export function nvmePciCompleteRq(rq: Request): void {
  const iod = iodOf(rq);
  const hq = rq.mqHctx.driverData as NvmeQueue | undefined;
  const dev = hq?.dev ?? (rq.q.tagSet.driverData as NvmeDev);
  dev.unmapData(iod);
  dev.completeRq(rq, iod);
}

/** Models `nvme_timeout()` as the blk-mq op. */
export function nvmeTimeout(rq: Request): number {
  return (rq.q.tagSet.driverData as NvmeDev).timeout(rq);
}

/** Models `nvme_mq_ops` (drivers/nvme/host/pci.c). */
export const nvmeMqOps: BlkMqOps = Object.freeze({
  queueRq: nvmeQueueRq,
  commitRqs: nvmeCommitRqs,
  complete: nvmePciCompleteRq,
  initHctx: nvmeInitHctx,
  initRequest: nvmeInitRequest,
  timeout: nvmeTimeout,
});

/** Models `nvme_mq_admin_ops` (drivers/nvme/host/pci.c). */
export const nvmeMqAdminOps: BlkMqOps = Object.freeze({
  queueRq: nvmeQueueRq,
  complete: nvmePciCompleteRq,
  initHctx: nvmeAdminInitHctx,
  initRequest: nvmeInitRequest,
  timeout: nvmeTimeout,
});
