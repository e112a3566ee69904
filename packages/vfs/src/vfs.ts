/**
 * The machine's vfs: processes, mounts and the built-in filesystems (fs/namespace.c, fs/super.c,
 * kernel/fork.c).
 * @packageDocumentation
 */
import { ENODEV, ENOTBLK, ENOTDIR, EBUSY, EINVAL, EOPNOTSUPP, Errno, EIO, type Scheduler } from '@stackemu/core';
import type { KioCtx } from './aio.js';
import { File, FMODE_READ, FMODE_WRITE } from './file.js';
import type { FileOperations } from './file-operations.js';
import { getFsType, type FileSystemType, type FsContext } from './filesystems.js';
import { FdTable } from './fdtable.js';
import { newInode, type Inode } from './inode.js';
import { anonInodefsType, devtmpfsType, rootfsType } from './internal/builtin-fs.js';
import { filemapWriteAndWaitRange } from '@stackemu/mm';
import type { AddressSpace, AddressSpaceOperations, BlockDevice, MmStruct } from './internal/deps.js';
import type { VfsKernel } from './vfs-kernel.js';
import { truncateInodePagesFinal, truncatePagecache } from './internal/truncate.js';
import type { Upstream } from './upstream.js';
import { MNT_READONLY, type VfsMount } from './mount.js';
import { pathLookup } from './namei.js';
import { MountTable } from './namespace.js';
import { blkdevAops } from './blkdev-file.js';
import { fput } from './open.js';
import type { Process } from './process.js';
import { SuperBlock, SB_RDONLY, type MappingFactory } from './super.js';
import { Syscalls } from './syscalls.js';
import { sIsDir } from './uapi/stat.js';

/** Models `MS_RDONLY` (include/uapi/linux/mount.h): mount read-only. */
export const MS_RDONLY = 1;

/** Service id of the machine's {@link Vfs}. */
export const Vfs = Symbol.for('stackemu.Vfs');

/**
 * The machine's virtual filesystem switch: processes, the mount namespace, filesystem types.
 */
export interface Vfs {
  /**
   * Models `fork()`+`exec()` of a new process (kernel/fork.c): a fresh address space and descriptor table.
   * @param comm - a name for reports
   */
  spawn(comm?: string): Process;
  /** Live processes. */
  processes(): readonly Process[];
  /**
   * Models `mount(2)` → `do_new_mount()` (fs/namespace.c).
   * @param source - device name (`"nvme0n1"`, `"/dev/nvme0n1"`) or label
   * @param target - an existing directory (`"/"` mounts over the root)
   * @param fstype - a contributed filesystem type (`"iomapfs"`)
   * @param flags - `MS_*` (`MS_RDONLY`)
   * @param data - filesystem options
   * @returns 0, or `-ENODEV` (unknown type), `-ENOENT`/`-ENOTDIR` (target), `-ENOTBLK` (source not a block
   * device), the filesystem's (`-EINVAL` for no valid filesystem, `-EIO`)
   */
  mount(source: string, target: string, fstype: string, flags?: number, data?: string): Promise<number>;
  /**
   * Models `umount(2)` (fs/namespace.c): writes back every dirty page and the filesystem's metadata
   * (`sync_filesystem()`), then tears the superblock down.
   * @returns 0, or `-EINVAL` (not a mount root), `-EBUSY` (mounts on it or open files)
   */
  umount(target: string): Promise<number>;
  /**
   * Runs `mkfs` of a filesystem type on a device (the userspace tool).
   * @returns 0, or `-ENODEV` (unknown type), `-EOPNOTSUPP` (the type has no mkfs), the filesystem's
   */
  mkfs(source: string, fstype: string, options?: string): Promise<number>;
  /** The mounts, in mount order (`/proc/mounts`). */
  mounts(): readonly VfsMount[];
  /**
   * Models `sync(2)` (fs/sync.c): writes back every mounted filesystem, then the block devices' page caches.
   * @returns 0 or the first `-errno`
   */
  sync(): Promise<number>;
}

/** Address-space operations of inodes without a filesystem page-cache implementation. */
const eioAops: AddressSpaceOperations = Object.freeze({
  readFolio: () => Promise.resolve(-EIO),
  writepages: () => Promise.resolve(0),
});

class ProcessImpl implements Process {
  readonly files = new FdTable();
  readonly aioCtxs = new Map<number, KioCtx>();
  readonly sys: Syscalls;
  exited = false;
  private exiting: Promise<void> | undefined;

  constructor(
    readonly pid: number,
    readonly comm: string,
    readonly mm: MmStruct,
    k: VfsKernel,
    private readonly onExit: (p: ProcessImpl) => void,
  ) {
    this.sys = new Syscalls(this, k);
  }

  exit(): Promise<void> {
    this.exiting ??= this.doExit();
    return this.exiting;
  }

  private async doExit(): Promise<void> {
    for (const [id, ctx] of [...this.aioCtxs]) {
      this.aioCtxs.delete(id);
      await ctx.kill();
    }
    for (const [fd] of this.files.entries()) {
      const f = this.files.remove(fd);
      if (f !== undefined) await fput(f);
    }
    this.mm.exit();
    this.exited = true;
    this.onExit(this);
  }
}

/**
 * The {@link Vfs} implementation; also the machine-wide state syscalls reach.
 * @remarks Construct through the vfs plugin's module, which resolves mm's and block's services once into an
 * {@link Upstream}.
 */
export class VfsImpl implements Vfs, VfsKernel {
  private readonly mounts_ = new MountTable();
  private readonly procs = new Map<number, ProcessImpl>();
  private pidSeq = 0;
  private devSeq = 0;
  private dev: VfsMount | undefined;
  private anonRoot: Inode | undefined;
  private readonly builtin: readonly FileSystemType[];
  private readonly fc: FsContext;
  private readonly mappings: MappingFactory;

  /**
   * @param scheduler - virtual time
   * @param up - mm and block
   * @param fsTypes - the contributed filesystem types (read at each mount)
   * @param bdevFops - the operations of `/dev/<disk>` nodes
   */
  constructor(
    readonly scheduler: Scheduler,
    readonly up: Upstream,
    private readonly fsTypes: () => readonly FileSystemType[],
    bdevFops: FileOperations,
  ) {
    const registry = up.blk.registry;
    this.builtin = [
      rootfsType,
      devtmpfsType(bdevFops, blkdevAops(up.physMem), (n) => registry.lookup(n)),
      anonInodefsType,
    ];
    this.mappings = {
      createMapping: (aops: AddressSpaceOperations | undefined, host: Inode): AddressSpace =>
        this.up.mmService.createAddressSpace(aops ?? eioAops, host, { size: () => host.iSize }),
      now: () => this.scheduler.now(),
      truncatePagecache: (inode: Inode, newsize: number): Promise<void> =>
        truncatePagecache(this.up.physMem, inode.iMapping, newsize),
    };
    this.fc = {
      lookupBdev: (source: string): BlockDevice | number => {
        const name = source.startsWith('/dev/') ? source.slice(5) : source;
        return registry.lookup(name) ?? -ENOTBLK;
      },
      allocSuper: (type, source, flags, bdev) =>
        new SuperBlock(type, source, flags & MS_RDONLY ? SB_RDONLY : 0, ++this.devSeq, bdev, this.mappings),
      newInode: (sb, ino, mode, aops) => newInode(sb, ino, mode, aops),
      now: () => this.scheduler.now(),
      bufferedIo: { up },
    };
  }

  /** The mount namespace. */
  get mountTable(): MountTable {
    return this.mounts_;
  }

  /** The devtmpfs mount `/dev/...` resolves in. */
  get devMount(): VfsMount | undefined {
    return this.dev;
  }

  /**
   * Mounts rootfs on `/` and devtmpfs for `/dev`; run once before anything else.
   */
  async init(): Promise<void> {
    if (this.mounts_.root !== undefined) return;
    const root = await rootfsType.mount('rootfs', 0, '', this.fc);
    if (typeof root === 'number') throw new Errno(root, 'vfs: cannot mount rootfs');
    this.mounts_.attach(root, '/', undefined, undefined, 0);
    const devType = this.builtin[1] as FileSystemType;
    const dev = await devType.mount('devtmpfs', 0, '', this.fc);
    if (typeof dev === 'number') throw new Errno(dev, 'vfs: cannot mount devtmpfs');
    this.dev = {
      mntRoot: dev.sRoot as NonNullable<typeof dev.sRoot>,
      mntSb: dev,
      mntMountpoint: undefined,
      mntParent: undefined,
      target: '/dev',
      mntFlags: 0,
    };
    const anon = await anonInodefsType.mount('anon_inodefs', 0, '', this.fc);
    if (typeof anon === 'number') throw new Errno(anon, 'vfs: cannot mount anon_inodefs');
    this.anonRoot = anon.sRoot?.dInode;
  }

  anonInodeGetfile(name: string, fops: FileOperations, priv: unknown): File {
    const inode = this.anonRoot;
    if (inode === undefined) throw new Errno(EINVAL, `vfs: ${name} before vfs init`);
    const dentry = inode.iSb.sRoot as NonNullable<typeof inode.iSb.sRoot>;
    const f = new File({ mnt: undefined, dentry }, inode, FMODE_READ | FMODE_WRITE, 0o2);
    f.fOp = fops;
    f.privateData = priv;
    return f;
  }

  spawn(comm = 'proc'): Process {
    const pid = ++this.pidSeq;
    const mm = this.up.mmService.createMm(`pid ${pid} (${comm})`);
    const p = new ProcessImpl(pid, comm, mm, this, (q) => this.procs.delete(q.pid));
    this.procs.set(pid, p);
    return p;
  }

  processes(): readonly Process[] {
    return [...this.procs.values()];
  }

  private types(): readonly FileSystemType[] {
    return [...this.builtin, ...this.fsTypes()];
  }

  async mount(source: string, target: string, fstype: string, flags = 0, data = ''): Promise<number> {
    const type = getFsType(this.types(), fstype);
    if (type === undefined) return -ENODEV;
    const p = await pathLookup(this, target);
    if (typeof p === 'number') return p;
    const inode = p.dentry.dInode;
    if (inode === undefined || !sIsDir(inode.iMode)) return -ENOTDIR;
    const sb = await type.mount(source, flags, data, this.fc);
    if (typeof sb === 'number') return sb;
    if (sb.sRoot === undefined) throw new Errno(EINVAL, `vfs: ${fstype} mount of ${source} returned no root`);
    const abs =
      '/' +
      target
        .split('/')
        .filter((c) => c !== '' && c !== '.')
        .join('/');
    this.mounts_.attach(sb, abs, p.mnt, p.dentry, flags & MS_RDONLY ? MNT_READONLY : 0);
    return 0;
  }

  async umount(target: string): Promise<number> {
    const p = await pathLookup(this, target);
    if (typeof p === 'number') return p;
    const mnt = p.mnt;
    if (p.dentry !== mnt.mntRoot || mnt.mntMountpoint === undefined) return -EINVAL;
    if (this.mounts_.hasChildren(mnt)) return -EBUSY;
    const sb = mnt.mntSb;
    if (sb.sOpenFiles > 0) return -EBUSY;
    const r = await this.syncFilesystem(sb);
    this.mounts_.detach(mnt);
    if (sb.sActive === 0) await this.killSuper(sb);
    return r;
  }

  /** Models `sync_filesystem()` (fs/sync.c): dirty pages of every inode, then `sync_fs`. */
  private async syncFilesystem(sb: SuperBlock): Promise<number> {
    let first = 0;
    for (const inode of sb.sInodes) {
      const r = await filemapWriteAndWaitRange(inode.iMapping, 0, Number.MAX_SAFE_INTEGER);
      if (r < 0 && first === 0) first = r;
    }
    const sop = sb.sOp;
    if (sop.syncFs !== undefined) {
      const r = await sop.syncFs(sb, true);
      if (r < 0 && first === 0) first = r;
    }
    return first;
  }

  /** Models `deactivate_locked_super()` → `kill_sb` → `generic_shutdown_super()` (fs/super.c). */
  private async killSuper(sb: SuperBlock): Promise<void> {
    const sop = sb.sOp;
    if (sop.putSuper !== undefined) await sop.putSuper(sb);
    const type = sb.sType;
    if (type.killSb !== undefined) await type.killSb(sb);
    for (const inode of sb.sInodes) await truncateInodePagesFinal(inode.iMapping);
    sb.sInodes.clear();
  }

  async mkfs(source: string, fstype: string, options = ''): Promise<number> {
    const type = getFsType(this.types(), fstype);
    if (type === undefined) return -ENODEV;
    if (type.mkfs === undefined) return -EOPNOTSUPP;
    return type.mkfs(source, options, this.fc);
  }

  mounts(): readonly VfsMount[] {
    return this.mounts_.mounts();
  }

  async sync(): Promise<number> {
    let first = 0;
    for (const m of this.mounts_.mounts()) {
      const r = await this.syncFilesystem(m.mntSb);
      if (r < 0 && first === 0) first = r;
    }
    // sync_bdevs(): the block devices' own page caches (buffered I/O on /dev nodes).
    if (this.dev !== undefined) {
      const r = await this.syncFilesystem(this.dev.mntSb);
      if (r < 0 && first === 0) first = r;
    }
    return first;
  }

  /**
   * Unmounts everything (children first) and ends every process: the machine's stop.
   */
  async shutdown(): Promise<void> {
    for (const p of [...this.procs.values()]) await p.exit();
    const ms = [...this.mounts_.mounts()].reverse();
    for (const m of ms) {
      if (m.mntMountpoint === undefined) continue;
      await this.syncFilesystem(m.mntSb);
      this.mounts_.detach(m);
      if (m.mntSb.sActive === 0) await this.killSuper(m.mntSb);
    }
  }
}
