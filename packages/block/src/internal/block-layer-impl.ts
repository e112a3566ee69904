/**
 * The implementation of `BlockLayer`.
 * @internal
 * @packageDocumentation
 */
import type { CounterRegistry, EventBus, Logger, Scheduler } from '@stackemu/core';
import { blockTrace, type BlockLayer, type BlockTrace } from '../block-layer.js';
import type { BlockEra, PageRefPolicy } from '../block-era.js';
import type { Bio } from '../blk-types.js';
import type { BlkPlug } from '../blk-plug.js';
import { createDioW, type DioW } from '../dio-w.js';
import { GenhdRegistry } from '../genhd.js';
import type { DioWWarnEntry } from '../trace/block.js';
import type { Gup, PhysMem, Sanitizer } from './mm.js';

/** What a block layer is built from (see `createBlockLayer`). */
export interface BlockLayerDeps {
  /** Pages and bytes. */
  readonly physMem: PhysMem;
  /** GUP and pins. */
  readonly gup: Gup;
  /** The pin sanitizer, if on. */
  readonly sanitizer: Sanitizer | undefined;
  /** Virtual time. */
  readonly scheduler: Scheduler;
  /** Counters. */
  readonly counters: CounterRegistry;
  /** The trace bus. */
  readonly trace: EventBus;
  /** The block plugin logger. */
  readonly log: Logger;
  /** The kernel era. */
  readonly era: BlockEra;
  /** `CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO`. */
  readonly configPin: boolean;
  /** `nr_cpu_ids`. */
  readonly nrCpus: number;
  /** Make the patch-3 assertion throw. */
  readonly dioWStrict: boolean;
}

/** The block layer of one machine. */
export class BlockLayerImpl implements BlockLayer {
  readonly physMem: PhysMem;
  readonly gup: Gup;
  readonly sanitizer: Sanitizer | undefined;
  readonly scheduler: Scheduler;
  readonly counters: CounterRegistry;
  readonly log: Logger;
  readonly era: BlockEra;
  readonly configPin: boolean;
  readonly dioW: DioW;
  readonly registry: GenhdRegistry;
  readonly trace: BlockTrace;
  readonly nrCpus: number;
  cpu = 0;
  plug: BlkPlug | undefined = undefined;
  dioWStrict: boolean;
  readonly bioPool: Bio[] = [];
  bioSerial = 0;
  bioList: Bio[] | undefined = undefined;
  readonly bioListStore: Bio[] = [];
  readonly bioDirtyList: Bio[] = [];
  bioDirtyScheduled = false;
  readonly pageScratch: number[] = [];
  private live = 0;
  private readonly dioWs: Record<PageRefPolicy, DioW>;
  private readonly findings: DioWWarnEntry[] = [];
  private readonly warnedSites = new Set<string>();

  constructor(d: BlockLayerDeps) {
    this.physMem = d.physMem;
    this.gup = d.gup;
    this.sanitizer = d.sanitizer;
    this.scheduler = d.scheduler;
    this.counters = d.counters;
    this.log = d.log;
    this.era = d.era;
    this.configPin = d.configPin;
    this.nrCpus = d.nrCpus;
    this.dioWStrict = d.dioWStrict;
    this.registry = new GenhdRegistry();
    this.trace = blockTrace(d.trace);
    this.dioWs = { gup: createDioW(this, 'gup'), pin: createDioW(this, 'pin') };
    this.dioW = this.dioWs[d.era.dioWPolicy(d.configPin)];
  }

  get biosLive(): number {
    return this.live;
  }

  bioLiveDelta(n: number): void {
    this.live += n;
  }

  dioWFor(policy: PageRefPolicy): DioW {
    return this.dioWs[policy];
  }

  dioWFindings(): readonly DioWWarnEntry[] {
    return this.findings;
  }

  recordDioWFinding(e: DioWWarnEntry): void {
    this.findings.push(e);
    if (!this.warnedSites.has(e.site)) {
      this.warnedSites.add(e.site);
      this.log.warn({ site: e.site, iterType: e.iterType }, `WARN_ON_ONCE(!iter_is_iovec(iter)) at ${e.site}`);
    }
  }
}

/**
 * Builds a machine's block layer from its parts, without a container (tests, tools). The `block` plugin
 * does this from the machine's services.
 * @param deps - the services and settings
 * @returns the block layer
 */
export function createBlockLayer(deps: BlockLayerDeps): BlockLayer {
  return new BlockLayerImpl(deps);
}
