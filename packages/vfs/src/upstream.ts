/**
 * The mm and block services the vfs resolves once per machine ({@link Upstream}).
 * @packageDocumentation
 */
import type {
  AddressSpace,
  AddressSpaceOperations,
  BioVec,
  BlkKiocb,
  BlockDevice,
  BlockIovec,
  BlockLayer,
  Gup,
  IovIter,
  Mm,
  MmStruct,
  PhysMem,
  RefOwner,
} from './internal/deps.js';

/**
 * The mm and block services of one machine, resolved once when the vfs is built (the kernel reaches them as
 * globals). The vfs calls mm's and block's exported functions (`filemapReadFolio`, `importUbuf`,
 * `blkdevReadIter`, …) directly and passes these services where a function needs one.
 *
 * @remarks Filesystems receive it as `FsContext.bufferedIo.up`. The optional members are the function table
 * the vfs used while mm and block published nothing; the vfs no longer calls them or provides them. They
 * remain declared so that code written against that table (a test wiring that fills them) still type-checks;
 * new code calls mm and block directly.
 */
export interface Upstream {
  /** mm's `Mm` service: process address spaces and page caches. */
  readonly mmService: Mm;
  /** mm's `Gup` service: `pin_user_pages_fast()` and friends. */
  readonly gup: Gup;
  /** mm's `PhysMem` service: pages, their bytes and references. */
  readonly physMem: PhysMem;
  /** block's `BlockLayer`: iterator copies (`IovMem`), the disk registry, bios. */
  readonly blk: BlockLayer;

  /** Legacy table member (optional, not called by the vfs): block's `importUbuf()`. */
  importUbuf?(dir: number, mm: MmStruct, buf: number, len: number): IovIter | number;
  /** Legacy table member (optional, not called by the vfs): block's `importIovec()`. */
  importIovec?(dir: number, mm: MmStruct, iov: readonly BlockIovec[], nrSegs: number): IovIter | number;
  /** Legacy table member (optional, not called by the vfs): block's `iovIterBvec()`. */
  iovIterBvec?(dir: number, bvec: readonly BioVec[], nrSegs: number, count: number): IovIter;
  /** Legacy table member (optional, not called by the vfs): block's `iovIterAdvance()`. */
  iovIterAdvance?(i: IovIter, n: number): void;
  /** Legacy table member (optional, not called by the vfs): mm's `Mm.createMm()`. */
  createMm?(): MmStruct;
  /** Legacy table member (optional, not called by the vfs): mm's `Mm.createAddressSpace()`. */
  createAddressSpace?(
    aops: AddressSpaceOperations,
    host: unknown,
    opts?: { readonly size?: () => number },
  ): AddressSpace;
  /** Legacy table member (optional, not called by the vfs): mm's `Gup.pinUserPagesFast()`. */
  pinUserPagesFast?(
    mm: MmStruct,
    start: number,
    nrPages: number,
    gupFlags: number,
    pages: number[],
    owner?: RefOwner,
  ): number;
  /** Legacy table member (optional, not called by the vfs): mm's `Gup.unpinUserPages()`. */
  unpinUserPages?(pages: readonly number[], n: number, owner?: RefOwner): void;
  /** Legacy table member (optional, not called by the vfs): mm's `filemapReadFolio()` without a reference. */
  readMappingFolio?(mapping: AddressSpace, index: number): Promise<number>;
  /** Legacy table member (optional, not called by the vfs): mm's `filemapGetFolio(FGP_CREAT)` without a reference. */
  grabCacheFolio?(mapping: AddressSpace, index: number): number;
  /** Legacy table member (optional, not called by the vfs): `folio_test_uptodate()`. */
  folioTestUptodate?(pfn: number): boolean;
  /** Legacy table member (optional, not called by the vfs): `folio_mark_uptodate()`. */
  folioMarkUptodate?(pfn: number): void;
  /** Legacy table member (optional, not called by the vfs): zero a folio and mark it uptodate. */
  folioZeroAndMarkUptodate?(pfn: number): void;
  /** Legacy table member (optional, not called by the vfs): mm's `folioMarkDirty()`. */
  folioMarkDirty?(mapping: AddressSpace, pfn: number): void;
  /** Legacy table member (optional, not called by the vfs): block's `copyPageToIter()`. */
  copyPageToIter?(pfn: number, offset: number, bytes: number, i: IovIter): number;
  /** Legacy table member (optional, not called by the vfs): block's `copyPageFromIter()`. */
  copyPageFromIter?(pfn: number, offset: number, bytes: number, i: IovIter): number;
  /** Legacy table member (optional, not called by the vfs): mm's `filemapWriteAndWaitRange()`. */
  filemapWriteAndWaitRange?(mapping: AddressSpace, start: number, end: number): Promise<number>;
  /** Legacy table member (optional, not called by the vfs): mm's `invalidateInodePages2Range()`. */
  invalidateInodePages2Range?(mapping: AddressSpace, start: number, end: number): number;
  /** Legacy table member (optional, not called by the vfs): `filemap_write_and_wait()`. */
  filemapWriteAndWait?(mapping: AddressSpace): Promise<number>;
  /** Legacy table member (optional, not called by the vfs): `truncate_inode_pages()`. */
  truncateInodePages?(mapping: AddressSpace, lstart: number): void | Promise<void>;
  /** Legacy table member (optional, not called by the vfs): block's `blkdevDirectIO()`. */
  blkdevDirectIO?(iocb: BlkKiocb, iter: IovIter, bdev: BlockDevice): number | Promise<number>;
  /** Legacy table member (optional, not called by the vfs): block's `bdevNrBytes()`. */
  bdevNrBytes?(bdev: BlockDevice): number;
  /** Legacy table member (optional, not called by the vfs): block's `bdevLogicalBlockSize()`. */
  bdevLogicalBlockSize?(bdev: BlockDevice): number;
  /** Legacy table member (optional, not called by the vfs): block's `bdevDmaAlignment()`. */
  bdevDmaAlignment?(bdev: BlockDevice): number;
  /** Legacy table member (optional, not called by the vfs): block's `blkdevIssueFlush()`. */
  blkdevIssueFlush?(bdev: BlockDevice): Promise<number>;
  /** Legacy table member (optional, not called by the vfs): the block registry's `list()`. */
  listBdevs?(): readonly BlockDevice[];
  /** Legacy table member (optional, not called by the vfs): the block registry's `lookup()`. */
  lookupBdev?(name: string): BlockDevice | undefined;
}

/**
 * Builds the machine's {@link Upstream} from its services.
 * @param services - mm's `Mm`, `Gup`, `PhysMem` and block's `BlockLayer`, resolved from the machine
 * @returns a plain (mutable) object holding them
 */
export function createUpstream(services: {
  readonly mmService: Mm;
  readonly gup: Gup;
  readonly physMem: PhysMem;
  readonly blk: BlockLayer;
}): Upstream {
  return { mmService: services.mmService, gup: services.gup, physMem: services.physMem, blk: services.blk };
}
