/**
 * The in-core iomapfs inode (the counterpart of `struct ext2_inode_info`, fs/ext2/ext2.h): the on-disk fields,
 * the extent map and the chain of extent blocks, plus dirty state.
 * @packageDocumentation
 */
import { IomapfsExtentMap } from './extents.js';
import type { IomapfsSbInfo } from './sb-info.js';
import { S_IFDIR, S_IFMT, S_IFREG } from '@stackemu/vfs';
import type { IomapfsDiskInode } from './iomapfs.js';

/** Models `I_DIRTY_SYNC` (include/linux/fs.h): timestamps changed (fsync writes them, fdatasync need not). */
export const I_DIRTY_SYNC = 1 << 0;
/** Models `I_DIRTY_DATASYNC` (include/linux/fs.h): size or block map changed (fdatasync must write them). */
export const I_DIRTY_DATASYNC = 1 << 1;

/**
 * An iomapfs inode in memory.
 * @remarks Loaded whole by `iget` (inode plus every extent block), so mapping lookups never wait for I/O.
 */
export class IomapfsInode {
  /** `i_mode`: type and permissions. */
  mode: number;
  /** `i_nlink`. */
  links: number;
  /** Inode flags (0). */
  flags: number;
  /** File size in bytes (the on-disk value; the vfs inode's `iSize` is kept equal). */
  size: number;
  /** Access time (virtual ns). */
  atime: number;
  /** Modification time (virtual ns). */
  mtime: number;
  /** Change time (virtual ns). */
  ctime: number;
  /** Generation. */
  generation: number;
  /** The block map. */
  readonly extMap: IomapfsExtentMap;
  /** The extent overflow blocks, in chain order. */
  extentBlocks: number[];
  /** `I_DIRTY_*` bits: what `writeInode` still has to write. */
  dirty = 0;
  /** Open files and other users holding the inode (the vfs `i_count` role, for unlink-while-open). */
  openCount = 0;
  /** The vfs inode bound to this one, once the vfs has it. */
  vfsInode: unknown = undefined;

  /**
   * @param sbi - the filesystem it belongs to
   * @param ino - inode number
   * @param d - the decoded on-disk inode
   * @param extents - all of its extents (inline plus overflow), sorted
   * @param extentBlocks - its extent blocks
   */
  constructor(
    readonly sbi: IomapfsSbInfo,
    readonly ino: number,
    d: IomapfsDiskInode,
    extents: IomapfsDiskInode['extents'],
    extentBlocks: number[],
  ) {
    this.mode = d.mode;
    this.links = d.links;
    this.flags = d.flags;
    this.size = d.size;
    this.atime = d.atime;
    this.mtime = d.mtime;
    this.ctime = d.ctime;
    this.generation = d.generation;
    this.extMap = new IomapfsExtentMap(extents);
    this.extentBlocks = extentBlocks;
  }

  /** True for a directory. */
  get isDir(): boolean {
    return (this.mode & S_IFMT) === S_IFDIR;
  }

  /** True for a regular file. */
  get isReg(): boolean {
    return (this.mode & S_IFMT) === S_IFREG;
  }

  /** Blocks held: data plus extent blocks (the on-disk `blocks` field). */
  get blocks(): number {
    return this.extMap.mappedBlocks() + this.extentBlocks.length;
  }

  /**
   * The on-disk form (inline extents only; the caller writes the overflow chain).
   * @returns the record to encode
   */
  toDisk(): IomapfsDiskInode {
    const all = this.extMap.extents;
    return {
      mode: this.mode,
      links: this.links,
      flags: this.flags,
      size: this.size,
      blocks: this.blocks,
      atime: this.atime,
      mtime: this.mtime,
      ctime: this.ctime,
      generation: this.generation,
      nextents: all.length,
      extentBlock: this.extentBlocks[0] ?? 0,
      extents: all,
    };
  }
}
