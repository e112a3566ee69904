/**
 * The mount table of the machine's one mount namespace (fs/namespace.c).
 * @packageDocumentation
 */
import type { Dentry } from './dentry.js';
import type { VfsMount } from './mount.js';
import type { SuperBlock } from './super.js';

/**
 * Models a `struct mnt_namespace` (fs/mount.h) with its mount hash (`lookup_mnt()`): which mount covers
 * which dentry.
 */
export class MountTable {
  private readonly byMountpoint = new Map<Dentry, VfsMount>();
  private readonly list: VfsMount[] = [];
  private rootMount: VfsMount | undefined;

  /** The root mount (`/`), undefined before anything is mounted. */
  get root(): VfsMount | undefined {
    return this.rootMount;
  }

  /**
   * Models `graft_tree()` / `attach_mnt()` (fs/namespace.c): puts `sb` on `mountpoint` (or at `/`).
   * @param sb - the superblock to mount
   * @param target - the absolute path being covered
   * @param parent - the mount containing `mountpoint`, undefined for the root
   * @param mountpoint - the dentry covered, undefined for the root
   * @param mntFlags - `MNT_*`
   * @returns the new mount
   */
  attach(
    sb: SuperBlock,
    target: string,
    parent: VfsMount | undefined,
    mountpoint: Dentry | undefined,
    mntFlags: number,
  ): VfsMount {
    const root = sb.sRoot;
    if (root === undefined) throw new Error(`vfs: superblock ${sb.sId} has no root dentry`);
    const mnt: VfsMount = { mntRoot: root, mntSb: sb, mntMountpoint: mountpoint, mntParent: parent, target, mntFlags };
    sb.sActive++;
    if (mountpoint === undefined) {
      this.rootMount = mnt;
    } else {
      mountpoint.dMounted++;
      this.byMountpoint.set(mountpoint, mnt);
    }
    this.list.push(mnt);
    return mnt;
  }

  /**
   * Models `umount_tree()` (fs/namespace.c) for one mount.
   * @param mnt - the mount to detach
   */
  detach(mnt: VfsMount): void {
    const i = this.list.indexOf(mnt);
    if (i >= 0) this.list.splice(i, 1);
    mnt.mntSb.sActive--;
    if (mnt.mntMountpoint === undefined) {
      if (this.rootMount === mnt) this.rootMount = undefined;
    } else {
      mnt.mntMountpoint.dMounted--;
      this.byMountpoint.delete(mnt.mntMountpoint);
    }
  }

  /**
   * Models `lookup_mnt()` (fs/namespace.c): the mount on `dentry`, if any.
   * @param dentry - a possible mountpoint
   * @returns the mount covering it
   */
  lookupMnt(dentry: Dentry): VfsMount | undefined {
    return dentry.dMounted > 0 ? this.byMountpoint.get(dentry) : undefined;
  }

  /** Every mount, in mount order. */
  mounts(): readonly VfsMount[] {
    return this.list;
  }

  /**
   * Mounts stacked on or below `mnt` (children first), for unmount checks (`EBUSY`).
   * @param mnt - a mount
   * @returns true if another mount sits on a dentry of `mnt`'s superblock
   */
  hasChildren(mnt: VfsMount): boolean {
    for (const m of this.list) if (m.mntParent === mnt) return true;
    return false;
  }
}
