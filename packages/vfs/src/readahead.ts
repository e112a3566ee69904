/**
 * Readahead (mm/readahead.c) as far as the model has it: the per-file readahead state and the forced readahead
 * `POSIX_FADV_WILLNEED` starts. Buffered reads themselves read folio by folio (no on-demand readahead).
 * @packageDocumentation
 */
import { filemapGetFolio, filemapReadFolio } from '@stackemu/mm';
import { inodeToBdi } from './backing-dev.js';
import type { File } from './file.js';
import type { Inode } from './inode.js';
import { PAGE_SIZE, type AddressSpace, type PhysMem, type RefOwner } from './internal/deps.js';

/** Models `struct file_ra_state` (include/linux/fs.h), the member `posix_fadvise()` sets. */
export interface FileRaState {
  /** `ra_pages`: the readahead window of this open file, in pages. */
  raPages: number;
}

/**
 * Models `file_ra_state_init()` (mm/readahead.c): an open file starts with its backing device's window.
 * @param ra - the file's `f_ra`
 * @param mapping - the file's page cache (`f_mapping`), whose host is an {@link Inode}
 */
export function fileRaStateInit(ra: FileRaState, mapping: AddressSpace): void {
  ra.raPages = inodeToBdi(mapping.host as Inode).raPages;
}

/** The reference owner of the folios a forced readahead holds while they are read. */
const readaheadOwner: RefOwner = Object.freeze({ refOwnerName: (): string => 'force_page_cache_ra' });

/**
 * Models `force_page_cache_ra()` (mm/readahead.c) → `do_page_cache_ra()` → `page_cache_ra_unbounded()`: starts
 * reading the folios of page indexes [`index`, `index + nrToRead`) that are not cached, without waiting. The
 * request is capped at `max(bdi->io_pages, ra->ra_pages)` pages and at the end of the file.
 * @param mem - the machine's memory (to drop the references held during the reads)
 * @param file - the open file (`f_mapping`, `f_ra`)
 * @param index - first page index
 * @param nrToRead - pages wanted
 * @returns how many reads were started (pages already cached are skipped)
 * @remarks Each missing folio is read on its own through `a_ops->read_folio` (mm's `filemapReadFolio()`), where
 * the kernel batches them into `->readahead()`: the same pages come into the cache, in more, smaller I/Os.
 * Read errors are ignored, as `posix_fadvise()` ignores them.
 */
export function forcePageCacheRa(mem: PhysMem, file: File, index: number, nrToRead: number): number {
  const mapping = file.fMapping;
  const bdi = inodeToBdi(mapping.host as Inode);
  let nr = Math.min(nrToRead, Math.max(bdi.ioPages, file.fRa.raPages));
  const isize = (mapping.host as Inode).iSize;
  if (isize === 0 || nr <= 0) return 0;
  const endIndex = Math.floor((isize - 1) / PAGE_SIZE);
  if (index > endIndex) return 0;
  nr = Math.min(nr, endIndex - index + 1);
  let started = 0;
  for (let i = index; i < index + nr; i++) {
    const cached = filemapGetFolio(mapping, i, 0, readaheadOwner);
    if (cached >= 0) {
      mem.putPage(cached, readaheadOwner);
      continue;
    }
    started++;
    void filemapReadFolio(mapping, i, readaheadOwner).then((pfn) => {
      if (pfn >= 0) mem.putPage(pfn, readaheadOwner);
    });
  }
  return started;
}
