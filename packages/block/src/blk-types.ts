/**
 * Block data types and constants (include/linux/blk_types.h, include/linux/bvec.h): sectors, `REQ_OP_*`,
 * `REQ_*` flags, `BIO_*` flags, `BLK_STS_*`, `struct bio_vec`, `struct bvec_iter`.
 * @packageDocumentation
 */
import type { BlockLayer } from './block-layer.js';
import type { BlockDevice } from './blkdev.js';

/** Models `SECTOR_SHIFT` (include/linux/blk_types.h): a sector is 512 bytes. */
export const SECTOR_SHIFT = 9;
/** Models `SECTOR_SIZE` (include/linux/blk_types.h). */
export const SECTOR_SIZE = 512;

// ---- enum req_op -------------------------------------------------------------------------------

/** Models `REQ_OP_BITS` (include/linux/blk_types.h): the low 8 bits of `bi_opf` hold the operation. */
export const REQ_OP_BITS = 8;
/** Models `REQ_OP_MASK` (include/linux/blk_types.h). */
export const REQ_OP_MASK = (1 << REQ_OP_BITS) - 1;
/** Models `REQ_OP_READ` (include/linux/blk_types.h): read sectors from the device. */
export const REQ_OP_READ = 0;
/** Models `REQ_OP_WRITE` (include/linux/blk_types.h): write sectors to the device. */
export const REQ_OP_WRITE = 1;
/** Models `REQ_OP_FLUSH` (include/linux/blk_types.h): flush the volatile write cache. */
export const REQ_OP_FLUSH = 2;
/** Models `REQ_OP_DISCARD` (include/linux/blk_types.h): discard sectors. */
export const REQ_OP_DISCARD = 3;
/** Models `REQ_OP_SECURE_ERASE` (include/linux/blk_types.h). */
export const REQ_OP_SECURE_ERASE = 5;
/** Models `REQ_OP_ZONE_APPEND` (include/linux/blk_types.h). */
export const REQ_OP_ZONE_APPEND = 7;
/** Models `REQ_OP_WRITE_ZEROES` (include/linux/blk_types.h): write zeroes to a sector range. */
export const REQ_OP_WRITE_ZEROES = 9;
/** Models `REQ_OP_DRV_IN` (include/linux/blk_types.h): driver-private request, data from the device. */
export const REQ_OP_DRV_IN = 34;
/** Models `REQ_OP_DRV_OUT` (include/linux/blk_types.h): driver-private request, data to the device. */
export const REQ_OP_DRV_OUT = 35;

// ---- enum req_flag_bits (6.18) ----------------------------------------------------------------

/** Models `REQ_FAILFAST_DEV` (include/linux/blk_types.h): no driver retries of device errors. */
export const REQ_FAILFAST_DEV = 1 << 8;
/** Models `REQ_FAILFAST_TRANSPORT` (include/linux/blk_types.h). */
export const REQ_FAILFAST_TRANSPORT = 1 << 9;
/** Models `REQ_FAILFAST_DRIVER` (include/linux/blk_types.h). */
export const REQ_FAILFAST_DRIVER = 1 << 10;
/** Models `REQ_SYNC` (include/linux/blk_types.h): request is sync (sync write or read). */
export const REQ_SYNC = 1 << 11;
/** Models `REQ_META` (include/linux/blk_types.h): metadata I/O. */
export const REQ_META = 1 << 12;
/** Models `REQ_PRIO` (include/linux/blk_types.h). */
export const REQ_PRIO = 1 << 13;
/** Models `REQ_NOMERGE` (include/linux/blk_types.h): never merge this bio or request. */
export const REQ_NOMERGE = 1 << 14;
/** Models `REQ_IDLE` (include/linux/blk_types.h): anticipate more I/O after this one. */
export const REQ_IDLE = 1 << 15;
/** Models `REQ_INTEGRITY` (include/linux/blk_types.h). */
export const REQ_INTEGRITY = 1 << 16;
/** Models `REQ_FUA` (include/linux/blk_types.h): forced unit access. */
export const REQ_FUA = 1 << 17;
/** Models `REQ_PREFLUSH` (include/linux/blk_types.h): flush the write cache before the data. */
export const REQ_PREFLUSH = 1 << 18;
/** Models `REQ_RAHEAD` (include/linux/blk_types.h): read-ahead, may fail at any time. */
export const REQ_RAHEAD = 1 << 19;
/** Models `REQ_BACKGROUND` (include/linux/blk_types.h). */
export const REQ_BACKGROUND = 1 << 20;
/** Models `REQ_NOWAIT` (include/linux/blk_types.h): do not wait if the request would block. */
export const REQ_NOWAIT = 1 << 21;
/** Models `REQ_POLLED` (include/linux/blk_types.h): the caller polls for completion. */
export const REQ_POLLED = 1 << 22;
/** Models `REQ_ALLOC_CACHE` (include/linux/blk_types.h). */
export const REQ_ALLOC_CACHE = 1 << 23;
/** Models `REQ_SWAP` (include/linux/blk_types.h). */
export const REQ_SWAP = 1 << 24;
/** Models `REQ_DRV` (include/linux/blk_types.h): for driver use. */
export const REQ_DRV = 1 << 25;
/** Models `REQ_FS_PRIVATE` (include/linux/blk_types.h): for file system (submitter) use. */
export const REQ_FS_PRIVATE = 1 << 26;
/** Models `REQ_ATOMIC` (include/linux/blk_types.h): atomic write. */
export const REQ_ATOMIC = 1 << 27;
/** Models `REQ_P2PDMA` (include/linux/blk_types.h): contains P2P DMA pages. */
export const REQ_P2PDMA = 1 << 28;
/** Models `REQ_NOUNMAP` (include/linux/blk_types.h): for `REQ_OP_WRITE_ZEROES`, do not free blocks. */
export const REQ_NOUNMAP = 1 << 29;
/** Models `REQ_FAILFAST_MASK` (include/linux/blk_types.h). */
export const REQ_FAILFAST_MASK = REQ_FAILFAST_DEV | REQ_FAILFAST_TRANSPORT | REQ_FAILFAST_DRIVER;
/** Models `REQ_NOMERGE_FLAGS` (include/linux/blk_types.h): flags that forbid merging. */
export const REQ_NOMERGE_FLAGS = REQ_NOMERGE | REQ_PREFLUSH | REQ_FUA;

/**
 * Models `op_is_write()` (include/linux/blk_types.h): the low bit of the operation is the direction.
 * @param op - `bi_opf` or `cmd_flags`
 * @returns true when data goes to the device
 */
export function opIsWrite(op: number): boolean {
  return (op & 1) !== 0;
}

/**
 * Models `op_is_sync()` (include/linux/blk_types.h): reads, and anything with SYNC, FUA or PREFLUSH.
 * @param op - `bi_opf` or `cmd_flags`
 * @returns true for synchronous operations
 */
export function opIsSync(op: number): boolean {
  return (op & REQ_OP_MASK) === REQ_OP_READ || (op & (REQ_SYNC | REQ_FUA | REQ_PREFLUSH)) !== 0;
}

/**
 * Models `op_is_flush()` (include/linux/blk_types.h).
 * @param op - `bi_opf` or `cmd_flags`
 * @returns true if FUA or PREFLUSH is set
 */
export function opIsFlush(op: number): boolean {
  return (op & (REQ_FUA | REQ_PREFLUSH)) !== 0;
}

// ---- BIO_* flag bits (6.18 enum; values are bit numbers, tested as 1 << flag) -----------------

/** Models `BIO_PAGE_PINNED` (include/linux/blk_types.h): unpin the pages in `bio_release_pages()`. */
export const BIO_PAGE_PINNED = 0;
/** Models `BIO_CLONED` (include/linux/blk_types.h): the bio does not own its bvec table. */
export const BIO_CLONED = 1;
/** Models `BIO_QUIET` (include/linux/blk_types.h). */
export const BIO_QUIET = 2;
/** Models `BIO_CHAIN` (include/linux/blk_types.h): chained bio, `__bi_remaining` in effect. */
export const BIO_CHAIN = 3;
/** Models `BIO_REFFED` (include/linux/blk_types.h): bio has an elevated `__bi_cnt`. */
export const BIO_REFFED = 4;
/** Models `BIO_TRACE_COMPLETION` (include/linux/blk_types.h). */
export const BIO_TRACE_COMPLETION = 6;
/** Models `BIO_REMAPPED` (include/linux/blk_types.h). */
export const BIO_REMAPPED = 11;
/**
 * Models `BIO_PAGE_REFFED` (include/linux/blk_types.h of the 6.5 merge window, hch): the bio holds one
 * FOLL_GET reference per page, released with `put_page()` by `bio_release_pages()`.
 * @remarks Gone from upstream since 6.5 final (the GUP era expressed it as "not `BIO_NO_PAGE_REF`"). Kept
 * here so that a path declared unconverted (`PageRefPolicy` `'gup'`) or the GUP era can say its bio owns
 * references. Bit number outside the 6.18 enum.
 */
export const BIO_PAGE_REFFED = 15;

// ---- blk_status_t (include/linux/blk_types.h) -------------------------------------------------

/** Models `BLK_STS_OK` (include/linux/blk_types.h). */
export const BLK_STS_OK = 0;
/** Models `BLK_STS_NOTSUPP` (include/linux/blk_types.h): operation not supported (-EOPNOTSUPP). */
export const BLK_STS_NOTSUPP = 1;
/** Models `BLK_STS_TIMEOUT` (include/linux/blk_types.h): timeout (-ETIMEDOUT). */
export const BLK_STS_TIMEOUT = 2;
/** Models `BLK_STS_NOSPC` (include/linux/blk_types.h): critical space allocation (-ENOSPC). */
export const BLK_STS_NOSPC = 3;
/** Models `BLK_STS_TRANSPORT` (include/linux/blk_types.h): recoverable transport (-ENOLINK). */
export const BLK_STS_TRANSPORT = 4;
/** Models `BLK_STS_TARGET` (include/linux/blk_types.h): critical target (-EREMOTEIO). */
export const BLK_STS_TARGET = 5;
/** Models `BLK_STS_RESV_CONFLICT` (include/linux/blk_types.h): reservation conflict (-EBADE). */
export const BLK_STS_RESV_CONFLICT = 6;
/** Models `BLK_STS_MEDIUM` (include/linux/blk_types.h): critical medium (-ENODATA). */
export const BLK_STS_MEDIUM = 7;
/** Models `BLK_STS_PROTECTION` (include/linux/blk_types.h): protection (-EILSEQ). */
export const BLK_STS_PROTECTION = 8;
/** Models `BLK_STS_RESOURCE` (include/linux/blk_types.h): kernel resource (-ENOMEM); requeue and rerun. */
export const BLK_STS_RESOURCE = 9;
/** Models `BLK_STS_IOERR` (include/linux/blk_types.h): I/O error (-EIO). */
export const BLK_STS_IOERR = 10;
/** Models `BLK_STS_DM_REQUEUE` (include/linux/blk_types.h): device-mapper internal retry (-EREMCHG). */
export const BLK_STS_DM_REQUEUE = 11;
/** Models `BLK_STS_AGAIN` (include/linux/blk_types.h): nonblocking retry (-EAGAIN). */
export const BLK_STS_AGAIN = 12;
/** Models `BLK_STS_DEV_RESOURCE` (include/linux/blk_types.h): device resource (-EBUSY); rerun on completion. */
export const BLK_STS_DEV_RESOURCE = 13;
/** Models `BLK_STS_ZONE_OPEN_RESOURCE` (include/linux/blk_types.h): open zones exceeded (-ETOOMANYREFS). */
export const BLK_STS_ZONE_OPEN_RESOURCE = 14;
/** Models `BLK_STS_ZONE_ACTIVE_RESOURCE` (include/linux/blk_types.h): active zones exceeded (-EOVERFLOW). */
export const BLK_STS_ZONE_ACTIVE_RESOURCE = 15;
/** Models `BLK_STS_OFFLINE` (include/linux/blk_types.h): device offline (-ENODEV). */
export const BLK_STS_OFFLINE = 16;
/** Models `BLK_STS_DURATION_LIMIT` (include/linux/blk_types.h): duration limit exceeded (-ETIME). */
export const BLK_STS_DURATION_LIMIT = 17;
/** Models `BLK_STS_INVAL` (include/linux/blk_types.h): invalid size or alignment (-EINVAL). */
export const BLK_STS_INVAL = 19;

// ---- bio_vec and bvec_iter ---------------------------------------------------------------------

/**
 * Models `struct bio_vec` (include/linux/bvec.h): a contiguous physical range starting in page `bvPage`.
 * @remarks Since multi-page bvecs a vector may cover several physically contiguous pages
 * (`bvOffset + bvLen > PAGE_SIZE`); `bvOffset` may also exceed `PAGE_SIZE`.
 */
export interface BioVec {
  /** First page (pfn). */
  bvPage: number;
  /** Length in bytes. */
  bvLen: number;
  /** Offset of the data from the start of `bvPage`. */
  bvOffset: number;
}

/**
 * Models `struct bvec_iter` (include/linux/bvec.h): a position inside a bvec table.
 */
export interface BvecIter {
  /** Device address in 512-byte sectors. */
  biSector: number;
  /** Residual I/O count in bytes. */
  biSize: number;
  /** Current index into the bvec table. */
  biIdx: number;
  /** Bytes completed in the current bvec. */
  biBvecDone: number;
}

/**
 * Models `bvec_set_page()` (include/linux/bvec.h).
 * @param bv - the vector to fill
 * @param page - first page (pfn)
 * @param len - length
 * @param offset - offset into `page`
 */
export function bvecSetPage(bv: BioVec, page: number, len: number, offset: number): void {
  bv.bvPage = page;
  bv.bvLen = len;
  bv.bvOffset = offset;
}

// ---- struct bio ---------------------------------------------------------------------------------

/** Models `bio_end_io_t` (include/linux/blk_types.h): called once when the bio completes. */
export type BioEndIo = (bio: Bio) => void;

/**
 * Models `struct bio` (include/linux/blk_types.h): the unit of block I/O.
 *
 * @remarks Allocate with `bioAlloc` (bios are pooled per machine, as a `bio_set` does) and drop with
 * `bioPut`. A bio is a `RefOwner`: the pins and references it holds are attributed to it, and
 * the sanitizer reports any it still holds when it is freed. `biFlags` is a bit mask of `1 << BIO_*`.
 */
export class Bio {
  /** `bi_next`: request and list link. */
  biNext: Bio | undefined = undefined;
  /** `bi_bdev`. */
  biBdev: BlockDevice | undefined = undefined;
  /** `bi_opf`: `REQ_OP_*` | `REQ_*`. */
  biOpf = 0;
  /** `bi_flags`: bits `1 << BIO_*`. */
  biFlags = 0;
  /** `bi_ioprio`. */
  biIoprio = 0;
  /** `bi_write_hint`. */
  biWriteHint = 0;
  /** `bi_status`: `BLK_STS_*`. */
  biStatus = 0;
  /** `__bi_remaining`: outstanding chained children + 1. */
  biRemaining = 1;
  /** `bi_iter`. */
  readonly biIter: BvecIter = { biSector: 0, biSize: 0, biIdx: 0, biBvecDone: 0 };
  /** `bi_end_io`. */
  biEndIo: BioEndIo | undefined = undefined;
  /** `bi_private`. */
  biPrivate: unknown = undefined;
  /** `bi_vcnt`: bvecs used. */
  biVcnt = 0;
  /** `bi_max_vecs`: bvecs available. */
  biMaxVecs = 0;
  /** `__bi_cnt`: reference count (`bio_get`/`bio_put`). */
  biCnt = 1;
  /** `bi_io_vec`: the bvec table (own, or shared with a parent or an iterator when `BIO_CLONED`). */
  biIoVec: BioVec[];
  /** Serial number of this allocation, for the sanitizer's attribution. */
  id = 0;
  /** The bvec storage this bio owns (`bi_inline_vecs`), reused across allocations. */
  readonly inlineVecs: BioVec[] = [];
  /** True while allocated (between `bio_alloc` and the last `bio_put`). */
  live = false;
  /**
   * What a bio_set's user keeps in front of its bios (`front_pad`, e.g. block/fops.c's `struct blkdev_dio`):
   * kept when the bio goes back to the pool, so the next user of the same kind refills it instead of allocating.
   * A user checks that it is its own kind before reusing it.
   */
  frontPad: unknown = undefined;

  /** @param blk - the machine's block layer (pool owner and mm access) */
  constructor(readonly blk: BlockLayer) {
    this.biIoVec = this.inlineVecs;
  }

  /** The sanitizer's name for this owner (`bio#17`). */
  refOwnerName(): string {
    return `bio#${this.id}`;
  }
}

/**
 * Models `bio_flagged()` (include/linux/bio.h).
 * @param bio - the bio
 * @param flag - a `BIO_*` bit number
 * @returns true if set
 */
export function bioFlagged(bio: Bio, flag: number): boolean {
  return (bio.biFlags & (1 << flag)) !== 0;
}

/**
 * Models `bio_set_flag()` (include/linux/bio.h).
 * @param bio - the bio
 * @param flag - a `BIO_*` bit number
 */
export function bioSetFlag(bio: Bio, flag: number): void {
  bio.biFlags |= 1 << flag;
}

/**
 * Models `bio_clear_flag()` (include/linux/bio.h).
 * @param bio - the bio
 * @param flag - a `BIO_*` bit number
 */
export function bioClearFlag(bio: Bio, flag: number): void {
  bio.biFlags &= ~(1 << flag);
}

/**
 * Models `bio_op()` (include/linux/blk_types.h).
 * @param bio - the bio
 * @returns its `REQ_OP_*`
 */
export function bioOp(bio: Bio): number {
  return bio.biOpf & REQ_OP_MASK;
}

/**
 * Models `bio_sectors()` (include/linux/bio.h).
 * @param bio - the bio
 * @returns remaining size in sectors
 */
export function bioSectors(bio: Bio): number {
  return bio.biIter.biSize >>> SECTOR_SHIFT;
}

/**
 * Models `bio_end_sector()` (include/linux/bio.h).
 * @param bio - the bio
 * @returns the sector after its last one
 */
export function bioEndSector(bio: Bio): number {
  return bio.biIter.biSector + bioSectors(bio);
}
