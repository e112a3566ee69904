/**
 * Path lookup (fs/namei.c): walking components through the dcache, filesystems' `lookup` and mounts.
 * @packageDocumentation
 */
import { ENAMETOOLONG, ENOENT, ENOTDIR } from '@stackemu/core';
import { dAdd, type Dentry } from './dentry.js';
import type { VfsMount } from './mount.js';
import type { MountTable } from './namespace.js';
import { NAME_MAX, PATH_MAX } from './uapi/fcntl.js';
import { sIsDir } from './uapi/stat.js';

/** Models `struct path` (include/linux/path.h): a mount and a dentry in it. */
export interface Path {
  /** `mnt`: the mount the walk is on. */
  readonly mnt: VfsMount;
  /** `dentry`: the name reached. */
  readonly dentry: Dentry;
}

/** What a walk starts from: the mount table and where `/dev` lives. */
export interface NameiContext {
  /** The mount namespace. */
  readonly mountTable: MountTable;
  /**
   * The devtmpfs mount. `/dev/...` always resolves in it, whatever is mounted on `/` (as if userspace had
   * mounted devtmpfs on every root's `/dev`).
   */
  readonly devMount: VfsMount | undefined;
}

/** The result of {@link pathLookupParent}: the parent directory and the last component. */
export interface ParentLookup {
  /** The directory that holds (or would hold) the last component. */
  readonly parent: Path;
  /** The last component's name. */
  readonly last: string;
  /** The last component if it exists (mounts followed), undefined if not. */
  readonly child: Path | undefined;
}

/**
 * Splits and checks a path as `getname()` + `link_path_walk()` do (fs/namei.c).
 * @returns the components, or `-ENOENT` (empty path), `-ENAMETOOLONG` (path ≥ `PATH_MAX` or a component
 * over `NAME_MAX`)
 */
function components(path: string): string[] | number {
  if (path.length === 0) return -ENOENT;
  if (path.length >= PATH_MAX) return -ENAMETOOLONG;
  const out: string[] = [];
  for (const c of path.split('/')) {
    if (c === '' || c === '.') continue;
    if (c.length > NAME_MAX) return -ENAMETOOLONG;
    out.push(c);
  }
  return out;
}

function startOf(ctx: NameiContext, comps: string[]): Path | number {
  if (comps[0] === 'dev' && ctx.devMount !== undefined) {
    comps.shift();
    return { mnt: ctx.devMount, dentry: ctx.devMount.mntRoot };
  }
  const root = ctx.mountTable.root;
  if (root === undefined) return -ENOENT;
  return followMounts(ctx, { mnt: root, dentry: root.mntRoot });
}

/**
 * Models `follow_mount()` (fs/namei.c): steps onto whatever is mounted on `p.dentry`.
 */
function followMounts(ctx: NameiContext, p: Path): Path {
  let cur = p;
  for (;;) {
    const m = ctx.mountTable.lookupMnt(cur.dentry);
    if (m === undefined) return cur;
    cur = { mnt: m, dentry: m.mntRoot };
  }
}

/**
 * Models `lookup_one()` + `walk_component()` (fs/namei.c): one step from directory `dir` to `name`.
 * @returns the child (mounts followed), undefined if it does not exist, or `-errno` (`-ENOTDIR`, the
 * filesystem's lookup error)
 */
export async function walkComponent(ctx: NameiContext, dir: Path, name: string): Promise<Path | undefined | number> {
  const inode = dir.dentry.dInode;
  if (inode === undefined || !sIsDir(inode.iMode)) return -ENOTDIR;
  if (name === '..') {
    let cur = dir;
    while (cur.dentry === cur.mnt.mntRoot && cur.mnt.mntParent !== undefined && cur.mnt.mntMountpoint !== undefined) {
      cur = { mnt: cur.mnt.mntParent, dentry: cur.mnt.mntMountpoint };
    }
    return followMounts(ctx, { mnt: cur.mnt, dentry: cur.dentry.dParent });
  }
  let child = dir.dentry.dChildren.get(name);
  if (child === undefined || child.dInode === undefined) {
    const iop = inode.iOp;
    if (iop.lookup === undefined) return undefined;
    const r = await iop.lookup(inode, name);
    if (typeof r === 'number') return r;
    if (r === undefined) return undefined;
    child = dAdd(dir.dentry, name, r);
  }
  return followMounts(ctx, { mnt: dir.mnt, dentry: child });
}

/**
 * Models `filename_lookup()` / `kern_path()` (fs/namei.c): resolves an absolute (or `/`-relative) path.
 * @param ctx - mounts
 * @param path - the path
 * @returns the path, or `-ENOENT`, `-ENOTDIR`, `-ENAMETOOLONG`
 */
export async function pathLookup(ctx: NameiContext, path: string): Promise<Path | number> {
  const comps = components(path);
  if (typeof comps === 'number') return comps;
  let cur = startOf(ctx, comps);
  if (typeof cur === 'number') return cur;
  for (const c of comps) {
    const next = await walkComponent(ctx, cur, c);
    if (next === undefined) return -ENOENT;
    if (typeof next === 'number') return next;
    cur = next;
  }
  return cur;
}

/**
 * Models `filename_parentat()` + `lookup_one_qstr_excl()` (fs/namei.c): resolves all but the last
 * component, then looks the last one up.
 * @param ctx - mounts
 * @param path - the path
 * @returns the parent, the last name and the child if it exists, or `-errno`; a path without a last
 * component (`"/"`) gives `-EEXIST`-style callers `last === ''`
 */
export async function pathLookupParent(ctx: NameiContext, path: string): Promise<ParentLookup | number> {
  const comps = components(path);
  if (typeof comps === 'number') return comps;
  let cur = startOf(ctx, comps);
  if (typeof cur === 'number') return cur;
  const last = comps.pop();
  for (const c of comps) {
    const next = await walkComponent(ctx, cur, c);
    if (next === undefined) return -ENOENT;
    if (typeof next === 'number') return next;
    cur = next;
  }
  if (last === undefined) return { parent: cur, last: '', child: cur };
  const child = await walkComponent(ctx, cur, last);
  if (typeof child === 'number') return child;
  return { parent: cur, last, child };
}
