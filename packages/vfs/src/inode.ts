/**
 * Inodes (`struct inode`, include/linux/fs.h; fs/inode.c).
 * @packageDocumentation
 */
import type { AddressSpace, AddressSpaceOperations } from './internal/deps.js';
import type { FileOperations } from './file-operations.js';
import type { InodeOperations } from './inode-operations.js';
import type { SuperBlock } from './super.js';
import { noopFileOperations, noopInodeOperations } from './internal/noop-ops.js';
import { RwSemaphore } from './rwsem.js';

/**
 * Models `struct inode` (include/linux/fs.h): one file, directory or device node of a superblock.
 *
 * @remarks Created with {@link newInode}, which also gives it its page cache (`i_mapping`, an mm
 * `AddressSpace` whose host is the inode). Sizes are bytes, times virtual ns.
 */
export class Inode {
  /** `i_size`: file size in bytes (read and written with {@link iSizeRead}/{@link iSizeWrite}). */
  iSize = 0;
  /** `i_nlink`. */
  iNlink = 1;
  /** `i_blocks`: 512-byte units allocated. */
  iBlocks = 0;
  /** `i_blkbits`: log2 of the filesystem block size. */
  iBlkbits: number;
  /** `i_mtime` (virtual ns). */
  iMtimeNs = 0;
  /** `i_ctime` (virtual ns). */
  iCtimeNs = 0;
  /** `i_rdev`: device number of a device node. */
  iRdev = 0;
  /** `i_op`. */
  iOp: InodeOperations = noopInodeOperations;
  /** `i_fop`: copied into `f_op` at open. */
  iFop: FileOperations = noopFileOperations;
  /** `i_private`: the filesystem's per-inode state (extent tree, block map, the bdev of a device node). */
  iPrivate: unknown = undefined;
  /** `i_rwsem`: taken by writers (and direct readers) through {@link inodeLock}/{@link inodeLockShared}. */
  readonly iRwsem = new RwSemaphore();
  /** `i_dio_count`: direct I/Os in flight (`inode_dio_begin`/`inode_dio_end`). */
  iDioCount = 0;
  /** Tasks in {@link inodeDioWait} (the kernel's `wait_var_event()` on `i_dio_count`), woken when it drops to 0. */
  iDioWaiters: (() => void)[] | undefined = undefined;
  /** `i_mapping`: the page cache (set by {@link newInode}). */
  iMapping!: AddressSpace;

  /**
   * Use {@link newInode}, which also creates the page cache.
   * @param iSb - `i_sb`: the owning superblock
   * @param iIno - `i_ino`: inode number, unique in the superblock
   * @param iMode - `i_mode`: `S_IF*` type plus permission bits
   */
  constructor(
    readonly iSb: SuperBlock,
    readonly iIno: number,
    public iMode: number,
  ) {
    this.iBlkbits = iSb.sBlocksizeBits;
  }
}

/**
 * Models `new_inode()` + `inode_init_always()` (fs/inode.c): a fresh inode of `sb` with its page cache.
 * @param sb - the superblock
 * @param ino - the inode number
 * @param mode - `S_IF*` type and permission bits
 * @param aops - the address-space operations of its page cache (the kernel's `i_mapping->a_ops`); default
 * operations whose `readFolio`/`writepages` fail with `-EIO`
 * @returns the inode
 */
export function newInode(sb: SuperBlock, ino: number, mode: number, aops?: AddressSpaceOperations): Inode {
  const inode = new Inode(sb, ino, mode);
  inode.iMapping = sb.sMappings.createMapping(aops, inode);
  inode.iMtimeNs = inode.iCtimeNs = sb.sMappings.now();
  sb.sInodes.add(inode);
  return inode;
}

/**
 * Models `i_size_read()` (include/linux/fs.h).
 * @param inode - the inode
 * @returns its size in bytes
 */
export function iSizeRead(inode: Inode): number {
  return inode.iSize;
}

/**
 * Models `i_size_write()` (include/linux/fs.h).
 * @param inode - the inode
 * @param size - the new size in bytes
 */
export function iSizeWrite(inode: Inode, size: number): void {
  inode.iSize = size;
}

/**
 * Models `inode_lock()` (include/linux/fs.h): `i_rwsem` for writing.
 * @param inode - the inode
 * @returns undefined when taken at once, else a promise settled once held
 */
export function inodeLock(inode: Inode): Promise<void> | undefined {
  return inode.iRwsem.downWrite();
}

/** Models `inode_unlock()` (include/linux/fs.h). @param inode - the inode */
export function inodeUnlock(inode: Inode): void {
  inode.iRwsem.upWrite();
}

/**
 * Models `inode_lock_shared()` (include/linux/fs.h): `i_rwsem` for reading.
 * @param inode - the inode
 * @returns undefined when taken at once, else a promise settled once held
 */
export function inodeLockShared(inode: Inode): Promise<void> | undefined {
  return inode.iRwsem.downRead();
}

/** Models `inode_unlock_shared()` (include/linux/fs.h). @param inode - the inode */
export function inodeUnlockShared(inode: Inode): void {
  inode.iRwsem.upRead();
}

/** Models `inode_trylock()` (include/linux/fs.h). @param inode - the inode @returns true if taken */
export function inodeTrylock(inode: Inode): boolean {
  return inode.iRwsem.downWriteTrylock();
}

/** Models `inode_trylock_shared()` (include/linux/fs.h). @param inode - the inode @returns true if taken */
export function inodeTrylockShared(inode: Inode): boolean {
  return inode.iRwsem.downReadTrylock();
}

/**
 * Models `inode_dio_begin()` (include/linux/fs.h): one more direct I/O in flight.
 * @param inode - the inode
 */
export function inodeDioBegin(inode: Inode): void {
  inode.iDioCount++;
}

/**
 * Models `inode_dio_end()` (include/linux/fs.h): one direct I/O finished.
 * @param inode - the inode
 */
export function inodeDioEnd(inode: Inode): void {
  if (--inode.iDioCount !== 0) return;
  const w = inode.iDioWaiters;
  if (w === undefined) return;
  inode.iDioWaiters = undefined;
  for (const wake of w) wake();
}

/**
 * Models `inode_dio_wait()` (fs/inode.c): waits until no direct I/O is in flight on `inode`.
 * @param inode - the inode
 * @returns undefined when none is in flight (no wait), else a promise settled when the last one ends
 */
export function inodeDioWait(inode: Inode): Promise<void> | undefined {
  if (inode.iDioCount === 0) return undefined;
  return new Promise<void>((resolve) => {
    (inode.iDioWaiters ??= []).push(resolve);
  });
}

/**
 * Models `i_blocksize()` (include/linux/fs.h).
 * @param inode - the inode
 * @returns the filesystem block size in bytes
 */
export function iBlocksize(inode: Inode): number {
  return 1 << inode.iBlkbits;
}
