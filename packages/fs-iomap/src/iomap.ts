/**
 * Models `include/linux/iomap.h` (Linux 6.18): mapping types, flags, `struct iomap`, `struct iomap_ops`,
 * `struct iomap_dio_ops` and the `IOMAP_DIO_*` flags of `iomap_dio_rw()`.
 * @packageDocumentation
 */
import type { PageRefPolicy } from '@stackemu/block';
import type { Bio, BlockDevice, Inode, Kiocb } from './internal/upstream.js';
import type { IomapIter } from './iter.js';

// ---- types of block ranges ----------------------------------------------------------------------

/** Models `IOMAP_HOLE` (include/linux/iomap.h): no blocks allocated, need allocation. */
export const IOMAP_HOLE = 0;
/** Models `IOMAP_DELALLOC` (include/linux/iomap.h): delayed allocation blocks. */
export const IOMAP_DELALLOC = 1;
/** Models `IOMAP_MAPPED` (include/linux/iomap.h): blocks allocated at `addr`. */
export const IOMAP_MAPPED = 2;
/** Models `IOMAP_UNWRITTEN` (include/linux/iomap.h): blocks allocated at `addr` in unwritten state. */
export const IOMAP_UNWRITTEN = 3;
/** Models `IOMAP_INLINE` (include/linux/iomap.h): data inline in the inode. */
export const IOMAP_INLINE = 4;

// ---- flags reported by the file system from iomap_begin ----------------------------------------

/** Models `IOMAP_F_NEW` (include/linux/iomap.h): blocks newly allocated, need zeroing where no data is copied. */
export const IOMAP_F_NEW = 1 << 0;
/** Models `IOMAP_F_DIRTY` (include/linux/iomap.h): the inode has uncommitted metadata needed to reach the data. */
export const IOMAP_F_DIRTY = 1 << 1;
/** Models `IOMAP_F_SHARED` (include/linux/iomap.h): blocks are shared and must be unshared on write. */
export const IOMAP_F_SHARED = 1 << 2;
/** Models `IOMAP_F_MERGED` (include/linux/iomap.h): the mapping merges several block mappings. */
export const IOMAP_F_MERGED = 1 << 3;
/** Models `IOMAP_F_BUFFER_HEAD` (include/linux/iomap.h): the mapping needs buffer heads. */
export const IOMAP_F_BUFFER_HEAD = 1 << 4;
/** Models `IOMAP_F_XATTR` (include/linux/iomap.h): the mapping is for extended attribute data. */
export const IOMAP_F_XATTR = 1 << 5;
/** Models `IOMAP_F_BOUNDARY` (include/linux/iomap.h): do not merge I/O across this mapping's end. */
export const IOMAP_F_BOUNDARY = 1 << 6;
/** Models `IOMAP_F_ANON_WRITE` (include/linux/iomap.h): the write has no target block yet (zoned). */
export const IOMAP_F_ANON_WRITE = 1 << 7;
/** Models `IOMAP_F_ATOMIC_BIO` (include/linux/iomap.h): write I/O is issued as one `REQ_ATOMIC` bio. */
export const IOMAP_F_ATOMIC_BIO = 1 << 8;
/** Models `IOMAP_F_PRIVATE` (include/linux/iomap.h): the flag reserved for file system use. */
export const IOMAP_F_PRIVATE = 1 << 12;
/** Models `IOMAP_F_SIZE_CHANGED` (include/linux/iomap.h): set by the core when a write changed i_size. */
export const IOMAP_F_SIZE_CHANGED = 1 << 14;
/** Models `IOMAP_F_STALE` (include/linux/iomap.h): the mapping went stale; the range must be remapped. */
export const IOMAP_F_STALE = 1 << 15;

/** Models `IOMAP_NULL_ADDR` (include/linux/iomap.h): `addr` is not valid (holes). */
export const IOMAP_NULL_ADDR = -1;

// ---- flags for iomap_begin / iomap_end (no flag implies a read) --------------------------------

/** Models `IOMAP_WRITE` (include/linux/iomap.h): writing, must allocate blocks. */
export const IOMAP_WRITE = 1 << 0;
/** Models `IOMAP_ZERO` (include/linux/iomap.h): zeroing operation, may skip holes. */
export const IOMAP_ZERO = 1 << 1;
/** Models `IOMAP_REPORT` (include/linux/iomap.h): report extent status (FIEMAP). */
export const IOMAP_REPORT = 1 << 2;
/** Models `IOMAP_FAULT` (include/linux/iomap.h): mapping for a page fault. */
export const IOMAP_FAULT = 1 << 3;
/** Models `IOMAP_DIRECT` (include/linux/iomap.h): direct I/O. */
export const IOMAP_DIRECT = 1 << 4;
/** Models `IOMAP_NOWAIT` (include/linux/iomap.h): do not block. */
export const IOMAP_NOWAIT = 1 << 5;
/** Models `IOMAP_OVERWRITE_ONLY` (include/linux/iomap.h): only pure overwrites allowed. */
export const IOMAP_OVERWRITE_ONLY = 1 << 6;
/** Models `IOMAP_UNSHARE` (include/linux/iomap.h): unshare shared blocks. */
export const IOMAP_UNSHARE = 1 << 7;
/** Models `IOMAP_DAX` (include/linux/iomap.h): DAX mapping. */
export const IOMAP_DAX = 1 << 8;
/** Models `IOMAP_ATOMIC` (include/linux/iomap.h): torn-write protection. */
export const IOMAP_ATOMIC = 1 << 9;
/** Models `IOMAP_DONTCACHE` (include/linux/iomap.h): uncached buffered I/O. */
export const IOMAP_DONTCACHE = 1 << 10;

// ---- flags for iomap_dio_ops->end_io -------------------------------------------------------------

/** Models `IOMAP_DIO_UNWRITTEN` (include/linux/iomap.h): the DIO covered unwritten extent(s) (`end_io` flag). */
export const IOMAP_DIO_UNWRITTEN = 1 << 0;
/** Models `IOMAP_DIO_COW` (include/linux/iomap.h): the DIO covered COW extent(s) (`end_io` flag). */
export const IOMAP_DIO_COW = 1 << 1;

// ---- dio_flags of iomap_dio_rw() ----------------------------------------------------------------

/** Models `IOMAP_DIO_FORCE_WAIT` (include/linux/iomap.h): wait for completion even for an async kiocb. */
export const IOMAP_DIO_FORCE_WAIT = 1 << 0;
/** Models `IOMAP_DIO_OVERWRITE_ONLY` (include/linux/iomap.h): fail with `-EAGAIN` unless a pure overwrite. */
export const IOMAP_DIO_OVERWRITE_ONLY = 1 << 1;
/** Models `IOMAP_DIO_PARTIAL` (include/linux/iomap.h): return a partial result on `-EFAULT`. */
export const IOMAP_DIO_PARTIAL = 1 << 2;

// ---- private iomap_dio flags (fs/iomap/direct-io.c, 6.18) ---------------------------------------

/** Models `IOMAP_DIO_NO_INVALIDATE` (fs/iomap/direct-io.c): skip the post-write page cache invalidation. */
export const IOMAP_DIO_NO_INVALIDATE = 1 << 25;
/** Models `IOMAP_DIO_CALLER_COMP` (fs/iomap/direct-io.c): the issuer runs the completion (io_uring). */
export const IOMAP_DIO_CALLER_COMP = 1 << 26;
/** Models `IOMAP_DIO_INLINE_COMP` (fs/iomap/direct-io.c): complete in the bio completion context (reads). */
export const IOMAP_DIO_INLINE_COMP = 1 << 27;
/** Models `IOMAP_DIO_WRITE_THROUGH` (fs/iomap/direct-io.c): every write bio was FUA, no flush needed. */
export const IOMAP_DIO_WRITE_THROUGH = 1 << 28;
/** Models `IOMAP_DIO_NEED_SYNC` (fs/iomap/direct-io.c): O_DSYNC, run `generic_write_sync()` at completion. */
export const IOMAP_DIO_NEED_SYNC = 1 << 29;
/** Models `IOMAP_DIO_WRITE` (fs/iomap/direct-io.c): the DIO is a write. */
export const IOMAP_DIO_WRITE = 1 << 30;
/** Models `IOMAP_DIO_DIRTY` (fs/iomap/direct-io.c): a read into user memory: dirty the pages (`should_dirty`). */
export const IOMAP_DIO_DIRTY = 2 ** 31;

/**
 * Models `struct iomap` (include/linux/iomap.h): one mapping of a file range to disk.
 * @remarks A mutable record the file system fills in `iomapBegin`; the core resets it between mappings.
 */
export interface Iomap {
  /** Disk offset of the mapping in bytes, or {@link IOMAP_NULL_ADDR}. */
  addr: number;
  /** File offset of the mapping in bytes. */
  offset: number;
  /** Length of the mapping in bytes. */
  length: number;
  /** `IOMAP_HOLE` … `IOMAP_INLINE`. */
  type: number;
  /** `IOMAP_F_*`. */
  flags: number;
  /** Block device for I/O (undefined for holes). */
  bdev: BlockDevice | undefined;
  /** Inline data for `IOMAP_INLINE` mappings. */
  inlineData: Uint8Array | undefined;
  /** File system private data. */
  private: unknown;
}

/**
 * A zeroed {@link Iomap} (`memset(&iomap, 0, sizeof(iomap))`).
 * @returns a hole of length 0
 */
export function iomapNew(): Iomap {
  return {
    addr: 0,
    offset: 0,
    length: 0,
    type: IOMAP_HOLE,
    flags: 0,
    bdev: undefined,
    inlineData: undefined,
    private: undefined,
  };
}

/**
 * Models `iomap_sector()` (include/linux/iomap.h): the 512-byte sector of file position `pos`.
 * @param iomap - a mapped or unwritten mapping
 * @param pos - file position inside it
 * @returns the sector
 */
export function iomapSector(iomap: Iomap, pos: number): number {
  return Math.floor((iomap.addr + pos - iomap.offset) / 512);
}

/**
 * Models `struct iomap_ops` (include/linux/iomap.h): how a file system maps file ranges.
 */
export interface IomapOps {
  /**
   * Returns the existing mapping at `pos`, or reserves/allocates space starting at `pos` for up to `length`
   * bytes as long as it can be one mapping; the actual length goes in `iomap.length`. Called by
   * {@link iomapIter} at the start of each mapping.
   * @returns 0, or `-errno` (`-ENOSPC`, `-EIO`, `-EAGAIN` with `IOMAP_NOWAIT`); a promise of it when the file
   * system must read metadata first
   */
  iomapBegin(
    inode: Inode,
    pos: number,
    length: number,
    flags: number,
    iomap: Iomap,
    srcmap: Iomap,
  ): number | Promise<number>;
  /**
   * (optional) Commits and/or unreserves space reserved by `iomapBegin`; `written` bytes of the mapping were
   * processed. Called by {@link iomapIter} after each mapping.
   * @returns 0, or `-errno`
   */
  iomapEnd?(inode: Inode, pos: number, length: number, written: number, flags: number, iomap: Iomap): number;
}

/**
 * Models `struct iomap_dio_ops` (include/linux/iomap.h): a file system's hooks into direct I/O.
 */
export interface IomapDioOps {
  /**
   * (optional) Called by `iomapDioComplete` once all bios finished: convert unwritten extents, update
   * `i_size`, record the write. `flags` holds `IOMAP_DIO_UNWRITTEN`/`IOMAP_DIO_COW` and the private flags.
   * @returns the new error (0 to keep success), or `-errno`
   */
  endIo?(iocb: Kiocb, size: number, error: number, flags: number): number;
  /**
   * (optional) Submits a DIO bio instead of `submitBio` (the file system takes over submission).
   */
  submitIo?(iter: IomapIter, bio: Bio, fileOffset: number): void;
  /**
   * (optional, stackemu) How the file system's `iomap_dio_bio_iter` call site acquires user pages: `'pin'`
   * (converted: `bio_iov_iter_get_pages()` extracts with FOLL_PIN) or `'gup'` (FOLL_GET references). Absent:
   * the block layer's default (`BlockLayer.dioW.policy`).
   */
  readonly pageRefPolicy?: PageRefPolicy;
}
