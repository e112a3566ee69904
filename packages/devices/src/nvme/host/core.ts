/**
 * The NVMe host core (drivers/nvme/host/core.c, nvme.h): status → block status, retry disposition, command ids
 * with generation counters, and building commands from block requests.
 * @packageDocumentation
 */
import {
  BLK_STS_IOERR,
  BLK_STS_MEDIUM,
  BLK_STS_NOSPC,
  BLK_STS_NOTSUPP,
  BLK_STS_OK,
  BLK_STS_PROTECTION,
  BLK_STS_RESV_CONFLICT,
  BLK_STS_TARGET,
  BLK_STS_TRANSPORT,
  REQ_FAILFAST_DEV,
  REQ_FAILFAST_DRIVER,
  REQ_FAILFAST_TRANSPORT,
  REQ_FUA,
  REQ_NOUNMAP,
  REQ_RAHEAD,
  type Request,
} from '@stackemu/block';
import { setU64 } from '../nvme.js';
import {
  NVME_RW_FUA,
  NVME_RW_LR,
  NVME_SC_ACCESS_DENIED,
  NVME_SC_APPTAG_CHECK,
  NVME_SC_BAD_ATTRIBUTES,
  NVME_SC_CAP_EXCEEDED,
  NVME_SC_CMD_INTERRUPTED,
  NVME_SC_COMPARE_FAILED,
  NVME_SC_GUARD_CHECK,
  NVME_SC_HOST_PATH_ERROR,
  NVME_SC_INVALID_FIELD,
  NVME_SC_INVALID_NS,
  NVME_SC_INVALID_OPCODE,
  NVME_SC_INVALID_PI,
  NVME_SC_LBA_RANGE,
  NVME_SC_NS_NOT_READY,
  NVME_SC_ONCS_NOT_SUPPORTED,
  NVME_SC_READ_ERROR,
  NVME_SC_READ_ONLY,
  NVME_SC_REFTAG_CHECK,
  NVME_SC_RESERVATION_CONFLICT,
  NVME_SC_SUCCESS,
  NVME_SC_UNWRITTEN_BLOCK,
  NVME_SC_WRITE_FAULT,
  NVME_SCT_SC_MASK,
  NVME_STATUS_CRD,
  NVME_STATUS_DNR,
  NVME_WZ_DEAC,
  SQE,
  nvme_cmd_dsm,
  nvme_cmd_flush,
  nvme_cmd_read,
  nvme_cmd_write,
  nvme_cmd_write_zeroes,
} from '../nvme.js';

/** Models `nvme_max_retries` (module parameter `max_retries` of nvme_core): 5. */
export const NVME_MAX_RETRIES_DEFAULT = 5;
/** Models `NVME_REQ_CANCELLED`: the request was cancelled by the host (reset, removal). */
export const NVME_REQ_CANCELLED = 1 << 0;

/** Models `enum nvme_ctrl_state` (drivers/nvme/host/nvme.h). */
export type NvmeCtrlState = 'NEW' | 'LIVE' | 'RESETTING' | 'CONNECTING' | 'DELETING' | 'DELETING_NOIO' | 'DEAD';

/** The host's per-command state that `struct nvme_request` holds (plus the 64-byte command itself). */
export interface NvmeRequestState {
  /** `nvme_req(req)->cmd`: the SQE being built. */
  readonly cmd: Uint8Array;
  /** A view on `cmd`. */
  readonly cmdView: DataView;
  /** `nvme_req(req)->status`: the completion status (`SCT << 8 | SC` plus CRD/M/DNR). */
  status: number;
  /** `nvme_req(req)->result`. */
  result: number;
  /** `nvme_req(req)->retries`. */
  retries: number;
  /** `nvme_req(req)->genctr`: bumped at every setup; its low 4 bits go into the CID. */
  genctr: number;
  /** `nvme_req(req)->flags`: `NVME_REQ_CANCELLED` … */
  flags: number;
}

/**
 * Models `nvme_error_status()` (drivers/nvme/host/core.c): an NVMe status as a block status.
 * @param status - `SCT << 8 | SC` (CRD/M/DNR ignored)
 * @returns `BLK_STS_*`: NOSPC for Capacity Exceeded; TARGET for LBA Out of Range, Command Interrupted, Namespace
 * Not Ready; NOTSUPP for invalid opcode/field/namespace and unsupported commands; MEDIUM for media errors;
 * PROTECTION for PI errors; RESV_CONFLICT; TRANSPORT for host path errors; IOERR for everything else.
 */
export function nvmeErrorStatus(status: number): number {
  switch (status & NVME_SCT_SC_MASK) {
    case NVME_SC_SUCCESS:
      return BLK_STS_OK;
    case NVME_SC_CAP_EXCEEDED:
      return BLK_STS_NOSPC;
    case NVME_SC_LBA_RANGE:
    case NVME_SC_CMD_INTERRUPTED:
    case NVME_SC_NS_NOT_READY:
      return BLK_STS_TARGET;
    case NVME_SC_BAD_ATTRIBUTES:
    case NVME_SC_ONCS_NOT_SUPPORTED:
    case NVME_SC_INVALID_OPCODE:
    case NVME_SC_INVALID_FIELD:
    case NVME_SC_INVALID_NS:
      return BLK_STS_NOTSUPP;
    case NVME_SC_WRITE_FAULT:
    case NVME_SC_READ_ERROR:
    case NVME_SC_UNWRITTEN_BLOCK:
    case NVME_SC_ACCESS_DENIED:
    case NVME_SC_READ_ONLY:
    case NVME_SC_COMPARE_FAILED:
      return BLK_STS_MEDIUM;
    case NVME_SC_GUARD_CHECK:
    case NVME_SC_APPTAG_CHECK:
    case NVME_SC_REFTAG_CHECK:
    case NVME_SC_INVALID_PI:
      return BLK_STS_PROTECTION;
    case NVME_SC_RESERVATION_CONFLICT:
      return BLK_STS_RESV_CONFLICT;
    case NVME_SC_HOST_PATH_ERROR:
      return BLK_STS_TRANSPORT;
    default:
      return BLK_STS_IOERR;
  }
}

/** Models `blk_noretry_request()` (include/linux/blkdev.h). */
export function blkNoretryRequest(rq: Request): boolean {
  return (rq.cmdFlags & (REQ_FAILFAST_DEV | REQ_FAILFAST_TRANSPORT | REQ_FAILFAST_DRIVER)) !== 0;
}

/**
 * Models `nvme_decide_disposition()` (drivers/nvme/host/core.c) without multipath: complete on success, on DNR,
 * for fail-fast requests, once `retries` reached `maxRetries`, or when the queue is dying; otherwise retry.
 * @returns `'complete'` or `'retry'`.
 */
export function nvmeDecideDisposition(
  rq: Request,
  st: NvmeRequestState,
  maxRetries: number,
  dying: boolean,
): 'complete' | 'retry' {
  if (st.status === 0) return 'complete';
  if (blkNoretryRequest(rq) || (st.status & NVME_STATUS_DNR) !== 0 || st.retries >= maxRetries) return 'complete';
  if (dying) return 'complete';
  return 'retry';
}

/**
 * Models the retry delay of `nvme_retry_req()`: CRD selects one of the controller's CRDT values (100 ms units).
 * @param crdt - Identify Controller CRDT1..3
 * @returns the delay in ns (0 without CRD).
 */
export function nvmeRetryDelayNs(status: number, crdt: readonly number[]): number {
  const crd = (status & NVME_STATUS_CRD) >> 11;
  if (crd === 0) return 0;
  return (crdt[crd - 1] ?? 0) * 100 * 1_000_000;
}

/** Models `nvme_cid()`: generation counter in bits 15:12, blk-mq tag in 11:0. */
export function nvmeCid(tag: number, genctr: number): number {
  return ((genctr & 0xf) << 12) | (tag & 0xfff);
}

/** Models `nvme_tag_from_cid()`. */
export function nvmeTagFromCid(cid: number): number {
  return cid & 0xfff;
}

/** Models `nvme_genctr_from_cid()`. */
export function nvmeGenctrFromCid(cid: number): number {
  return (cid >> 12) & 0xf;
}

/** Zeroes a command and sets opcode, nsid and CID (the common part of `nvme_setup_cmd()`). */
export function nvmeInitCmd(st: NvmeRequestState, opcode: number, nsid: number, cid: number): void {
  st.cmd.fill(0);
  st.cmd[SQE.opcode] = opcode;
  st.cmdView.setUint32(SQE.nsid, nsid, true);
  st.cmdView.setUint16(SQE.commandId, cid, true);
}

/**
 * Models `nvme_setup_rw()`: Read/Write with SLBA, 0-based NLB, FUA and Limited Retry.
 * @param lbaShift - the namespace's log2 LBA size
 */
export function nvmeSetupRw(
  st: NvmeRequestState,
  rq: Request,
  nsid: number,
  lbaShift: number,
  write: boolean,
  cid: number,
): void {
  nvmeInitCmd(st, write ? nvme_cmd_write : nvme_cmd_read, nsid, cid);
  setU64(st.cmdView, SQE.slba, rq.sector / (1 << (lbaShift - 9)));
  st.cmdView.setUint16(SQE.length, (rq.dataLen >>> lbaShift) - 1, true);
  let control = 0;
  if ((rq.cmdFlags & REQ_FUA) !== 0) control |= NVME_RW_FUA;
  if ((rq.cmdFlags & (REQ_FAILFAST_DEV | REQ_RAHEAD)) !== 0) control |= NVME_RW_LR;
  st.cmdView.setUint16(SQE.control, control, true);
}

/** Models `nvme_setup_flush()`. */
export function nvmeSetupFlush(st: NvmeRequestState, nsid: number, cid: number): void {
  nvmeInitCmd(st, nvme_cmd_flush, nsid, cid);
}

/** Models `nvme_setup_write_zeroes()`: DEAC unless `REQ_NOUNMAP` (when the namespace deallocates with it). */
export function nvmeSetupWriteZeroes(
  st: NvmeRequestState,
  rq: Request,
  nsid: number,
  lbaShift: number,
  deac: boolean,
  cid: number,
): void {
  nvmeInitCmd(st, nvme_cmd_write_zeroes, nsid, cid);
  setU64(st.cmdView, SQE.slba, rq.sector / (1 << (lbaShift - 9)));
  st.cmdView.setUint16(SQE.length, (rq.dataLen >>> lbaShift) - 1, true);
  st.cmdView.setUint16(SQE.control, (rq.cmdFlags & REQ_NOUNMAP) === 0 && deac ? NVME_WZ_DEAC : 0, true);
}

/** Models the command half of `nvme_setup_discard()`: Dataset Management, AD, one range per bio. */
export function nvmeSetupDiscard(st: NvmeRequestState, nsid: number, nranges: number, cid: number): void {
  nvmeInitCmd(st, nvme_cmd_dsm, nsid, cid);
  st.cmdView.setUint32(SQE.cdw10, nranges - 1, true);
  st.cmdView.setUint32(SQE.cdw11, 1 << 2, true);
}
