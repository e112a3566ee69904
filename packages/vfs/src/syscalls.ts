/**
 * The storage syscalls of one process (fs/open.c, fs/read_write.c, fs/sync.c, fs/namei.c, fs/stat.c,
 * mm/mmap.c, fs/aio.c, io_uring/io_uring.c), raw-ABI style.
 * @packageDocumentation
 */
import {
  EACCES,
  EAGAIN,
  EBADF,
  EBUSY,
  EEXIST,
  EINVAL,
  EISDIR,
  ENODEV,
  ENOENT,
  ENOTDIR,
  EOPNOTSUPP,
  EPERM,
  EROFS,
  ESPIPE,
} from '@stackemu/core';
import { AIO_MAX_NR, KioCtx } from './aio.js';
import { dAdd } from './dentry.js';
import { vfsFadvise } from './fadvise.js';
import { FMODE_PREAD, FMODE_PWRITE, FMODE_READ, FMODE_WRITE, File } from './file.js';
import type { Inode } from './inode.js';
import { importIovec, importUbuf } from '@stackemu/block';
import { MAP_ANONYMOUS, MAP_PRIVATE, MAP_SHARED, MAP_SHARED_VALIDATE, MAP_TYPE, PROT_WRITE } from '@stackemu/mm';
import { ITER_DEST, ITER_SOURCE, PAGE_SHIFT, PAGE_SIZE, type IovIter } from './internal/deps.js';
import type { VfsKernel } from './vfs-kernel.js';
import { IoRingCtx, IORING_ENTER_SUPPORTED, ioUringCheckParams, ioUringFops } from './io-uring/io-uring.js';
import type { IoUringRegisterArg, IoUringRings } from './io-uring/io-uring.js';
import { Kiocb, kiocbSetRwFlags } from './kiocb.js';
import { MNT_READONLY } from './mount.js';
import { pathLookup, pathLookupParent } from './namei.js';
import { doFilpOpen, doFtruncate, fput, vfsFallocate } from './open.js';
import type { Process } from './process.js';
import { doIterRw, rwCheckMode, rwVerifyArea, RW_READ, RW_WRITE, startAsyncRw, vfsLlseek } from './read-write.js';
import { vfsGetattr } from './stat.js';
import { SB_RDONLY } from './super.js';
import { vfsFsync } from './sync.js';
import type { Iocb, IoEvent, Iovec } from './uapi/aio-abi.js';
import { IORING_ENTER_GETEVENTS, type IoUringParams } from './uapi/io-uring.js';
import { S_IFDIR, sIsDir, type Stat } from './uapi/stat.js';

/** Completion callback of {@link Syscalls.submitRw}: bytes or `-errno`. */
export type RwDone = (res: number) => void;

/**
 * The syscalls of one process, raw-ABI style: each returns `>= 0` on success or `-errno`, exactly as the
 * kernel's syscall would; the ones that can sleep return a promise that virtual time settles.
 *
 * @remarks User buffers are addresses in the process's `mm`. Vectors (`struct iovec` arrays) are passed by
 * value; their `copy_from_user` is modelled as done. Offsets and sizes are JS numbers (exact below 2^53).
 */
export class Syscalls {
  private ctxSeq = 0;

  /**
   * @param proc - the calling process
   * @param k - machine-wide vfs state
   */
  constructor(
    private readonly proc: Process,
    private readonly k: VfsKernel,
  ) {}

  private fget(fd: number): File | undefined {
    return this.proc.files.get(fd);
  }

  /**
   * Models `open(2)` (`do_sys_open()`, fs/open.c).
   * @param path - absolute path (relative paths resolve from `/`)
   * @param flags - `O_*`
   * @param mode - permission bits for `O_CREAT`
   * @returns the descriptor, or `-ENOENT`, `-EEXIST`, `-EISDIR`, `-ENOTDIR`, `-EINVAL` (flags; `O_DIRECT`
   * on a file that does not support it), `-EROFS`, `-EMFILE`, `-ENAMETOOLONG`, the filesystem's
   */
  async open(path: string, flags: number, mode = 0o644): Promise<number> {
    const f = await doFilpOpen(this.k, path, flags, mode);
    if (typeof f === 'number') return f;
    const fd = this.proc.files.install(f);
    if (fd < 0) await fput(f);
    return fd;
  }

  /**
   * Models `close(2)` (fs/open.c); the last reference runs the file's `release`.
   * @param fd - descriptor
   * @returns 0 or `-EBADF`
   */
  async close(fd: number): Promise<number> {
    const f = this.proc.files.remove(fd);
    if (f === undefined) return -EBADF;
    await fput(f);
    return 0;
  }

  private async rw(fd: number, iter: IovIter | number, pos: number | undefined, rw: 0 | 1, rwf = 0): Promise<number> {
    const f = this.fget(fd);
    if (f === undefined) return -EBADF;
    const bad = rwCheckMode(f, rw);
    if (bad < 0) return bad;
    if (pos !== undefined) {
      if (pos < 0) return -EINVAL;
      if (!(f.fMode & (rw === RW_READ ? FMODE_PREAD : FMODE_PWRITE))) return -ESPIPE;
    }
    if (typeof iter === 'number') return iter;
    return doIterRw(f, iter, pos, rw, rwf === 0 ? undefined : (k: Kiocb) => kiocbSetRwFlags(k, rwf, rw));
  }

  private ubuf(rw: 0 | 1, buf: number, count: number): IovIter | number {
    if (count < 0) return -EINVAL;
    return importUbuf(rw === RW_READ ? ITER_DEST : ITER_SOURCE, this.proc.mm, buf, count);
  }

  private iovec(rw: 0 | 1, iov: readonly Iovec[]): IovIter | number {
    return importIovec(rw === RW_READ ? ITER_DEST : ITER_SOURCE, this.proc.mm, iov, iov.length);
  }

  /**
   * Models `read(2)` (`ksys_read()`, fs/read_write.c) at the file position.
   * @returns bytes read (0 at EOF), or `-EBADF`, `-EINVAL` (no read op; `O_DIRECT` misalignment from the
   * filesystem), `-EFAULT`, `-EISDIR`, the filesystem's
   */
  read(fd: number, buf: number, count: number): Promise<number> {
    return this.rw(fd, this.ubuf(RW_READ, buf, count), undefined, RW_READ);
  }

  /**
   * Models `write(2)` (`ksys_write()`, fs/read_write.c) at the file position (or EOF with `O_APPEND`).
   * @returns bytes written, or `-EBADF`, `-EINVAL`, `-EFAULT`, `-ENOSPC`, `-EFBIG`, the filesystem's
   */
  write(fd: number, buf: number, count: number): Promise<number> {
    return this.rw(fd, this.ubuf(RW_WRITE, buf, count), undefined, RW_WRITE);
  }

  /**
   * Models `pread64(2)` (`ksys_pread64()`, fs/read_write.c).
   * @returns bytes read, or `-EINVAL` (negative offset), `-ESPIPE` (not positionable), as {@link read}
   */
  pread(fd: number, buf: number, count: number, offset: number): Promise<number> {
    return this.rw(fd, this.ubuf(RW_READ, buf, count), offset, RW_READ);
  }

  /**
   * Models `pwrite64(2)` (`ksys_pwrite64()`, fs/read_write.c).
   * @returns bytes written, or as {@link pread} and {@link write}
   */
  pwrite(fd: number, buf: number, count: number, offset: number): Promise<number> {
    return this.rw(fd, this.ubuf(RW_WRITE, buf, count), offset, RW_WRITE);
  }

  /**
   * Models `readv(2)` (`do_readv()`, fs/read_write.c).
   * @returns bytes read, or `-EINVAL` (more than `UIO_MAXIOV` segments), as {@link read}
   */
  readv(fd: number, iov: readonly Iovec[]): Promise<number> {
    return this.rw(fd, this.iovec(RW_READ, iov), undefined, RW_READ);
  }

  /**
   * Models `writev(2)` (`do_writev()`, fs/read_write.c).
   * @returns bytes written, or as {@link readv} and {@link write}
   */
  writev(fd: number, iov: readonly Iovec[]): Promise<number> {
    return this.rw(fd, this.iovec(RW_WRITE, iov), undefined, RW_WRITE);
  }

  /**
   * Models `preadv(2)` (`do_preadv()`, fs/read_write.c).
   * @returns as {@link readv} and {@link pread}
   */
  preadv(fd: number, iov: readonly Iovec[], offset: number): Promise<number> {
    return this.rw(fd, this.iovec(RW_READ, iov), offset, RW_READ);
  }

  /**
   * Models `pwritev(2)` (`do_pwritev()`, fs/read_write.c).
   * @returns as {@link writev} and {@link pwrite}
   */
  pwritev(fd: number, iov: readonly Iovec[], offset: number): Promise<number> {
    return this.rw(fd, this.iovec(RW_WRITE, iov), offset, RW_WRITE);
  }

  /**
   * Models `preadv2(2)` (fs/read_write.c): offset -1 means the file position; `flags` are `RWF_*`.
   * @returns as {@link preadv}, or `-EOPNOTSUPP` for an unsupported `RWF_*` flag
   */
  preadv2(fd: number, iov: readonly Iovec[], offset: number, flags: number): Promise<number> {
    return this.rw(fd, this.iovec(RW_READ, iov), offset === -1 ? undefined : offset, RW_READ, flags);
  }

  /**
   * Models `pwritev2(2)` (fs/read_write.c): offset -1 means the file position; `flags` are `RWF_*`.
   * @returns as {@link pwritev}, or `-EOPNOTSUPP` for an unsupported `RWF_*` flag
   */
  pwritev2(fd: number, iov: readonly Iovec[], offset: number, flags: number): Promise<number> {
    return this.rw(fd, this.iovec(RW_WRITE, iov), offset === -1 ? undefined : offset, RW_WRITE, flags);
  }

  /**
   * Starts a read (`rw` 0) or write (`rw` 1) of a user buffer at `offset` on an async kiocb and calls
   * `done` exactly once with the result — the kiocb-level entry point engines use instead of a promise
   * (what fs/aio.c's `aio_read()`/`aio_write()` do, without a context).
   * @param fd - descriptor
   * @param rw - 0 read, 1 write
   * @param buf - user address
   * @param count - bytes
   * @param offset - file offset (≥ 0)
   * @param rwFlags - `RWF_*`
   * @param done - completion, called synchronously for an immediate result or later from the I/O's completion
   * @returns 0 once started, or `-errno` (then `done` is never called): `-EBADF`, `-EINVAL`, `-EFAULT`,
   * `-EOPNOTSUPP`
   */
  submitRw(fd: number, rw: 0 | 1, buf: number, count: number, offset: number, rwFlags: number, done: RwDone): number {
    const f = this.fget(fd);
    if (f === undefined) return -EBADF;
    const bad = rwCheckMode(f, rw);
    if (bad < 0) return bad;
    const iter = this.ubuf(rw, buf, count);
    if (typeof iter === 'number') return iter;
    const k = new Kiocb(f);
    k.kiFlags = f.fIocbFlags;
    k.kiPos = offset;
    const fl = kiocbSetRwFlags(k, rwFlags, rw);
    if (fl < 0) return fl;
    const v = rwVerifyArea(f, offset, iter.count);
    if (v < 0) return v;
    f.fCount++;
    k.kiComplete = (_k, res) => {
      void fput(f);
      done(res);
    };
    void startAsyncRw(k, iter, rw);
    return 0;
  }

  /**
   * Models `fadvise64(2)` — `posix_fadvise(3)` — (`ksys_fadvise64_64()` → `vfs_fadvise()`, mm/fadvise.c): access
   * hints for a byte range; `POSIX_FADV_DONTNEED` starts writeback of the range and drops its clean, unused
   * cached pages, `POSIX_FADV_WILLNEED` starts reading it into the page cache (see `genericFadvise()`).
   * @param fd - descriptor
   * @param offset - first byte
   * @param len - bytes (0 = to the end of the file)
   * @param advice - `POSIX_FADV_*`
   * @returns 0, or `-EBADF`, `-ESPIPE` (a pipe), `-EINVAL` (negative `len`, unknown advice), the filesystem's
   */
  fadvise(fd: number, offset: number, len: number, advice: number): Promise<number> {
    const f = this.fget(fd);
    if (f === undefined) return Promise.resolve(-EBADF);
    return vfsFadvise(this.k.up.physMem, f, offset, len, advice);
  }

  /**
   * Models `lseek(2)` (fs/read_write.c).
   * @returns the new position, or `-EBADF`, `-EINVAL`, `-ESPIPE`, `-ENXIO`
   */
  lseek(fd: number, offset: number, whence: number): Promise<number> {
    return vfsLlseek(this.fget(fd), offset, whence);
  }

  /**
   * Models `fsync(2)` (fs/sync.c).
   * @returns 0, or `-EBADF`, `-EINVAL` (not supported), `-EIO`
   */
  fsync(fd: number): Promise<number> {
    return vfsFsync(this.fget(fd), false);
  }

  /**
   * Models `fdatasync(2)` (fs/sync.c).
   * @returns as {@link fsync}
   */
  fdatasync(fd: number): Promise<number> {
    return vfsFsync(this.fget(fd), true);
  }

  /**
   * Models `ftruncate(2)` (fs/open.c).
   * @returns 0, or `-EBADF`, `-EINVAL` (negative length, not a regular file, not open for writing),
   * `-EFBIG`, `-EROFS`, the filesystem's
   */
  ftruncate(fd: number, length: number): Promise<number> {
    return doFtruncate(this.fget(fd), length);
  }

  /**
   * Models `fallocate(2)` (fs/open.c `vfs_fallocate()`).
   * @returns 0, or `-EBADF`, `-EINVAL`, `-EOPNOTSUPP`, `-ENODEV`, `-EFBIG`, `-ENOSPC`, the filesystem's
   */
  fallocate(fd: number, mode: number, offset: number, len: number): Promise<number> {
    return vfsFallocate(this.fget(fd), mode, offset, len);
  }

  /**
   * Models `unlink(2)` (`do_unlinkat()`, fs/namei.c).
   * @returns 0, or `-ENOENT`, `-EISDIR` (a directory), `-ENOTDIR`, `-EBUSY` (a mountpoint), `-EROFS`,
   * `-EPERM` (the filesystem cannot unlink)
   */
  async unlink(path: string): Promise<number> {
    const lk = await pathLookupParent(this.k, path);
    if (typeof lk === 'number') return lk;
    if (lk.last === '') return -EISDIR;
    const child = lk.child;
    if (child === undefined) return -ENOENT;
    const inode = child.dentry.dInode as Inode;
    if (sIsDir(inode.iMode)) return -EISDIR;
    if (path.endsWith('/')) return -ENOTDIR;
    if (child.dentry.dMounted > 0) return -EBUSY;
    if (this.readonly(lk.parent.mnt.mntFlags, lk.parent.mnt.mntSb.sFlags)) return -EROFS;
    const dir = lk.parent.dentry.dInode as Inode;
    const iop = dir.iOp;
    if (iop.unlink === undefined) return -EPERM;
    const r = await iop.unlink(dir, lk.last, inode);
    if (r < 0) return r;
    lk.parent.dentry.dChildren.delete(lk.last);
    return 0;
  }

  private readonly(mntFlags: number, sbFlags: number): boolean {
    return (mntFlags & MNT_READONLY) !== 0 || (sbFlags & SB_RDONLY) !== 0;
  }

  /**
   * Models `mkdir(2)` (`do_mkdirat()`, fs/namei.c).
   * @returns 0, or `-EEXIST`, `-ENOENT` (parent missing), `-ENOTDIR`, `-EROFS`, `-EPERM`, the filesystem's
   */
  async mkdir(path: string, mode = 0o755): Promise<number> {
    const lk = await pathLookupParent(this.k, path);
    if (typeof lk === 'number') return lk;
    if (lk.last === '' || lk.child !== undefined) return -EEXIST;
    if (this.readonly(lk.parent.mnt.mntFlags, lk.parent.mnt.mntSb.sFlags)) return -EROFS;
    const dir = lk.parent.dentry.dInode as Inode;
    const iop = dir.iOp;
    if (iop.mkdir === undefined) return -EPERM;
    const r = await iop.mkdir(dir, lk.last, S_IFDIR | (mode & 0o7777));
    if (typeof r === 'number') return r;
    dAdd(lk.parent.dentry, lk.last, r);
    return 0;
  }

  /**
   * Models `stat(2)` (`vfs_statx()`, fs/stat.c), with the `statx` DIO alignment fields.
   * @param path - the path
   * @param st - filled on success
   * @returns 0, or `-ENOENT`, `-ENOTDIR`, `-ENAMETOOLONG`
   */
  async stat(path: string, st: Stat): Promise<number> {
    const p = await pathLookup(this.k, path);
    if (typeof p === 'number') return p;
    return vfsGetattr(p.dentry.dInode as Inode, st);
  }

  /**
   * Models `fstat(2)` (fs/stat.c).
   * @returns 0 or `-EBADF`
   */
  fstat(fd: number, st: Stat): number {
    const f = this.fget(fd);
    if (f === undefined) return -EBADF;
    return vfsGetattr(f.fInode, st);
  }

  /**
   * Models `mmap(2)` (`ksys_mmap_pgoff()` → `do_mmap()`, mm/mmap.c): anonymous, or of an open file through
   * its `mmap` operation and page cache.
   * @param addr - hint, or the address with `MAP_FIXED`
   * @param len - length
   * @param prot - `PROT_*`
   * @param flags - `MAP_*`
   * @param fd - the file (ignored with `MAP_ANONYMOUS`)
   * @param offset - file offset, page-aligned
   * @returns the address, or `-EBADF`, `-EINVAL` (offset not page-aligned, bad flags), `-EACCES` (file not
   * open for reading, or shared writable without write access), `-ENODEV` (the file cannot be mapped),
   * mm's (`-ENOMEM`)
   */
  mmap(addr: number, len: number, prot: number, flags: number, fd: number, offset: number): number {
    if (flags & MAP_ANONYMOUS) return this.proc.mm.mmap(addr, len, prot, flags);
    if (offset % PAGE_SIZE !== 0 || offset < 0) return -EINVAL;
    const f = this.fget(fd);
    if (f === undefined) return -EBADF;
    if (!(f.fMode & FMODE_READ)) return -EACCES;
    const type = flags & MAP_TYPE;
    if (type !== MAP_SHARED && type !== MAP_PRIVATE && type !== MAP_SHARED_VALIDATE) return -EINVAL;
    if (type !== MAP_PRIVATE && prot & PROT_WRITE && !(f.fMode & FMODE_WRITE)) return -EACCES;
    const fop = f.fOp;
    if (fop.mmap === undefined) return -ENODEV;
    const r = fop.mmap(f);
    if (r < 0) return r;
    return this.proc.mm.mmap(addr, len, prot, flags, f, offset >> PAGE_SHIFT);
  }

  /**
   * Models `munmap(2)` (mm/mmap.c).
   * @returns 0 or mm's `-EINVAL`
   */
  munmap(addr: number, len: number): number {
    return this.proc.mm.munmap(addr, len);
  }

  /**
   * Models `io_setup(2)` (fs/aio.c).
   * @param nrEvents - how many requests may be in flight (and completions unreaped)
   * @returns the context id (> 0), or `-EINVAL` (0 events), `-EAGAIN` (over `aio-max-nr`)
   */
  ioSetup(nrEvents: number): number {
    if (!Number.isInteger(nrEvents) || nrEvents <= 0) return -EINVAL;
    if (nrEvents > AIO_MAX_NR) return -EAGAIN;
    const id = ++this.ctxSeq;
    this.proc.aioCtxs.set(id, new KioCtx(id, nrEvents, this.k));
    return id;
  }

  /**
   * Models `io_submit(2)` (fs/aio.c).
   * @param ctxId - from {@link ioSetup}
   * @param iocbs - the requests (`nr` = their count)
   * @returns how many were submitted, or the first one's `-errno` if none was: `-EINVAL` (bad context,
   * opcode or fields), `-EBADF`, `-EAGAIN` (context full), `-EFAULT`, `-EOPNOTSUPP`
   * @remarks The iocbs are issued in order, each by a call into its filesystem; the caller sleeps while a call
   * does (a buffered read waiting for the disk, a direct write the filesystem completes synchronously): then
   * the result is a promise. Direct I/O that is queued returns at once.
   */
  ioSubmit(ctxId: number, iocbs: readonly Iocb[]): number | Promise<number> {
    const ctx = this.proc.aioCtxs.get(ctxId);
    if (ctx === undefined || ctx.dead) return -EINVAL;
    return this.ioSubmitFrom(ctx, iocbs, 0);
  }

  /** {@link Syscalls.ioSubmit} from iocb `i` on. */
  private ioSubmitFrom(ctx: KioCtx, iocbs: readonly Iocb[], i: number): number | Promise<number> {
    for (; i < iocbs.length; i++) {
      const r = ctx.submitOne(this.proc.files, this.proc.mm, iocbs[i] as Iocb);
      if (typeof r !== 'number') {
        const next = i + 1;
        return r.then(() => this.ioSubmitFrom(ctx, iocbs, next));
      }
      if (r < 0) return i > 0 ? i : r;
    }
    return i;
  }

  /**
   * Models `io_getevents(2)` (fs/aio.c): waits until `minNr` completions are ready (or the timeout) and
   * reaps up to `nr` of them into `events`.
   * @param ctxId - context
   * @param minNr - completions to wait for
   * @param nr - most to reap
   * @param events - output array (entries reused when present)
   * @param timeoutNs - virtual-time timeout; undefined waits forever, 0 polls
   * @returns events reaped, or `-EINVAL` (bad context, `minNr > nr`, negatives)
   */
  ioGetevents(
    ctxId: number,
    minNr: number,
    nr: number,
    events: IoEvent[],
    timeoutNs?: number,
  ): number | Promise<number> {
    if (minNr > nr || minNr < 0 || nr < 0) return -EINVAL;
    const ctx = this.proc.aioCtxs.get(ctxId);
    if (ctx === undefined) return -EINVAL;
    return ctx.getevents(minNr, nr, events, timeoutNs);
  }

  /**
   * Models `io_destroy(2)` (fs/aio.c): stops the context and waits for its in-flight requests.
   * @returns 0 or `-EINVAL`
   */
  async ioDestroy(ctxId: number): Promise<number> {
    const ctx = this.proc.aioCtxs.get(ctxId);
    if (ctx === undefined || ctx.dead) return -EINVAL;
    this.proc.aioCtxs.delete(ctxId);
    await ctx.kill();
    return 0;
  }

  /**
   * Models `io_uring_setup(2)` (io_uring/io_uring.c).
   * @param entries - SQ entries wanted (rounded up to a power of two)
   * @param params - flags in; ring sizes and features out
   * @returns the ring's descriptor, or `-EINVAL` (entries, unmodelled setup flags such as SQPOLL/IOPOLL),
   * `-EMFILE`
   */
  ioUringSetup(entries: number, params: IoUringParams): number {
    const r = ioUringCheckParams(entries, params);
    if (r < 0) return r;
    const fdHint = this.proc.files.count;
    const ctx = new IoRingCtx(
      this.k,
      this.proc.mm,
      this.proc.files,
      params.flags,
      params.sqEntries,
      params.cqEntries,
      `pid ${this.proc.pid} ring ${fdHint}`,
    );
    const f = this.k.anonInodeGetfile('[io_uring]', ioUringFops, ctx);
    const fd = this.proc.files.install(f);
    if (fd < 0) void fput(f);
    return fd;
  }

  /**
   * The rings of an io_uring descriptor: the model of `mmap`ing `IORING_OFF_SQ_RING`/`CQ_RING`/`SQES`.
   * @param fd - a ring descriptor
   * @returns the rings, or undefined if `fd` is not an io_uring
   */
  ioUringRings(fd: number): IoUringRings | undefined {
    const f = this.fget(fd);
    if (f === undefined || f.fOp !== ioUringFops) return undefined;
    return (f.privateData as IoRingCtx).rings;
  }

  private ring(fd: number): IoRingCtx | number {
    const f = this.fget(fd);
    if (f === undefined) return -EBADF;
    if (f.fOp !== ioUringFops) return -EOPNOTSUPP;
    return f.privateData as IoRingCtx;
  }

  /**
   * Models `io_uring_enter(2)` (io_uring/io_uring.c): submits up to `toSubmit` SQEs, then with
   * `IORING_ENTER_GETEVENTS` waits until `minComplete` CQEs are ready.
   * @returns SQEs submitted if any, else 0 or the wait's `-errno`; `-EBADF`, `-EOPNOTSUPP` (not a ring),
   * `-EINVAL` (flags), `-EINTR` (waiting with nothing in flight)
   * @remarks A number when nothing had to wait, else a promise.
   */
  ioUringEnter(fd: number, toSubmit: number, minComplete: number, flags: number): number | Promise<number> {
    const ctx = this.ring(fd);
    if (typeof ctx === 'number') return ctx;
    if (flags & ~IORING_ENTER_SUPPORTED) return -EINVAL;
    const submitted = toSubmit > 0 ? ctx.submitSqes(toSubmit) : 0;
    if (!(flags & IORING_ENTER_GETEVENTS)) {
      ctx.flushOverflow();
      return submitted;
    }
    const w = ctx.wait(minComplete);
    if (typeof w === 'number') return submitted > 0 ? submitted : w;
    // Only a wait that returned 0 sleeps: its result is the submit count, or 0.
    return submitted > 0 ? w.then(() => submitted) : w;
  }

  /**
   * Models `io_uring_register(2)` (io_uring/register.c): `IORING_REGISTER_BUFFERS` pins the buffers'
   * pages long-term (`FOLL_WRITE | FOLL_LONGTERM`, counted in vmstat), `IORING_UNREGISTER_BUFFERS`
   * unpins them; `IORING_REGISTER_FILES` takes a reference on each descriptor's file into the ring's file
   * table (-1 = an empty slot), which `IOSQE_FIXED_FILE` SQEs index; `IORING_REGISTER_FILES_UPDATE` replaces
   * slots; `IORING_UNREGISTER_FILES` drops the table.
   * @param fd - ring descriptor
   * @param opcode - `IORING_(UN)REGISTER_BUFFERS`, `IORING_(UN)REGISTER_FILES`, `IORING_REGISTER_FILES_UPDATE`
   * @param arg - the iovecs or descriptors to register, the files update (undefined to unregister)
   * @param nrArgs - their count (0 to unregister)
   * @returns 0 (a files update: entries processed), or `-EBADF` (not a descriptor; a descriptor to register is
   * not open or is a ring), `-EOPNOTSUPP` (not a ring), `-EBUSY` (already registered), `-EINVAL`, `-EFAULT`,
   * `-ENXIO` (nothing registered), `-EMFILE` (too many files), `-EOVERFLOW`
   */
  ioUringRegister(fd: number, opcode: number, arg: IoUringRegisterArg, nrArgs: number): number {
    const ctx = this.ring(fd);
    if (typeof ctx === 'number') return ctx;
    return ctx.register(opcode, arg, nrArgs);
  }

  /** The open file of a descriptor (for engines and tests), or undefined. */
  file(fd: number): File | undefined {
    return this.fget(fd);
  }
}
