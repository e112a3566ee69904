/**
 * nvme tracepoints (drivers/nvme/host/trace.h).
 * @packageDocumentation
 */
import { tracepoint } from '@stackemu/core';

/** Payload of `nvme:nvme_setup_cmd`. */
export interface NvmeSetupCmdEntry {
  /** Controller instance. */
  readonly ctrlId: number;
  /** Queue id. */
  readonly qid: number;
  /** Command identifier. */
  readonly cid: number;
  /** Namespace id. */
  readonly nsid: number;
  /** Opcode. */
  readonly opcode: number;
  /** SQE flags (or `nvme_req` flags). */
  readonly flags: number;
  /** CDW10–15 as the kernel prints them (`cdw10=…`). */
  readonly cdw10: number;
}

/** Payload of `nvme:nvme_complete_rq`. */
export interface NvmeCompleteRqEntry {
  /** Controller instance. */
  readonly ctrlId: number;
  /** Queue id. */
  readonly qid: number;
  /** Command identifier. */
  readonly cid: number;
  /** Completion DW0. */
  readonly result: number;
  /** Retries so far. */
  readonly retries: number;
  /** SQE flags (or `nvme_req` flags). */
  readonly flags: number;
  /** NVMe status. */
  readonly status: number;
}

/** Payload of `nvme:nvme_sq`. */
export interface NvmeSqEntry {
  /** Controller instance. */
  readonly ctrlId: number;
  /** Queue id. */
  readonly qid: number;
  /** SQ head reported by the CQE. */
  readonly sqHead: number;
  /** The host's SQ tail. */
  readonly sqTail: number;
}

/** Payload of `nvme:nvme_async_event`. */
export interface NvmeAsyncEventEntry {
  /** Controller instance. */
  readonly ctrlId: number;
  /** Completion DW0. */
  readonly result: number;
}

/** Models the `nvme:nvme_setup_cmd` tracepoint (fired by `nvme_setup_cmd()`). */
export const nvmeSetupCmd = tracepoint<NvmeSetupCmdEntry>('nvme', 'nvme_setup_cmd');
/** Models the `nvme:nvme_complete_rq` tracepoint (fired by `nvme_complete_rq()`). */
export const nvmeCompleteRq = tracepoint<NvmeCompleteRqEntry>('nvme', 'nvme_complete_rq');
/** Models the `nvme:nvme_sq` tracepoint (fired per CQE with the SQ head it reports). */
export const nvmeSq = tracepoint<NvmeSqEntry>('nvme', 'nvme_sq');
/** Models the `nvme:nvme_async_event` tracepoint. */
export const nvmeAsyncEvent = tracepoint<NvmeAsyncEventEntry>('nvme', 'nvme_async_event');

/** Every nvme tracepoint, for the plugin's `tracepoints` list. */
export const nvmeTracepoints = [nvmeSetupCmd, nvmeCompleteRq, nvmeSq, nvmeAsyncEvent] as const;
