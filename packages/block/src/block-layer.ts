/**
 * The block layer of one machine: the per-machine state the kernel keeps in globals and `current`.
 * @packageDocumentation
 */
import type { CounterRegistry, EventBus, Logger, Scheduler, Topic } from '@stackemu/core';
import type { Bio } from './blk-types.js';
import type { BlockEra, PageRefPolicy } from './block-era.js';
import type { BlkPlug } from './blk-plug.js';
import type { DioW } from './dio-w.js';
import type { BlockDeviceRegistry } from './genhd.js';
import type { Gup, PhysMem, Sanitizer } from './internal/mm.js';
import type { IovMem } from './iov-mem.js';
import {
  blockBioBackmerge,
  blockBioComplete,
  blockBioFrontmerge,
  blockBioQueue,
  blockGetrq,
  blockPlug,
  blockRqComplete,
  blockRqError,
  blockRqInsert,
  blockRqIssue,
  blockRqRequeue,
  blockSplit,
  blockUnplug,
  dioWIterNotUserBacked,
  type BlockBioCompleteEntry,
  type BlockBioEntry,
  type BlockPlugEntry,
  type BlockRqCompletionEntry,
  type BlockRqEntry,
  type BlockSplitEntry,
  type BlockUnplugEntry,
  type DioWWarnEntry,
} from './trace/block.js';

/** Service id of the machine's {@link BlockLayer}. */
export const BlockLayer = Symbol.for('stackemu.BlockLayer');

/** The live block tracepoints of one machine, resolved once. */
export interface BlockTrace {
  /** `block:block_bio_queue`. */
  readonly bioQueue: Topic<BlockBioEntry>;
  /** `block:block_bio_complete`. */
  readonly bioComplete: Topic<BlockBioCompleteEntry>;
  /** `block:block_bio_backmerge`. */
  readonly bioBackmerge: Topic<BlockBioEntry>;
  /** `block:block_bio_frontmerge`. */
  readonly bioFrontmerge: Topic<BlockBioEntry>;
  /** `block:block_getrq`. */
  readonly getrq: Topic<BlockBioEntry>;
  /** `block:block_split`. */
  readonly split: Topic<BlockSplitEntry>;
  /** `block:block_plug`. */
  readonly plug: Topic<BlockPlugEntry>;
  /** `block:block_unplug`. */
  readonly unplug: Topic<BlockUnplugEntry>;
  /** `block:block_rq_insert`. */
  readonly rqInsert: Topic<BlockRqEntry>;
  /** `block:block_rq_issue`. */
  readonly rqIssue: Topic<BlockRqEntry>;
  /** `block:block_rq_requeue`. */
  readonly rqRequeue: Topic<BlockRqEntry>;
  /** `block:block_rq_complete`. */
  readonly rqComplete: Topic<BlockRqCompletionEntry>;
  /** `block:block_rq_error`. */
  readonly rqError: Topic<BlockRqCompletionEntry>;
  /** `block:dio_w_iter_not_user_backed`. */
  readonly dioWWarn: Topic<DioWWarnEntry>;
}

/**
 * Resolves the block tracepoints on a trace bus.
 * @param bus - the machine's trace bus
 * @returns the live topics
 */
export function blockTrace(bus: EventBus): BlockTrace {
  return {
    bioQueue: bus.topic(blockBioQueue),
    bioComplete: bus.topic(blockBioComplete),
    bioBackmerge: bus.topic(blockBioBackmerge),
    bioFrontmerge: bus.topic(blockBioFrontmerge),
    getrq: bus.topic(blockGetrq),
    split: bus.topic(blockSplit),
    plug: bus.topic(blockPlug),
    unplug: bus.topic(blockUnplug),
    rqInsert: bus.topic(blockRqInsert),
    rqIssue: bus.topic(blockRqIssue),
    rqRequeue: bus.topic(blockRqRequeue),
    rqComplete: bus.topic(blockRqComplete),
    rqError: bus.topic(blockRqError),
    dioWWarn: bus.topic(dioWIterNotUserBacked),
  };
}

/**
 * The block layer of one machine: what `block/` and `lib/iov_iter.c` reach through kernel globals
 * (`bio_dirty_list`, `fs_bio_set`, `current->plug`, `current->bio_list`) plus the machine's mm services.
 *
 * @remarks Resolve it once at setup (`machine.get(BlockLayer)`) and keep it; objects built from it (disks,
 * bios, tag sets) carry it, so per-I/O code never asks the container.
 */
export interface BlockLayer extends IovMem {
  /** Pages and bytes. */
  readonly physMem: PhysMem;
  /** GUP and pins. */
  readonly gup: Gup;
  /** The pin sanitizer, or undefined when off. */
  readonly sanitizer: Sanitizer | undefined;
  /** Virtual time. */
  readonly scheduler: Scheduler;
  /** Counters (the RFC's `pin_user_page()` bumps `nr_foll_pin_acquired` through it). */
  readonly counters: CounterRegistry;
  /** The block plugin's logger. */
  readonly log: Logger;
  /** The kernel era being modelled. */
  readonly era: BlockEra;
  /** `CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO`. */
  readonly configPin: boolean;
  /** The default `dio_w_*` wrappers (policy from the era and the CONFIG). */
  readonly dioW: DioW;
  /** Registered disks. */
  readonly registry: BlockDeviceRegistry;
  /** Live tracepoints. */
  readonly trace: BlockTrace;
  /** CPUs the software queues map (`nr_cpu_ids`). */
  readonly nrCpus: number;
  /** `raw_smp_processor_id()`: the CPU submitting now (default 0). */
  cpu: number;
  /** `current->plug`: the plug of the submitting task, if any. */
  plug: BlkPlug | undefined;
  /** When true, the RFC patch-3 assertion throws instead of only recording a finding. */
  dioWStrict: boolean;
  /**
   * Wrappers with a given policy (a filesystem that declares its paths converted or not).
   * @param policy - `'gup'` or `'pin'`
   */
  dioWFor(policy: PageRefPolicy): DioW;
  /** Every patch-3 assertion that fired, in order. */
  dioWFindings(): readonly DioWWarnEntry[];
  /** @internal Records a patch-3 finding. */
  recordDioWFinding(e: DioWWarnEntry): void;
  /** @internal Free bios (`bio_set` mempool). */
  readonly bioPool: Bio[];
  /** @internal Serial number of the last bio allocated. */
  bioSerial: number;
  /** @internal `current->bio_list` while `submit_bio_noacct()` runs, else undefined. */
  bioList: Bio[] | undefined;
  /** @internal The array reused as `current->bio_list`. */
  readonly bioListStore: Bio[];
  /** @internal `bio_dirty_list`. */
  readonly bioDirtyList: Bio[];
  /** @internal True while `bio_dirty_work` is scheduled. */
  bioDirtyScheduled: boolean;
  /** @internal Page-pointer scratch for `__bio_iov_iter_get_pages()`. */
  readonly pageScratch: number[];
  /** Bios allocated and not yet freed (leak check). */
  readonly biosLive: number;
  /** @internal Adjusts {@link biosLive}. */
  bioLiveDelta(d: number): void;
}
