/**
 * The writeback flusher's service interface.
 * @packageDocumentation
 */

/** Service identifier of {@link Flusher}. */
export const Flusher = Symbol.for('stackemu.Flusher');

/**
 * Models the per-bdi flusher work (fs/fs-writeback.c `wb_workfn()`): periodic writeback of inodes dirty for
 * longer than `dirty_expire_centisecs`, checked every `dirty_writeback_centisecs`, and background writeback
 * while `nr_dirty` exceeds `dirty_background_ratio` of memory, all in virtual time, through each
 * filesystem's `writepages`.
 */
export interface Flusher {
  /** Models `wakeup_flusher_threads()` (fs/fs-writeback.c): a pass now. */
  wakeup(): void;
  /**
   * Models `sync(2)` → `sync_inodes_sb()` for every filesystem: a `WB_SYNC_ALL` pass over every dirty
   * mapping, waiting for the writeback to finish.
   * @returns 0 or the first error
   */
  syncAll(): Promise<number>;
  /** Inodes on the dirty list. */
  dirtyInodes(): number;
}
