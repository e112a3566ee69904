/**
 * Mounts (`struct vfsmount`, include/linux/mount.h; fs/namespace.c).
 * @packageDocumentation
 */
import type { Dentry } from './dentry.js';
import type { SuperBlock } from './super.js';

/**
 * Models `struct vfsmount` / `struct mount` (include/linux/mount.h, fs/mount.h): a superblock attached
 * at a path.
 */
export interface VfsMount {
  /** `mnt_root`: the root dentry of the mounted filesystem. */
  readonly mntRoot: Dentry;
  /** `mnt_sb`. */
  readonly mntSb: SuperBlock;
  /** `mnt_mountpoint`: the dentry it covers (undefined for the root mount). */
  readonly mntMountpoint: Dentry | undefined;
  /** `mnt_parent`: the mount the mountpoint belongs to (undefined for the root mount). */
  readonly mntParent: VfsMount | undefined;
  /** The absolute path it is mounted on (`"/"`, `"/mnt"`). */
  readonly target: string;
  /** `mnt_flags`: `MNT_*` (`MNT_READONLY`). */
  readonly mntFlags: number;
}

/** Models `MNT_READONLY` (include/linux/mount.h). */
export const MNT_READONLY = 0x40;
