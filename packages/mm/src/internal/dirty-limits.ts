/**
 * The global dirty thresholds (mm/page-writeback.c `global_dirtyable_memory()`, `domain_dirty_limits()`).
 * @internal
 * @packageDocumentation
 */
import type { MmCore } from './mm-core.js';

/** The dirty thresholds of the moment, in pages. */
export interface DirtyLimits {
  /** `dirty_thresh`: `vm.dirty_ratio` of dirtyable memory; writers are held at or below it. */
  readonly thresh: number;
  /** `bg_thresh`: `vm.dirty_background_ratio` of dirtyable memory; background writeback starts above it. */
  readonly bgThresh: number;
}

/**
 * Models `global_dirtyable_memory()`: free pages plus file LRU pages (page cache less shmem), less the
 * reserve kept free (the high watermark).
 */
export function globalDirtyableMemory(core: MmCore): number {
  const vm = core.vm;
  const n = vm.nrFreePages.value + vm.nrFilePages.value - vm.nrShmem.value - core.vmscan.wmark.high;
  return n > 0 ? n : 0;
}

/** Models `global_dirty_limits()` → `domain_dirty_limits()` with ratios (no `dirty_bytes`, no RT boost). */
export function globalDirtyLimits(core: MmCore): DirtyLimits {
  const avail = globalDirtyableMemory(core);
  const thresh = Math.floor((avail * core.cfg.dirtyRatio) / 100);
  let bgThresh = Math.floor((avail * core.cfg.dirtyBackgroundRatio) / 100);
  if (bgThresh >= thresh) bgThresh = Math.floor(thresh / 2);
  return { thresh, bgThresh };
}

/** Models `dirty_freerun_ceiling()`: below this many dirty + writeback pages, writers are never paused. */
export function dirtyFreerunCeiling(l: DirtyLimits): number {
  return Math.floor((l.thresh + l.bgThresh) / 2);
}
