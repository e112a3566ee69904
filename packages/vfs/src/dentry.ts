/**
 * Directory entries (`struct dentry`, include/linux/dcache.h; fs/dcache.c).
 * @packageDocumentation
 */
import type { Inode } from './inode.js';
import type { SuperBlock } from './super.js';

/**
 * Models `struct dentry` (include/linux/dcache.h): a name in a directory, bound to an inode or negative.
 *
 * @remarks The dcache here is the tree of children each dentry keeps; a filesystem's `lookup` fills it.
 */
export class Dentry {
  /** `d_inode`: the inode, or undefined for a negative dentry. */
  dInode: Inode | undefined;
  /** Cached children by name (`d_children`). */
  readonly dChildren = new Map<string, Dentry>();
  /** Mounts stacked on this dentry (`d_flags & DCACHE_MOUNTED`): how many. */
  dMounted = 0;

  /**
   * @param dName - `d_name`: the component name (`"/"` for a root)
   * @param dParent - `d_parent`: the parent, or this dentry itself for a root (undefined means "itself")
   * @param dSb - `d_sb`: the superblock
   * @param inode - the inode, or undefined for a negative dentry
   */
  constructor(
    readonly dName: string,
    dParent: Dentry | undefined,
    readonly dSb: SuperBlock,
    inode: Inode | undefined,
  ) {
    this.dParent = dParent ?? this;
    this.dInode = inode;
  }

  /** `d_parent`. */
  readonly dParent: Dentry;
}

/**
 * Models `d_make_root()` (fs/dcache.c): the root dentry of a superblock.
 * @param root - the root inode
 * @returns a dentry named `"/"` that is its own parent
 */
export function dMakeRoot(root: Inode): Dentry {
  return new Dentry('/', undefined, root.iSb, root);
}

/**
 * Models `d_alloc()` + `d_add()` (fs/dcache.c): a child dentry of `parent`, cached.
 * @param parent - the directory's dentry
 * @param name - the component name
 * @param inode - the inode, or undefined for a negative dentry
 * @returns the new dentry
 */
export function dAdd(parent: Dentry, name: string, inode: Inode | undefined): Dentry {
  const d = new Dentry(name, parent, parent.dSb, inode);
  parent.dChildren.set(name, d);
  return d;
}
