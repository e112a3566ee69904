/**
 * Attributes (fs/stat.c): `generic_fillattr()` and `vfs_getattr()`.
 * @packageDocumentation
 */
import { bdevStatx, iBdev } from './blkdev-file.js';
import type { Inode } from './inode.js';
import { sIsBlk, type Stat } from './uapi/stat.js';

/**
 * Models `generic_fillattr()` + `vfs_getattr()` (fs/stat.c): fills `st` from the inode, then lets the
 * filesystem's `getattr` adjust it. A block-device node reports its device's direct-I/O alignment
 * (`bdev_statx()`).
 * @param inode - the inode
 * @param st - the result to fill
 * @returns 0 or the filesystem's `-errno`
 */
export function vfsGetattr(inode: Inode, st: Stat): number {
  const sb = inode.iSb;
  st.dev = sb.sDev;
  st.ino = inode.iIno;
  st.mode = inode.iMode;
  st.nlink = inode.iNlink;
  st.rdev = inode.iRdev;
  st.size = inode.iSize;
  st.blksize = 1 << inode.iBlkbits;
  st.blocks = inode.iBlocks;
  st.mtimeNs = inode.iMtimeNs;
  st.ctimeNs = inode.iCtimeNs;
  st.dioMemAlign = 0;
  st.dioOffsetAlign = 0;
  if (sIsBlk(inode.iMode) && inode.iPrivate !== undefined) bdevStatx(iBdev(inode), st);
  const iop = inode.iOp;
  if (iop.getattr !== undefined) return iop.getattr(inode, st);
  return 0;
}
