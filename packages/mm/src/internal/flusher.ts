/**
 * The flusher: periodic ("kupdate") and background writeback in virtual time (fs/fs-writeback.c
 * `wb_workfn()` → `wb_do_writeback()`, mm/page-writeback.c thresholds).
 * @internal
 * @packageDocumentation
 */
import type { TimerHandle } from '@stackemu/core';
import { WB_SYNC_ALL, WB_SYNC_NONE, type WritebackControl } from '../fs.js';
import type { Flusher } from '../flusher.js';
import { filemapFdatawaitRange, writebackControl } from '../page-writeback.js';
import { globalDirtyLimits } from './dirty-limits.js';
import type { AddressSpaceImpl } from './address-space-impl.js';
import type { DirtyInodeListener, MmCore } from './mm-core.js';

/**
 * One `bdi_writeback` for the whole machine: a dirty-inode list in dirtying order, woken
 * `dirty_writeback_centisecs` after an inode is first dirtied, writing inodes older than
 * `dirty_expire_centisecs`, and everything while `nr_dirty` is above the background threshold.
 */
export class FlusherImpl implements Flusher, DirtyInodeListener {
  private readonly dirty = new Set<AddressSpaceImpl>();
  private timer: TimerHandle | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  /** Passes run. */
  passes = 0;

  constructor(private readonly core: MmCore) {}

  /** Background threshold in pages (`dirty_background_ratio` of dirtyable memory). */
  get backgroundThresh(): number {
    return globalDirtyLimits(this.core).bgThresh;
  }

  /** Models `wb_over_bg_thresh()`: dirty pages (not counting writeback) above the background threshold. */
  private overBgThresh(): boolean {
    return this.core.vm.nrDirty.value > this.backgroundThresh;
  }

  backgroundWriteback(): void {
    if (this.running === undefined && this.overBgThresh()) this.wakeup();
  }

  inodeDirtied(mapping: AddressSpaceImpl): void {
    this.dirty.add(mapping);
    if (this.stopped) return;
    if (this.core.vm.nrDirty.value > this.backgroundThresh) this.wakeup();
    else if (this.timer === undefined && this.running === undefined && this.core.cfg.dirtyWritebackNs > 0) {
      this.timer = this.core.sched.schedule(this.core.cfg.dirtyWritebackNs, () => {
        this.fire();
      });
    }
  }

  wakeup(): void {
    if (this.stopped || this.running !== undefined) return;
    if (this.timer !== undefined) {
      this.core.sched.cancel(this.timer);
      this.timer = undefined;
    }
    this.timer = this.core.sched.schedule(0, () => {
      this.fire();
    });
  }

  private fire(): void {
    this.timer = undefined;
    if (this.running !== undefined || this.stopped) return;
    // Start the pass as an awakened process (a deferred the scheduler counts), so run() drains it.
    const d = this.core.sched.defer<undefined>();
    this.running = d.promise
      .then(() => this.pass())
      .finally(() => {
        this.running = undefined;
        this.reschedule();
      });
    d.resolve(undefined);
  }

  private reschedule(): void {
    if (this.stopped || this.timer !== undefined || this.dirty.size === 0) return;
    const now = this.core.sched.now();
    let next = Number.MAX_SAFE_INTEGER;
    for (const m of this.dirty) next = Math.min(next, m.dirtiedWhen + this.core.cfg.dirtyExpireNs);
    const interval = this.core.cfg.dirtyWritebackNs;
    if (interval <= 0 && this.core.vm.nrDirty.value <= this.backgroundThresh) return;
    const at = Math.max(now + Math.max(interval, 1), Math.min(next, now + interval));
    this.timer = this.core.sched.scheduleAt(
      at,
      () => {
        this.fire();
      },
      undefined,
    );
  }

  /**
   * One `wb_do_writeback()` pass: expired inodes, and rounds of `MAX_WRITEBACK_PAGES` chunks over the dirty
   * inodes while above the background threshold (`wb_writeback()` loops while `wb_over_bg_thresh()`).
   */
  private async pass(): Promise<void> {
    this.passes++;
    for (;;) {
      const before = this.core.vm.nrDirty.value;
      await this.round();
      if (!this.overBgThresh() || this.core.vm.nrDirty.value >= before || this.stopped) return;
    }
  }

  /** One round over the dirty inodes. */
  private async round(): Promise<void> {
    const now = this.core.sched.now();
    for (const m of [...this.dirty]) {
      if (!m.hasDirty || !m.canWriteback) {
        this.forget(m);
        continue;
      }
      const background = this.overBgThresh();
      const expired = m.dirtiedWhen + this.core.cfg.dirtyExpireNs <= now;
      if (!background && !expired) continue;
      const wbc: WritebackControl = {
        ...writebackControl(WB_SYNC_NONE),
        rangeCyclic: true,
        forBackground: background,
        forKupdate: !background,
      };
      const before = m.dirtyTag.size;
      const r = await m.aops.writepages(m, wbc);
      if (r < 0) m.setError(r);
      // Clean now, or no progress: off the list (a stuck inode is parked until dirtied again, which avoids a
      // livelock in virtual time).
      if (m.dirtyCount() === 0 || m.dirtyCount() >= before) this.forget(m);
    }
  }

  private forget(m: AddressSpaceImpl): void {
    this.dirty.delete(m);
    m.dirtiedWhen = -1;
  }

  async syncAll(): Promise<number> {
    let err = 0;
    for (const m of [...this.core.mappings.values()]) {
      if (!m.canWriteback || !m.hasDirty) continue;
      const r = await m.aops.writepages(m, writebackControl(WB_SYNC_ALL));
      if (r < 0 && err === 0) err = r;
    }
    for (const m of [...this.core.mappings.values()]) {
      if (m.writebackTag.size === 0) continue;
      const r = await filemapFdatawaitRange(m, 0, Number.MAX_SAFE_INTEGER);
      if (r < 0 && err === 0) err = r;
    }
    for (const m of [...this.dirty]) if (!m.hasDirty) this.forget(m);
    return err;
  }

  dirtyInodes(): number {
    return this.dirty.size;
  }

  /** Cancels timers (machine stop). */
  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.core.sched.cancel(this.timer);
    this.timer = undefined;
  }
}
