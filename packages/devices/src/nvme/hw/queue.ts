/**
 * Submission and completion queues and per-command request objects of the controller model.
 * @packageDocumentation
 */
import type { TimerHandle } from '@stackemu/core';
import { NVME_SQE_SIZE } from '../nvme.js';
import type { NvmeNamespace } from './ns.js';

/**
 * Models QEMU's `NvmeRequest`: one fetched command, its decoded data pointer as a scatter list of bus addresses,
 * and its completion state. Each SQ owns exactly as many as it has entries (QEMU `sq->io_req`), reused forever.
 */
export class NvmeRequest {
  /** The raw SQE (64 bytes) as fetched. */
  readonly sqe = new Uint8Array(NVME_SQE_SIZE);
  /** A view on {@link NvmeRequest.sqe}. */
  readonly cmd: DataView;
  /** Command identifier (copied into the CQE). */
  cid = 0;
  /** Opcode. */
  opcode = 0;
  /** Status to post (`SCT << 8 | SC`, plus DNR/MORE bits). */
  status = 0;
  /** CQE DW0. */
  result = 0;
  /** Scatter list: bus addresses. */
  sgAddr = new Float64Array(8);
  /** Scatter list: lengths. */
  sgLen = new Float64Array(8);
  /** Entries in the scatter list. */
  sgCount = 0;
  /** The namespace of an I/O command. */
  ns: NvmeNamespace | undefined;
  /** First LBA. */
  slba = 0;
  /** Blocks (NLB + 1). */
  nlb = 0;
  /** Pending completion event (cancelled by Abort, SQ deletion and reset). */
  timer: TimerHandle | undefined;
  /** True between fetch and CQE posting. */
  inFlight = false;
  /** Fetch time (virtual ns). */
  fetchedAt = 0;
  /** Cursor into the scatter list during a data transfer. */
  sgIdx = 0;
  /** Byte offset inside entry `sgIdx`. */
  sgOff = 0;
  /** Result of the data transfer (a MemTxResult). */
  dmaResult = 0;

  /**
   * @param sq - the owning SQ
   * @param index - this object's index in the SQ's pool
   */
  constructor(
    readonly sq: NvmeSQueue,
    readonly index: number,
  ) {
    this.cmd = new DataView(this.sqe.buffer);
  }

  /** Resets the scatter list. */
  sgReset(): void {
    this.sgCount = 0;
    this.sgIdx = 0;
    this.sgOff = 0;
  }

  /**
   * Appends a range, merging it with the previous one when contiguous (QEMU `qemu_sglist_add`).
   * @returns entries in the list.
   */
  sgAdd(addr: number, len: number): number {
    const n = this.sgCount;
    if (n > 0 && (this.sgAddr[n - 1] as number) + (this.sgLen[n - 1] as number) === addr) {
      this.sgLen[n - 1] = (this.sgLen[n - 1] as number) + len;
      return n;
    }
    if (n === this.sgAddr.length) {
      const a = new Float64Array(n * 2);
      a.set(this.sgAddr);
      const l = new Float64Array(n * 2);
      l.set(this.sgLen);
      this.sgAddr = a;
      this.sgLen = l;
    }
    this.sgAddr[n] = addr;
    this.sgLen[n] = len;
    this.sgCount = n + 1;
    return n + 1;
  }
}

/** Models QEMU's `NvmeSQueue`: a submission ring in host memory and its request pool. */
export class NvmeSQueue {
  /** Head: next entry the controller fetches. */
  head = 0;
  /** Tail: written by the host's doorbell. */
  tail = 0;
  /** Requests not in flight. */
  readonly free: NvmeRequest[] = [];
  /** Requests in flight, by index. */
  readonly reqs: NvmeRequest[] = [];
  /** A fetch bottom half is scheduled. */
  bhScheduled = false;

  /**
   * @param sqid - queue id
   * @param dmaAddr - ring base (bus address)
   * @param size - entries
   * @param cq - completion queue its commands post to
   */
  constructor(
    readonly sqid: number,
    readonly dmaAddr: number,
    readonly size: number,
    readonly cq: NvmeCQueue,
  ) {
    for (let i = 0; i < size; i++) {
      const r = new NvmeRequest(this, i);
      this.reqs.push(r);
      this.free.push(r);
    }
  }

  /** Models `nvme_sq_empty()`. */
  empty(): boolean {
    return this.head === this.tail;
  }
}

/** Models QEMU's `NvmeCQueue`: a completion ring in host memory, its phase tag and pending completions. */
export class NvmeCQueue {
  /** Head: written by the host's doorbell. */
  head = 0;
  /** Tail: next slot the controller writes. */
  tail = 0;
  /** Phase tag written into CQEs (starts at 1, flips at each wrap). */
  phase = 1;
  /** Completed requests waiting for a free slot. */
  readonly pending: NvmeRequest[] = [];
  /** SQs posting here (a CQ cannot be deleted while any exists). */
  sqCount = 0;
  /** A posting bottom half is scheduled. */
  bhScheduled = false;
  /** CQEs posted since the last interrupt (coalescing). */
  irqPending = 0;
  /** Coalescing timer. */
  irqTimer: TimerHandle | undefined;

  /**
   * @param cqid - queue id
   * @param dmaAddr - ring base (bus address)
   * @param size - entries
   * @param vector - MSI-X vector
   * @param irqEnabled - IEN
   */
  constructor(
    readonly cqid: number,
    readonly dmaAddr: number,
    readonly size: number,
    readonly vector: number,
    readonly irqEnabled: boolean,
  ) {}

  /** Models `nvme_cq_full()`. */
  full(): boolean {
    return (this.tail + 1) % this.size === this.head;
  }

  /** Models `nvme_cq_empty()`. */
  empty(): boolean {
    return this.head === this.tail;
  }
}
