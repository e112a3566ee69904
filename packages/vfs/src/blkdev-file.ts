/**
 * Block-device nodes (`/dev/<disk>`): the vfs side of block/fops.c `def_blk_fops`.
 * @packageDocumentation
 */
import { EINVAL, ENOSPC, EOPNOTSUPP } from '@stackemu/core';
import { FMODE_CAN_ODIRECT, FMODE_NOWAIT, type File } from './file.js';
import type { FileOperations } from './file-operations.js';
import type { Inode } from './inode.js';
import type { BlockDevice, IovIter, Upstream } from './internal/deps.js';
import { IOCB_DIRECT, type Kiocb } from './kiocb.js';
import { genericFileLlseekSize } from './read-write.js';
import type { Stat } from './uapi/stat.js';

function bdevOf(file: File): BlockDevice {
  return file.fInode.iPrivate as BlockDevice;
}

/**
 * Models `def_blk_fops` (block/fops.c) for the nodes of devtmpfs: `O_DIRECT` I/O goes to block's
 * `blkdev_direct_IO()`; seeking is bounded by the device size; `fsync` flushes the device cache.
 * @param up - the block layer
 * @returns the operations table
 * @remarks Buffered (non-`O_DIRECT`) I/O on a raw block device fails with `-EOPNOTSUPP`: the block
 * device's page cache is not modelled.
 */
export function blkdevFops(up: Upstream): FileOperations {
  return Object.freeze({
    open(_inode: Inode, file: File): number {
      file.fMode |= FMODE_CAN_ODIRECT | FMODE_NOWAIT;
      return 0;
    },
    readIter(iocb: Kiocb, iter: IovIter): number | Promise<number> {
      if (!(iocb.kiFlags & IOCB_DIRECT)) return -EOPNOTSUPP;
      const bdev = bdevOf(iocb.kiFilp);
      const size = up.bdevNrBytes(bdev);
      if (iocb.kiPos >= size) return 0;
      if (iter.count > size - iocb.kiPos) iter.count = size - iocb.kiPos;
      return up.blkdevDirectIO(iocb, iter, bdev);
    },
    writeIter(iocb: Kiocb, iter: IovIter): number | Promise<number> {
      if (!(iocb.kiFlags & IOCB_DIRECT)) return -EOPNOTSUPP;
      const bdev = bdevOf(iocb.kiFilp);
      const size = up.bdevNrBytes(bdev);
      if (iocb.kiPos >= size) return -ENOSPC;
      if (iter.count > size - iocb.kiPos) iter.count = size - iocb.kiPos;
      return up.blkdevDirectIO(iocb, iter, bdev);
    },
    llseek(file: File, offset: number, whence: number): number {
      const size = up.bdevNrBytes(bdevOf(file));
      return genericFileLlseekSize(file, offset, whence, size, size);
    },
    fsync(file: File): Promise<number> {
      return up.blkdevIssueFlush(bdevOf(file));
    },
    mmap(): number {
      return -EINVAL;
    },
  } satisfies FileOperations);
}

/**
 * Models the block-device part of `vfs_getattr()` (`bdev_statx()`, block/bdev.c): the DIO alignment.
 * @param up - the block layer
 * @param bdev - the device
 * @param st - the result to adjust
 */
export function bdevStatx(up: Upstream, bdev: BlockDevice, st: Stat): void {
  st.dioMemAlign = up.bdevDmaAlignment(bdev) + 1;
  st.dioOffsetAlign = up.bdevLogicalBlockSize(bdev);
}
