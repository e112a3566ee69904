/**
 * The default {@link Upstream}: mm's and block's services resolved from the machine's container once.
 * @remarks mm's `Mm` and `Gup` services are resolved by their contract ids (docs/contracts.md); the
 * page-cache functions and block's iterator and raw-device functions are wired once those packages export
 * them — until then each fails with a clear `ENOSYS` naming the missing piece.
 * @internal
 * @packageDocumentation
 */
import { ENOSYS, Errno } from '@stackemu/core';
import type { AddressSpace, AddressSpaceOperations, MmStruct, RefOwner, Upstream } from './deps.js';

/** Resolves a service from the machine's container. */
export type Resolve = (id: symbol) => unknown;

function missing(what: string): never {
  throw new Errno(ENOSYS, `vfs: ${what} is not available from @stackemu/mm or @stackemu/block yet`);
}

/** mm's `Mm` service (docs/contracts.md), structurally. */
interface MmService {
  createMm(name?: string): MmStruct;
  createAddressSpace(ops: AddressSpaceOperations, host: unknown, opts?: { readonly size?: () => number }): AddressSpace;
}

/** mm's `Gup` service (docs/contracts.md), structurally. */
interface GupService {
  pinUserPagesFast(mm: MmStruct, start: number, nrPages: number, gupFlags: number, pages: number[], owner?: RefOwner): number;
  unpinUserPages(pages: readonly number[], n: number, owner?: RefOwner): void;
}

/**
 * Resolves mm and block from the machine's container.
 * @param resolve - the machine's container lookup (called once per service, lazily)
 * @returns the upstream calls the vfs makes
 */
export function createUpstream(resolve: Resolve): Upstream {
  let mm: MmService | undefined;
  let gup: GupService | undefined;
  const mmSvc = (): MmService => (mm ??= resolve(Symbol.for('stackemu.Mm')) as MmService);
  const gupSvc = (): GupService => (gup ??= resolve(Symbol.for('stackemu.Gup')) as GupService);
  return {
    importUbuf: () => missing('import_ubuf'),
    importIovec: () => missing('import_iovec'),
    iovIterBvec: () => missing('iov_iter_bvec'),
    iovIterAdvance: () => missing('iov_iter_advance'),
    createMm: () => mmSvc().createMm(),
    createAddressSpace: (aops, host, opts) => mmSvc().createAddressSpace(aops, host, opts),
    pinUserPagesFast: (m, start, nr, flags, pages, owner) => gupSvc().pinUserPagesFast(m, start, nr, flags, pages, owner),
    unpinUserPages: (pages, n, owner) => gupSvc().unpinUserPages(pages, n, owner),
    readMappingFolio: () => missing('read_mapping_folio'),
    grabCacheFolio: () => missing('__filemap_get_folio'),
    folioTestUptodate: () => missing('folio_test_uptodate'),
    folioMarkUptodate: () => missing('folio_mark_uptodate'),
    folioZeroAndMarkUptodate: () => missing('folio_mark_uptodate'),
    folioMarkDirty: () => missing('folio_mark_dirty'),
    copyPageToIter: () => missing('copy_page_to_iter'),
    copyPageFromIter: () => missing('copy_page_from_iter'),
    filemapWriteAndWaitRange: () => missing('filemap_write_and_wait_range'),
    invalidateInodePages2Range: () => missing('invalidate_inode_pages2_range'),
    filemapWriteAndWait: () => missing('filemap_write_and_wait'),
    truncateInodePages: () => missing('truncate_inode_pages'),
    blkdevDirectIO: () => missing('blkdev_direct_IO'),
    bdevNrBytes: () => missing('bdev_nr_bytes'),
    bdevLogicalBlockSize: () => missing('bdev_logical_block_size'),
    bdevDmaAlignment: () => missing('bdev_dma_alignment'),
    blkdevIssueFlush: () => missing('blkdev_issue_flush'),
    listBdevs: () => [],
    lookupBdev: () => undefined,
  };
}
