/**
 * The lenient page-cache invalidation of mm/truncate.c: `mapping_try_invalidate()` and
 * `invalidate_mapping_pages()`, which drop only the clean, unused folios of a range and skip the rest.
 * @packageDocumentation
 */
import type { AddressSpace } from './address-space.js';
import { folioTrylock, folioUnlock } from './filemap.js';
import { asImpl } from './internal/as-impl.js';
import type { AddressSpaceImpl } from './internal/address-space-impl.js';

/**
 * The cached indexes of `[start, end]`, ascending: `find_lock_entries()`'s walk of `i_pages`. Probes the
 * range when it is shorter than the cache, else filters the cache.
 */
function cachedIndexes(m: AddressSpaceImpl, start: number, end: number): number[] {
  if (end < start || m.pages.size === 0) return [];
  if (end - start < m.pages.size) {
    const out: number[] = [];
    for (let i = start; i <= end; i++) if (m.pages.has(i)) out.push(i);
    return out;
  }
  return [...m.pages.keys()].filter((i) => i >= start && i <= end).sort((a, b) => a - b);
}

/**
 * Models `mapping_evict_folio()` (mm/truncate.c) on a locked folio: removes it from the page cache unless it
 * is dirty, under writeback, or has references besides the page cache's own (mapped into a page table, pinned,
 * or held by someone), or its filesystem refuses to release it (`filemap_release_folio()`).
 * @returns 1 if the folio was removed, else 0
 */
function mappingEvictFolio(m: AddressSpaceImpl, pfn: number): number {
  const mem = m.core.mem;
  if (mem.pageDirty(pfn) || mem.pageWriteback(pfn)) return 0;
  // folio_ref_count() > folio_nr_pages() + folio_has_private() + 1 (the walk's reference, not taken here):
  // the page cache holds one reference per folio in this model, mappings and pins add theirs.
  if (mem.pageRefcount(pfn) > 1 || mem.folioMapcount(pfn) > 0) return 0;
  if (m.aops.releaseFolio !== undefined && !m.aops.releaseFolio(m, pfn)) return 0;
  // remove_mapping(): frees the folio once the page cache's reference is dropped.
  m.remove(pfn);
  return 1;
}

/**
 * Models `mapping_try_invalidate()` (mm/truncate.c): drops the clean, unmapped, unused folios at page indexes
 * [`start`, `end`] (inclusive). Folios that are locked or under writeback are skipped silently (as
 * `find_lock_entries()` skips them); dirty, mapped, pinned or otherwise referenced folios stay and are counted
 * in `nrFailed`. Never sleeps, never writes anything back, never unmaps.
 * @param mapping - the page cache
 * @param start - first page index
 * @param end - last page index (inclusive; may be huge, e.g. `LLONG_MAX >> PAGE_SHIFT` for "to the end")
 * @param nrFailed - incremented for each folio that could not be evicted
 * @returns how many folios were removed from the page cache
 */
export function mappingTryInvalidate(
  mapping: AddressSpace,
  start: number,
  end: number,
  nrFailed?: { value: number },
): number {
  const m = asImpl(mapping);
  const mem = m.core.mem;
  let count = 0;
  for (const index of cachedIndexes(m, start, end)) {
    const pfn = m.lookup(index);
    if (pfn < 0) continue;
    if (!folioTrylock(m, pfn)) continue;
    if (mem.pageWriteback(pfn)) {
      folioUnlock(m, pfn);
      continue;
    }
    const ret = mappingEvictFolio(m, pfn);
    folioUnlock(m, pfn);
    if (ret === 0 && nrFailed !== undefined) nrFailed.value++;
    count += ret;
  }
  return count;
}

/**
 * Models `invalidate_mapping_pages()` (mm/truncate.c), the lenient invalidation `POSIX_FADV_DONTNEED` and
 * `drop_caches` use: removes the folios at page indexes [`start`, `end`] (inclusive) that are clean, not under
 * writeback, not locked, not mapped and not otherwise referenced (pinned), and leaves every other one in place.
 * Unlike `truncateInodePagesRange()` it never waits, and unlike `invalidateInodePages2Range()` it neither
 * unmaps nor fails.
 * @param mapping - the page cache
 * @param start - first page index
 * @param end - last page index (inclusive)
 * @returns how many folios were invalidated (removed from the page cache)
 */
export function invalidateMappingPages(mapping: AddressSpace, start: number, end: number): number {
  return mappingTryInvalidate(mapping, start, end);
}
