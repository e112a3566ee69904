/**
 * Tracepoints of the mm subsystem (include/trace/events/mm.h style: `gup.h`, `filemap.h`, `kmem.h`,
 * `migrate.h`), plus the pin sanitizer's reports.
 * @packageDocumentation
 */
import { tracepoint } from '@stackemu/core';
import type { SanitizerFinding } from '../sanitizer-finding.js';

/** Entry of `mm:foll_pin` / `mm:foll_unpin`: one grab or release of pins on one folio. */
export interface FollPinEntry {
  /** The first page of the run (not necessarily the folio head). */
  readonly pfn: number;
  /** The folio head. */
  readonly head: number;
  /** Pages pinned or unpinned in this run (the vmstat delta). */
  readonly refs: number;
  /** The folio's refcount after the operation. */
  readonly refcount: number;
  /** The folio's pincount after the operation (large folios; 0 for small ones). */
  readonly pincount: number;
}

/**
 * Models a tracepoint on `try_grab_folio()` (mm/gup.c) for FOLL_PIN: emitted once per folio run that is
 * pinned, with the number of pages (what `nr_foll_pin_acquired` adds).
 */
export const mmFollPin = tracepoint<FollPinEntry>('mm', 'foll_pin');
/** Models a tracepoint on `gup_put_folio()` (mm/gup.c) for FOLL_PIN: emitted once per folio run unpinned. */
export const mmFollUnpin = tracepoint<FollPinEntry>('mm', 'foll_unpin');
/** A pin sanitizer report (stackemu's own; the kernel has no such checker): one {@link SanitizerFinding}. */
export const mmPinSanitizer = tracepoint<SanitizerFinding>('mm', 'pin_sanitizer');

/** Entry of the page cache tracepoints. */
export interface FilemapEntry {
  /** The address space's id. */
  readonly mapping: number;
  /** The folio's index in the file, in pages. */
  readonly index: number;
  /** The folio head. */
  readonly pfn: number;
  /** Pages in the folio. */
  readonly nr: number;
}
/** Models `filemap:mm_filemap_add_to_page_cache` (include/trace/events/filemap.h). */
export const mmFilemapAddToPageCache = tracepoint<FilemapEntry>('filemap', 'mm_filemap_add_to_page_cache');
/** Models `filemap:mm_filemap_delete_from_page_cache` (include/trace/events/filemap.h). */
export const mmFilemapDeleteFromPageCache = tracepoint<FilemapEntry>('filemap', 'mm_filemap_delete_from_page_cache');

/** Entry of `kmem:mm_page_alloc` / `kmem:mm_page_free`. */
export interface PageAllocEntry {
  /** The first page. */
  readonly pfn: number;
  /** Buddy order. */
  readonly order: number;
  /** Zone name (`Normal`, `Movable`). */
  readonly zone: string;
}
/** Models `kmem:mm_page_alloc` (include/trace/events/kmem.h). */
export const mmPageAlloc = tracepoint<PageAllocEntry>('kmem', 'mm_page_alloc');
/** Models `kmem:mm_page_free` (include/trace/events/kmem.h). */
export const mmPageFree = tracepoint<PageAllocEntry>('kmem', 'mm_page_free');

/** Entry of `migrate:mm_migrate_pages`-style per-folio migration. */
export interface MigrateEntry {
  /** The source folio head. */
  readonly from: number;
  /** The destination folio head. */
  readonly to: number;
  /** Pages moved. */
  readonly nr: number;
  /** Why (`MR_LONGTERM_PIN`). */
  readonly reason: string;
}
/** Models `migrate:mm_migrate_pages` (include/trace/events/migrate.h), one entry per migrated folio. */
export const mmMigratePages = tracepoint<MigrateEntry>('migrate', 'mm_migrate_pages');

/** Every tracepoint of the mm plugin, for its `tracepoints` list. */
export const mmTracepoints = [
  mmFollPin,
  mmFollUnpin,
  mmPinSanitizer,
  mmFilemapAddToPageCache,
  mmFilemapDeleteFromPageCache,
  mmPageAlloc,
  mmPageFree,
  mmMigratePages,
] as const;
