/**
 * Page-cache truncation the vfs needs beyond mm's whole-page `truncateInodePagesRange()`
 * (mm/truncate.c `truncate_pagecache()`, `truncate_inode_pages_final()`).
 * @internal
 * @packageDocumentation
 */
import { filemapGetFolio, folioLock, folioUnlock, truncateInodePagesRange } from '@stackemu/mm';
import { PAGE_SIZE, type AddressSpace, type PhysMem, type RefOwner } from './deps.js';

const ZEROES = new Uint8Array(PAGE_SIZE);

/** The owner of the short-lived references truncation takes. */
const truncateOwner: RefOwner = Object.freeze({ refOwnerName: () => 'truncate_pagecache' });

/**
 * Models `truncate_pagecache()` (mm/truncate.c): unmaps and drops every folio wholly beyond `newsize`, and
 * zeroes the tail of the folio `newsize` falls in (`truncate_inode_partial_folio()`), so that growing the
 * file again reads zeroes there.
 * @param physMem - the machine's memory
 * @param mapping - the inode's page cache
 * @param newsize - the new `i_size`
 */
export async function truncatePagecache(physMem: PhysMem, mapping: AddressSpace, newsize: number): Promise<void> {
  await truncateInodePagesRange(mapping, Math.ceil(newsize / PAGE_SIZE), Number.MAX_SAFE_INTEGER);
  const off = newsize % PAGE_SIZE;
  if (off === 0) return;
  const pfn = filemapGetFolio(mapping, Math.floor(newsize / PAGE_SIZE), 0, truncateOwner);
  if (pfn < 0) return;
  await folioLock(mapping, pfn);
  physMem.write(pfn * PAGE_SIZE + off, ZEROES, 0, PAGE_SIZE - off);
  folioUnlock(mapping, pfn);
  physMem.putPage(pfn, truncateOwner);
}

/**
 * Models `truncate_inode_pages_final()` (mm/truncate.c) at inode eviction: every folio leaves the page cache.
 * @param mapping - the inode's page cache
 */
export function truncateInodePagesFinal(mapping: AddressSpace): Promise<void> {
  return truncateInodePagesRange(mapping, 0, Number.MAX_SAFE_INTEGER);
}
