/**
 * The file operations table (`struct file_operations`, include/linux/fs.h) filesystems and drivers fill.
 * @packageDocumentation
 */
import type { IovIter } from './internal/deps.js';
import type { File } from './file.js';
import type { Inode } from './inode.js';
import type { Kiocb } from './kiocb.js';

/**
 * Models `struct file_operations` (include/linux/fs.h).
 *
 * @remarks Every member is optional; the vfs checks presence and answers as the kernel does when one is
 * missing (`EINVAL` for read/write/fsync, `EOPNOTSUPP` for fallocate, `ENODEV` for mmap, `ESPIPE`-free
 * default seeking). Results are kernel-style: `>= 0` or `-errno`. A member may return a promise where the
 * kernel would sleep (a sync kiocb waiting for its I/O, metadata I/O); async kiocbs should return
 * `-EIOCBQUEUED` synchronously and call `kiComplete` later.
 */
export interface FileOperations {
  /**
   * Models `->read_iter()`: read into `iter` at `iocb.kiPos`, advancing `kiPos` by the bytes read.
   * Called by read/pread/readv/preadv(2), aio and io_uring reads.
   * @returns bytes read (0 at EOF), `-errno`, or `-EIOCBQUEUED` for a queued async kiocb
   */
  readIter?(iocb: Kiocb, iter: IovIter): number | Promise<number>;
  /**
   * Models `->write_iter()`: write from `iter` at `iocb.kiPos` (or EOF with `IOCB_APPEND`), advancing
   * `kiPos`. Called by write/pwrite/writev/pwritev(2), aio and io_uring writes.
   * @returns bytes written, `-errno`, or `-EIOCBQUEUED`
   */
  writeIter?(iocb: Kiocb, iter: IovIter): number | Promise<number>;
  /**
   * Models `->iopoll()`: poll for completions of `IOCB_HIPRI` kiocbs (optional).
   * @returns completions found
   */
  iopoll?(iocb: Kiocb, spin: boolean): number;
  /**
   * Models `->llseek()`: called by lseek; absent → `generic_file_llseek` semantics.
   * @returns the new position or `-errno` (`-EINVAL`, `-ENXIO` for SEEK_DATA/SEEK_HOLE past EOF)
   */
  llseek?(file: File, offset: number, whence: number): number | Promise<number>;
  /**
   * Models `->fsync()`: write back `[start, end]` and, unless `datasync`, the metadata; called by
   * fsync/fdatasync, aio and io_uring FSYNC. Absent → `-EINVAL`.
   * @returns 0 or `-errno` (`-EIO`)
   */
  fsync?(file: File, start: number, end: number, datasync: boolean): Promise<number>;
  /**
   * Models `->fallocate()`: called by fallocate after `vfs_fallocate()`'s checks. Absent → `-EOPNOTSUPP`.
   * @returns 0 or `-errno` (`-ENOSPC`, `-EOPNOTSUPP` for an unsupported mode)
   */
  fallocate?(file: File, mode: number, offset: number, len: number): Promise<number>;
  /**
   * Models `->fadvise()` (optional): the filesystem's own `posix_fadvise()` (xfs takes its I/O lock around
   * `generic_fadvise()`). Absent → the vfs's `genericFadvise()`.
   * @returns 0 or `-errno`
   */
  fadvise?(file: File, offset: number, len: number, advice: number): number | Promise<number>;
  /**
   * Models `->mmap()`: called by mmap before the mapping is made; checks the file can be mapped
   * (`generic_file_mmap`). Absent → `-ENODEV`.
   * @returns 0 or `-errno`
   */
  mmap?(file: File): number;
  /**
   * Models `->open()`: per-open setup; sets `FMODE_CAN_ODIRECT`/`FMODE_NOWAIT` in `file.fMode` when the
   * file supports them.
   * @returns 0 or `-errno`
   */
  open?(inode: Inode, file: File): number | Promise<number>;
  /**
   * Models `->release()`: the last reference to the open file is gone.
   * @returns 0 or `-errno` (ignored, as the kernel ignores it)
   */
  release?(inode: Inode, file: File): number | Promise<number>;
}
