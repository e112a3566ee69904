/**
 * `/proc/vmstat` counters of the model (mm/vmstat.c `vmstat_text[]` names), in the `vmstat` counter group.
 * @packageDocumentation
 */
import type { Counter, CounterRegistry } from '@stackemu/core';

/** The counter group holding the mm counters, as `/proc/vmstat`. */
export const VMSTAT_GROUP = 'vmstat';

/**
 * Models the counters of mm/vmstat.c (`vmstat_text[]`): zone and node items first, then events, in the
 * kernel's order. Each field is a live `Counter` of core; hot paths add to `.value` directly.
 * @remarks One per machine, registered in the machine's `CounterRegistry` under group `vmstat`.
 */
export class Vmstat {
  /** `nr_free_pages`: free pages in all zones. */
  readonly nrFreePages: Counter;
  /** `nr_anon_pages`: mapped anonymous pages (`NR_ANON_MAPPED`). */
  readonly nrAnonPages: Counter;
  /** `nr_mapped`: file pages mapped into page tables. */
  readonly nrMapped: Counter;
  /** `nr_file_pages`: pages in the page cache (shmem included). */
  readonly nrFilePages: Counter;
  /** `nr_dirty`: dirty page-cache pages. */
  readonly nrDirty: Counter;
  /** `nr_writeback`: page-cache pages under writeback. */
  readonly nrWriteback: Counter;
  /** `nr_shmem`: shmem pages. */
  readonly nrShmem: Counter;
  /** `nr_anon_transparent_hugepages`: anon THPs (PMD-sized), in THPs. */
  readonly nrAnonTransparentHugepages: Counter;
  /** `nr_dirtied`: pages ever dirtied. */
  readonly nrDirtied: Counter;
  /** `nr_written`: pages ever written back. */
  readonly nrWritten: Counter;
  /** `nr_foll_pin_acquired`: pages pinned with FOLL_PIN (one per page per pin). */
  readonly nrFollPinAcquired: Counter;
  /** `nr_foll_pin_released`: pages unpinned (one per page per unpin). */
  readonly nrFollPinReleased: Counter;
  /** `pgalloc_normal`: pages allocated from ZONE_NORMAL. */
  readonly pgallocNormal: Counter;
  /** `pgalloc_movable`: pages allocated from ZONE_MOVABLE. */
  readonly pgallocMovable: Counter;
  /** `pgfree`: pages freed. */
  readonly pgfree: Counter;
  /** `pgfault`: page faults. */
  readonly pgfault: Counter;
  /** `pgmajfault`: faults that needed I/O. */
  readonly pgmajfault: Counter;
  /** `pgsteal_kswapd`: page-cache pages reclaimed by kswapd. */
  readonly pgstealKswapd: Counter;
  /** `pgscan_kswapd`: LRU pages kswapd scanned. */
  readonly pgscanKswapd: Counter;
  /** `pgmigrate_success`: pages migrated. */
  readonly pgmigrateSuccess: Counter;
  /** `pgmigrate_fail`: pages that failed to migrate. */
  readonly pgmigrateFail: Counter;
  /** `thp_fault_alloc`: THPs allocated at fault time. */
  readonly thpFaultAlloc: Counter;
  /** `thp_fault_fallback`: THP faults that fell back to small pages. */
  readonly thpFaultFallback: Counter;
  /** `thp_split_pmd`: PMD mappings split into PTEs. */
  readonly thpSplitPmd: Counter;
  /** `thp_migration_success`: THPs migrated whole. */
  readonly thpMigrationSuccess: Counter;

  /** @param counters - the machine's counter registry */
  constructor(counters: CounterRegistry) {
    const c = (name: string, help: string): Counter => counters.counter(VMSTAT_GROUP, name, help);
    this.nrFreePages = c('nr_free_pages', 'free pages');
    this.nrAnonPages = c('nr_anon_pages', 'mapped anonymous pages');
    this.nrMapped = c('nr_mapped', 'mapped page-cache pages');
    this.nrFilePages = c('nr_file_pages', 'page-cache pages');
    this.nrDirty = c('nr_dirty', 'dirty page-cache pages');
    this.nrWriteback = c('nr_writeback', 'page-cache pages under writeback');
    this.nrShmem = c('nr_shmem', 'shmem pages');
    this.nrAnonTransparentHugepages = c('nr_anon_transparent_hugepages', 'anonymous PMD-sized THPs');
    this.nrDirtied = c('nr_dirtied', 'pages dirtied');
    this.nrWritten = c('nr_written', 'pages written back');
    this.nrFollPinAcquired = c('nr_foll_pin_acquired', 'pages pinned with FOLL_PIN');
    this.nrFollPinReleased = c('nr_foll_pin_released', 'pages unpinned');
    this.pgallocNormal = c('pgalloc_normal', 'pages allocated from ZONE_NORMAL');
    this.pgallocMovable = c('pgalloc_movable', 'pages allocated from ZONE_MOVABLE');
    this.pgfree = c('pgfree', 'pages freed');
    this.pgfault = c('pgfault', 'page faults');
    this.pgmajfault = c('pgmajfault', 'major page faults');
    this.pgstealKswapd = c('pgsteal_kswapd', 'pages reclaimed by kswapd');
    this.pgscanKswapd = c('pgscan_kswapd', 'pages scanned by kswapd');
    this.pgmigrateSuccess = c('pgmigrate_success', 'pages migrated');
    this.pgmigrateFail = c('pgmigrate_fail', 'pages that failed to migrate');
    this.thpFaultAlloc = c('thp_fault_alloc', 'THPs allocated on fault');
    this.thpFaultFallback = c('thp_fault_fallback', 'THP faults that fell back to small pages');
    this.thpSplitPmd = c('thp_split_pmd', 'PMD mappings split');
    this.thpMigrationSuccess = c('thp_migration_success', 'THPs migrated');
  }
}
