/**
 * The per-machine state shared by the mm services: memory map, counters, sanitizer, registries, waiters.
 * @internal
 * @packageDocumentation
 */
import type { Deferred, Logger, Scheduler, Topic } from '@stackemu/core';
import type { Vmstat } from '../vmstat.js';
import type { FilemapEntry, FollPinEntry, MigrateEntry } from '../trace/mm.js';
import type { AddressSpaceImpl } from './address-space-impl.js';
import type { MemMap } from './mem-map.js';
import type { MmStructImpl } from './mm-struct-impl.js';
import { PG_locked, PG_writeback } from './page-flags.js';
import type { PinSanitizer } from './pin-sanitizer.js';
import { Vmscan } from './vmscan.js';

/** THP policy (`/sys/kernel/mm/transparent_hugepage/enabled`). */
export type ThpMode = 'always' | 'madvise' | 'never';

/** Tunables of the mm model. */
export interface MmConfig {
  /** `/sys/kernel/mm/transparent_hugepage/enabled`. */
  readonly thp: ThpMode;
  /** `vm.dirty_expire_centisecs` in ns. */
  readonly dirtyExpireNs: number;
  /** `vm.dirty_writeback_centisecs` in ns (0 disables periodic writeback). */
  readonly dirtyWritebackNs: number;
  /** `vm.dirty_background_ratio` (percent of dirtyable memory). */
  readonly dirtyBackgroundRatio: number;
  /** `vm.dirty_ratio` (percent of dirtyable memory). */
  readonly dirtyRatio: number;
}

/** Live tracepoints mm emits on. */
export interface MmTopics {
  readonly follPin: Topic<FollPinEntry>;
  readonly follUnpin: Topic<FollPinEntry>;
  readonly filemapAdd: Topic<FilemapEntry>;
  readonly filemapDelete: Topic<FilemapEntry>;
  readonly migrate: Topic<MigrateEntry>;
}

/** Something that wants to hear about newly dirtied inodes (the flusher). */
export interface DirtyInodeListener {
  inodeDirtied(mapping: AddressSpaceImpl): void;
  /** Models `wb_start_background_writeback()`: start a background pass unless one runs. */
  backgroundWriteback(): void;
}

/**
 * State shared by one machine's mm services.
 */
export class MmCore {
  readonly mappings = new Map<number, AddressSpaceImpl>();
  readonly mms = new Map<number, MmStructImpl>();
  private nextMappingId = 1;
  private nextMmId = 1;
  /** The I/O the last fault started (a page-cache read), for `fault_in_*` to wait on. */
  pendingIo: Promise<number> | undefined;
  private readonly lockers = new Map<number, Deferred<undefined>[]>();
  private readonly unlockWaiters = new Map<number, Deferred<undefined>[]>();
  private readonly wbWaiters = new Map<number, Deferred<undefined>[]>();
  /** Tasks paused in `balance_dirty_pages()`, woken when writeback completes. */
  private progressWaiters: Deferred<undefined>[] = [];
  /** Set by the wiring. */
  dirtyListener: DirtyInodeListener | undefined;
  /** The file LRU and kswapd. */
  readonly vmscan: Vmscan;

  constructor(
    readonly mem: MemMap,
    readonly vm: Vmstat,
    readonly san: PinSanitizer | undefined,
    readonly sched: Scheduler,
    readonly log: Logger,
    readonly cfg: MmConfig,
    readonly tp: MmTopics,
  ) {
    this.vmscan = new Vmscan(this);
    mem.reclaim = this.vmscan;
  }

  /** A fresh address-space id. */
  allocMappingId(): number {
    return this.nextMappingId++;
  }

  /** A fresh mm id. */
  allocMmId(): number {
    return this.nextMmId++;
  }

  // ---- folio lock and writeback waits (folio_lock(), folio_wait_writeback()) ------------------------------

  /** Models `folio_trylock()`. */
  tryLock(head: number): boolean {
    if ((this.mem.pageFlags(head) & PG_locked) !== 0) return false;
    this.mem.setPageFlag(head, PG_locked);
    return true;
  }

  /** Models `folio_lock()`: waits in virtual time for the lock. */
  lock(head: number): Promise<void> {
    if (this.tryLock(head)) return Promise.resolve();
    const d = this.sched.defer<undefined>();
    let l = this.lockers.get(head);
    if (l === undefined) {
      l = [];
      this.lockers.set(head, l);
    }
    l.push(d);
    return d.promise;
  }

  /** Models `folio_unlock()`: hands the lock to the next waiter, wakes those waiting for the unlock. */
  unlock(head: number): void {
    const w = this.unlockWaiters.get(head);
    if (w !== undefined) {
      this.unlockWaiters.delete(head);
      for (const d of w) d.resolve(undefined);
    }
    const l = this.lockers.get(head);
    if (l !== undefined && l.length > 0) {
      const d = l.shift() as Deferred<undefined>;
      if (l.length === 0) this.lockers.delete(head);
      d.resolve(undefined);
      return;
    }
    this.mem.clearPageFlag(head, PG_locked);
  }

  /** Models `folio_wait_locked()`. */
  waitUnlocked(head: number): Promise<void> {
    if ((this.mem.pageFlags(head) & PG_locked) === 0) return Promise.resolve();
    const d = this.sched.defer<undefined>();
    let l = this.unlockWaiters.get(head);
    if (l === undefined) {
      l = [];
      this.unlockWaiters.set(head, l);
    }
    l.push(d);
    return d.promise;
  }

  /** Models `folio_wait_writeback()`. */
  waitWriteback(head: number): Promise<void> {
    if ((this.mem.pageFlags(head) & PG_writeback) === 0) return Promise.resolve();
    const d = this.sched.defer<undefined>();
    let l = this.wbWaiters.get(head);
    if (l === undefined) {
      l = [];
      this.wbWaiters.set(head, l);
    }
    l.push(d);
    return d.promise;
  }

  /** Wakes `folio_wait_writeback()` waiters (end of writeback). */
  wakeWriteback(head: number): void {
    const l = this.wbWaiters.get(head);
    if (l === undefined) return;
    this.wbWaiters.delete(head);
    for (const d of l) d.resolve(undefined);
  }

  /**
   * Waits until some folio's writeback ends or `timeoutNs` of virtual time pass, whichever is first (the
   * `io_schedule_timeout()` of `balance_dirty_pages()`).
   */
  waitWritebackProgress(timeoutNs: number): Promise<void> {
    const d = this.sched.defer<undefined>();
    this.progressWaiters.push(d);
    const t = this.sched.schedule(timeoutNs, () => {
      const i = this.progressWaiters.indexOf(d);
      if (i < 0) return;
      this.progressWaiters.splice(i, 1);
      d.resolve(undefined);
    });
    return d.promise.then(() => {
      this.sched.cancel(t);
    });
  }

  /** Tasks waiting in {@link MmCore.waitWritebackProgress}. */
  get writebackProgressWaiters(): number {
    return this.progressWaiters.length;
  }

  /** Wakes the tasks paused in `balance_dirty_pages()` (a writeback completed). */
  wakeWritebackProgress(): void {
    if (this.progressWaiters.length === 0) return;
    const l = this.progressWaiters;
    this.progressWaiters = [];
    for (const d of l) d.resolve(undefined);
  }
}
