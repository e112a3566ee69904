/**
 * Filesystem types (`struct file_system_type`, include/linux/fs.h; fs/filesystems.c) and the contribution
 * point filesystem plugins register them at.
 * @packageDocumentation
 */
import type { ContributionProvider } from '@stackemu/core';
import type { AddressSpaceOperations, BlockDevice } from './internal/deps.js';
import type { BufferedIo } from './filemap.js';
import type { Inode } from './inode.js';
import type { SuperBlock } from './super.js';

/** Models `FS_REQUIRES_DEV` (include/linux/fs.h): the filesystem lives on a block device. */
export const FS_REQUIRES_DEV = 1;

/**
 * What the vfs offers a filesystem while it mounts or makes itself: the kernel's `fs_context` plus the
 * helpers `mount_bdev()` uses.
 */
export interface FsContext {
  /**
   * Models `lookup_bdev()` + `bdev_file_open_by_dev()` (block/bdev.c): the block device named `source`
   * (`"nvme0n1"` or `"/dev/nvme0n1"`).
   * @returns the device, or `-ENOTBLK` (no such block device) / `-ENODEV`
   */
  lookupBdev(source: string): BlockDevice | number;
  /**
   * Models `sget()` / `alloc_super()` (fs/super.c): a fresh superblock of `type` for `source`.
   * @param bdev - the block device, for `FS_REQUIRES_DEV` types
   */
  allocSuper(type: FileSystemType, source: string, flags: number, bdev: BlockDevice | undefined): SuperBlock;
  /**
   * Models `new_inode()` (fs/inode.c); the same as the exported {@link newInode}.
   */
  newInode(sb: SuperBlock, ino: number, mode: number, aops?: AddressSpaceOperations): Inode;
  /** Current virtual time in ns. */
  now(): number;
  /** Page-cache access for {@link genericFileReadIter}/{@link genericFileWriteIter}. */
  readonly bufferedIo: BufferedIo;
}

/**
 * Models `struct file_system_type` (include/linux/fs.h). Filesystem plugins contribute these at
 * {@link FileSystemTypes} (capability `fs`).
 *
 * @remarks The vfs mounts in its `start` hook; `mount` must therefore work without the filesystem plugin's
 * own `start` having run (it may rely on its module's bindings).
 */
export interface FileSystemType {
  /** `name`: the type name of `mount -t` (`"iomapfs"`). */
  readonly name: string;
  /** `fs_flags`: `FS_*` (`FS_REQUIRES_DEV`). */
  readonly fsFlags: number;
  /**
   * Models `->mount()` (the legacy `mount_bdev()` path): reads the filesystem from `source` and returns its
   * superblock with `sRoot` set.
   * @param source - the device name (`"nvme0n1"`) or, for a filesystem without a device, any label
   * @param flags - `SB_*` / `MS_*` mount flags (`SB_RDONLY`)
   * @param data - the filesystem-specific option string (`"discard,noatime"`), `""` if none
   * @param fc - the vfs's helpers
   * @returns the superblock, or `-errno` (`-EINVAL` for a bad or missing superblock, `-ENOTBLK`, `-EIO`)
   */
  mount(source: string, flags: number, data: string, fc: FsContext): Promise<SuperBlock | number>;
  /**
   * Models `->kill_sb()`: tear the superblock down at unmount (after `syncFs` and `putSuper`). Optional.
   */
  killSb?(sb: SuperBlock): Promise<void>;
  /**
   * Makes a new, empty filesystem on `source` (the userspace `mkfs.<type>`; the vfs runs it for a `mounts`
   * entry with `mkfs: true`). Optional; absent → `-EOPNOTSUPP`.
   * @param options - the `mkfs` option string of the mounts entry
   * @returns 0 or `-errno`
   */
  mkfs?(source: string, options: string, fc: FsContext): Promise<number>;
}

/** Contribution id at which filesystem plugins bind their {@link FileSystemType} (capability `fs`). */
export const FileSystemTypes = Symbol.for('stackemu.FileSystemTypes');

/** Service id of the provider of every contributed {@link FileSystemType}. */
export const FileSystemTypesProvider = Symbol.for('stackemu.FileSystemTypesProvider');
/** The provider of every contributed {@link FileSystemType}. */
export type FileSystemTypesProvider = ContributionProvider<FileSystemType>;

/**
 * Models `get_fs_type()` (fs/filesystems.c).
 * @param types - the registered types
 * @param name - the type name
 * @returns the type, or undefined (the syscall answers `-ENODEV`)
 */
export function getFsType(types: readonly FileSystemType[], name: string): FileSystemType | undefined {
  for (const t of types) if (t.name === name) return t;
  return undefined;
}
