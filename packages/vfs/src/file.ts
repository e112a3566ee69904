/**
 * Open files (`struct file`, include/linux/fs.h) and their `FMODE_*` bits.
 * @packageDocumentation
 */
import type { AddressSpace, MmapFile, VmOperationsStruct } from './internal/deps.js';
import type { Dentry } from './dentry.js';
import type { FileOperations } from './file-operations.js';
import type { Inode } from './inode.js';
import type { VfsMount } from './mount.js';
import { newFileRaState, type FileRaState } from './readahead.js';

/** Models `FMODE_READ` (include/linux/fs.h): opened for reading. */
export const FMODE_READ = 1 << 0;
/** Models `FMODE_WRITE` (include/linux/fs.h): opened for writing. */
export const FMODE_WRITE = 1 << 1;
/** Models `FMODE_LSEEK` (include/linux/fs.h): seekable. */
export const FMODE_LSEEK = 1 << 2;
/** Models `FMODE_PREAD` (include/linux/fs.h): `pread` allowed. */
export const FMODE_PREAD = 1 << 3;
/** Models `FMODE_PWRITE` (include/linux/fs.h): `pwrite` allowed. */
export const FMODE_PWRITE = 1 << 4;
/** Models `FMODE_CAN_ATOMIC_WRITE` (include/linux/fs.h): the file supports `RWF_ATOMIC`. */
export const FMODE_CAN_ATOMIC_WRITE = 1 << 7;
/** Models `FMODE_RANDOM` (include/linux/fs.h): random access expected (`POSIX_FADV_RANDOM`). */
export const FMODE_RANDOM = 1 << 12;
/** Models `FMODE_ATOMIC_POS` (include/linux/fs.h). */
export const FMODE_ATOMIC_POS = 1 << 15;
/** Models `FMODE_CAN_READ` (include/linux/fs.h): the file operations can read (`read_iter` present). */
export const FMODE_CAN_READ = 1 << 17;
/** Models `FMODE_CAN_WRITE` (include/linux/fs.h): the file operations can write (`write_iter` present). */
export const FMODE_CAN_WRITE = 1 << 18;
/** Models `FMODE_OPENED` (include/linux/fs.h). */
export const FMODE_OPENED = 1 << 19;
/** Models `FMODE_CREATED` (include/linux/fs.h): this open created the file. */
export const FMODE_CREATED = 1 << 20;
/**
 * Models `FMODE_CAN_ODIRECT` (include/linux/fs.h): the file supports `O_DIRECT`. A filesystem sets it in
 * its {@link FileOperations.open} (as ext4 and xfs do); opening with `O_DIRECT` without it fails `EINVAL`.
 */
export const FMODE_CAN_ODIRECT = 1 << 22;
/** Models `FMODE_NOREUSE` (include/linux/fs.h): the data will be accessed once (`POSIX_FADV_NOREUSE`). */
export const FMODE_NOREUSE = 1 << 23;
/** Models `FMODE_NOWAIT` (include/linux/fs.h): the file supports `IOCB_NOWAIT`; set by the filesystem's open. */
export const FMODE_NOWAIT = 1 << 27;

/**
 * Models `struct path` as `f_path` holds it (include/linux/path.h): where an open file was found.
 */
export interface FilePath {
  /** `mnt`: the mount, or undefined for a file on an internal mount (anonymous inodes). */
  readonly mnt: VfsMount | undefined;
  /** `dentry`: the name opened. */
  readonly dentry: Dentry;
}

/**
 * Models `struct file` (include/linux/fs.h): one open file description, shared by duplicated descriptors.
 *
 * @remarks Also the `MmapFile` mm's `mmap` receives: {@link File.mapping} is its page cache (`f_mapping`).
 */
export class File implements MmapFile {
  /** `f_pos`: the file position of `read`/`write`/`lseek`. */
  fPos = 0;
  /** `f_mode`: `FMODE_*`. */
  fMode: number;
  /** `f_flags`: the `O_*` flags kept after open (without `O_CREAT|O_EXCL|O_NOCTTY|O_TRUNC`). */
  fFlags: number;
  /** `f_iocb_flags`: `IOCB_*` derived from `f_flags` at open (`iocb_flags()`). */
  fIocbFlags = 0;
  /** `f_op`: the inode's file operations at open time. */
  fOp: FileOperations;
  /** `private_data`: the filesystem's or driver's per-open state. */
  privateData: unknown = undefined;
  /** References (`f_count`): descriptors and in-flight requests holding the file. */
  fCount = 1;
  /** `f_ra`: the readahead state (`file_ra_state_init()` at open; `posix_fadvise()` resizes its window). */
  readonly fRa: FileRaState = newFileRaState();

  /**
   * @param fPath - `f_path`: the mount and dentry opened
   * @param fInode - `f_inode`
   * @param fMode - initial `FMODE_*`
   * @param fFlags - `O_*` flags
   */
  constructor(
    readonly fPath: FilePath,
    readonly fInode: Inode,
    fMode: number,
    fFlags: number,
  ) {
    this.fMode = fMode;
    this.fFlags = fFlags;
    this.fOp = fInode.iFop;
    this.fMapping = fInode.iMapping;
  }

  /**
   * `f_mapping`: the page cache this file reads and writes through — the inode's `i_mapping`, except for a
   * block-device node, whose open points it at the block device's own page cache (`bd_mapping`).
   */
  fMapping: AddressSpace;

  /** The `MmapFile` view of {@link File.fMapping}. */
  get mapping(): AddressSpace {
    return this.fMapping;
  }

  /** `MmapFile.mayWrite`: the file is open for writing (`VM_MAYWRITE` on shared mappings). */
  get mayWrite(): boolean {
    return (this.fMode & FMODE_WRITE) !== 0;
  }

  /** `MmapFile.vmOps`: the `vm_operations_struct` the filesystem's `mmap` chose (`vma->vm_ops`), if any. */
  vmOps?: VmOperationsStruct;
}

/**
 * Models `file_inode()` (include/linux/fs.h).
 * @param f - an open file
 * @returns its inode
 */
export function fileInode(f: File): Inode {
  return f.fInode;
}
