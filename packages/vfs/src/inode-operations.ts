/**
 * The inode operations table (`struct inode_operations`, include/linux/fs.h).
 * @packageDocumentation
 */
import type { Inode } from './inode.js';
import type { Stat } from './uapi/stat.js';

/** Models `struct iattr` (include/linux/fs.h): the attributes `setattr` changes. */
export interface Iattr {
  /** `ia_valid`: `ATTR_*` bits saying which fields are set. */
  readonly iaValid: number;
  /** `ia_size`, with `ATTR_SIZE`. */
  readonly iaSize: number;
  /** `ia_mode`, with `ATTR_MODE`. */
  readonly iaMode: number;
}

/** Models `ATTR_MODE` (include/linux/fs.h). */
export const ATTR_MODE = 1 << 0;
/** Models `ATTR_SIZE` (include/linux/fs.h): truncate or extend to `iaSize`. */
export const ATTR_SIZE = 1 << 3;
/** Models `ATTR_MTIME` (include/linux/fs.h). */
export const ATTR_MTIME = 1 << 5;
/** Models `ATTR_CTIME` (include/linux/fs.h). */
export const ATTR_CTIME = 1 << 6;

/**
 * Models `struct inode_operations` (include/linux/fs.h). Directory operations take the directory inode.
 *
 * @remarks Results are kernel-style (`-errno` on failure). The vfs has already checked the name (length,
 * existence in the dcache) and the types (`ENOTDIR`, `EISDIR`) before calling; a missing member makes
 * the vfs answer as the kernel does (`-EPERM` for mkdir/create/unlink on a filesystem without them).
 */
export interface InodeOperations {
  /**
   * Models `->lookup()`: finds `name` in directory `dir` on a dcache miss.
   * @returns the inode, undefined if absent, or `-errno`
   */
  lookup?(dir: Inode, name: string): Promise<Inode | undefined | number>;
  /**
   * Models `->create()`: creates regular file `name` in `dir` (open with `O_CREAT`).
   * @returns the new inode or `-errno` (`-ENOSPC`)
   */
  create?(dir: Inode, name: string, mode: number): Promise<Inode | number>;
  /**
   * Models `->mkdir()`: creates directory `name` in `dir`.
   * @returns the new inode or `-errno`
   */
  mkdir?(dir: Inode, name: string, mode: number): Promise<Inode | number>;
  /**
   * Models `->unlink()`: removes the entry `name` (a non-directory `inode`) from `dir`; the inode's data
   * goes when its last link and last open file are gone.
   * @returns 0 or `-errno`
   */
  unlink?(dir: Inode, name: string, inode: Inode): Promise<number>;
  /**
   * Models `->rmdir()`: removes the empty directory `name` from `dir`.
   * @returns 0 or `-errno` (`-ENOTEMPTY`)
   */
  rmdir?(dir: Inode, name: string, inode: Inode): Promise<number>;
  /**
   * Models `->setattr()`: applies `attr` (truncate with `ATTR_SIZE`). Absent → the vfs applies it to the
   * in-memory inode only (`simple_setattr`).
   * @returns 0 or `-errno`
   */
  setattr?(inode: Inode, attr: Iattr): Promise<number>;
  /**
   * Models `->getattr()`: fills `stat` after the vfs's `generic_fillattr`. Optional.
   * @returns 0 or `-errno`
   */
  getattr?(inode: Inode, stat: Stat): number;
}
