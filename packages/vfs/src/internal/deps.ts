/**
 * The types and functions vfs uses from `@stackemu/mm` and `@stackemu/block`, in one place.
 * @remarks Private adapter while those packages are written in parallel: each type here is the contract
 * (docs/contracts.md) of the upstream one, and becomes a re-export of it as soon as it is published.
 * @internal
 * @packageDocumentation
 */

/** `ITER_DEST` (block). */
export const ITER_DEST = 0;
/** `ITER_SOURCE` (block). */
export const ITER_SOURCE = 1;

/** `FOLL_WRITE` (mm, include/linux/mm_types.h 6.18). */
export const FOLL_WRITE = 1 << 0;
/** `FOLL_LONGTERM` (mm, include/linux/mm_types.h 6.18). */
export const FOLL_LONGTERM = 1 << 8;
/** `PAGE_SIZE` (mm). */
export const PAGE_SIZE = 4096;
/** `PAGE_SHIFT` (mm). */
export const PAGE_SHIFT = 12;

/** `struct iov_iter` (block, lib/iov_iter.c). */
export interface IovIter {
  count: number;
  readonly iterType: number;
  readonly dataSource: boolean;
}

/** `struct bio_vec` (block). */
export interface BioVec {
  bvPage: number;
  bvLen: number;
  bvOffset: number;
}

/** `struct iovec` as block's importers take it. */
export interface IovecIn {
  readonly iovBase: number;
  readonly iovLen: number;
}

/** Who holds a page reference (mm). */
export interface RefOwner {
  refOwnerName(): string;
}

/** `struct address_space` (mm). */
export interface AddressSpace {
  readonly host: unknown;
}

/** `struct address_space_operations` (mm). */
export interface AddressSpaceOperations {
  readFolio(mapping: AddressSpace, pfn: number, index: number): Promise<number>;
  writepages(mapping: AddressSpace, wbc: unknown): Promise<number>;
}

/** `struct mm_struct` (mm). */
export interface MmStruct {
  mmap(addr: number, len: number, prot: number, flags: number, file?: MmapFile, pgoff?: number): number;
  munmap(addr: number, len: number): number;
  copyToUser(uaddr: number, src: Uint8Array, srcOff: number, len: number): number;
  copyFromUser(dst: Uint8Array, dstOff: number, uaddr: number, len: number): number;
  exit(): void;
}

/** What `mmap` of a file receives (mm). */
export interface MmapFile {
  readonly mapping: AddressSpace;
  readonly shmem?: boolean;
}

/** What block's raw-device DIO needs of a kiocb (`struct kiocb`). */
export interface KiocbLike {
  kiPos: number;
  kiFlags: number;
  kiComplete: ((iocb: never, res: number) => void) | undefined;
}

/** `struct block_device` (block). */
export interface BlockDevice {
  readonly name: string;
}

/** The upstream services and functions the vfs calls, resolved once per machine. */
export interface Upstream {
  /** block: `import_ubuf()`. */
  importUbuf(dir: number, mm: MmStruct, buf: number, len: number): IovIter | number;
  /** block: `import_iovec()` with the vector passed by value. */
  importIovec(dir: number, mm: MmStruct, iov: readonly IovecIn[], nrSegs: number): IovIter | number;
  /** block: `iov_iter_bvec()`. */
  iovIterBvec(dir: number, bvec: readonly BioVec[], nrSegs: number, count: number): IovIter;
  /** block: `iov_iter_advance()`. */
  iovIterAdvance(i: IovIter, n: number): void;
  /** mm: a new address space. */
  createMm(): MmStruct;
  /** mm: a new page cache. */
  createAddressSpace(aops: AddressSpaceOperations, host: unknown, opts?: { readonly size?: () => number }): AddressSpace;
  /** mm: `pin_user_pages_fast()`. */
  pinUserPagesFast(mm: MmStruct, start: number, nrPages: number, gupFlags: number, pages: number[], owner?: RefOwner): number;
  /** mm: `unpin_user_pages()`. */
  unpinUserPages(pages: readonly number[], n: number, owner?: RefOwner): void;
  /**
   * mm: `read_mapping_folio()` / `filemap_get_pages()` (mm/filemap.c): the uptodate folio at `index`,
   * created and read through `aops.readFolio` if needed.
   * @returns the folio's pfn or `-errno`
   */
  readMappingFolio(mapping: AddressSpace, index: number): Promise<number>;
  /**
   * mm: `__filemap_get_folio(FGP_WRITEBEGIN)` (mm/filemap.c): the folio at `index`, created if absent.
   * @returns the folio's pfn or `-errno`
   */
  grabCacheFolio(mapping: AddressSpace, index: number): number;
  /** mm: `folio_test_uptodate()`. */
  folioTestUptodate(pfn: number): boolean;
  /** mm: `folio_mark_uptodate()`. */
  folioMarkUptodate(pfn: number): void;
  /** mm: zero a folio and `folio_mark_uptodate()` (a page wholly beyond EOF). */
  folioZeroAndMarkUptodate(pfn: number): void;
  /** mm: `folio_mark_dirty()`. */
  folioMarkDirty(mapping: AddressSpace, pfn: number): void;
  /** block: `copy_page_to_iter()`. */
  copyPageToIter(pfn: number, offset: number, bytes: number, i: IovIter): number;
  /** block: `copy_page_from_iter()`. */
  copyPageFromIter(pfn: number, offset: number, bytes: number, i: IovIter): number;
  /** mm: `filemap_write_and_wait_range()`. */
  filemapWriteAndWaitRange(mapping: AddressSpace, start: number, end: number): Promise<number>;
  /** mm: `invalidate_inode_pages2_range()` (pages as indices). */
  invalidateInodePages2Range(mapping: AddressSpace, start: number, end: number): number;
  /** mm: `filemap_write_and_wait()` over the whole mapping. */
  filemapWriteAndWait(mapping: AddressSpace): Promise<number>;
  /** mm: `truncate_inode_pages()` from `lstart`. */
  truncateInodePages(mapping: AddressSpace, lstart: number): void;
  /** block: `blkdev_direct_IO()` (block/fops.c) on a kiocb. */
  blkdevDirectIO(iocb: KiocbLike, iter: IovIter, bdev: BlockDevice): number | Promise<number>;
  /** block: `bdev_nr_bytes()`. */
  bdevNrBytes(bdev: BlockDevice): number;
  /** block: `bdev_logical_block_size()`. */
  bdevLogicalBlockSize(bdev: BlockDevice): number;
  /** block: `bdev_dma_alignment()` (a mask). */
  bdevDmaAlignment(bdev: BlockDevice): number;
  /** block: `blkdev_issue_flush()`. */
  blkdevIssueFlush(bdev: BlockDevice): Promise<number>;
  /** block: the block devices of the machine. */
  listBdevs(): readonly BlockDevice[];
  /** block: a block device by name. */
  lookupBdev(name: string): BlockDevice | undefined;
}
