/**
 * A small in-memory kernel for fio's unit tests: processes with sparse memory, a flat filesystem of sparse
 * files, and the syscalls fio makes, each data syscall taking a fixed virtual time. It lets fio's semantics
 * (bytes moved, offsets, verify) be tested without the full stack; the end-to-end tests use the real stack.
 */
import { EBADF, EINVAL, ENOENT, ENOSPC, createRng, VirtualScheduler, type Scheduler } from '@stackemu/core';
import type { FioHost, FioIoUringRings, FioMm, FioProcess, FioSyscalls } from '@stackemu/fio';
import {
  IOCB_CMD_PREAD,
  IORING_OP_FSYNC,
  IORING_OP_READ,
  IORING_OP_READ_FIXED,
  IORING_OP_READV,
  O_ACCMODE,
  O_CREAT,
  O_DIRECT,
  O_RDONLY,
  O_TRUNC,
  O_WRONLY,
  S_IFREG,
  emptySqe,
  type Iocb,
  type IoEvent,
  type Iovec,
  type IoUringCqe,
  type IoUringParams,
  type Stat,
} from '@stackemu/vfs';

const PAGE = 4096;

/** Sparse bytes: pages allocated on first write. */
export class SparseBytes {
  readonly pages = new Map<number, Uint8Array>();

  read(off: number, dst: Uint8Array, dstOff: number, len: number): void {
    for (let done = 0; done < len;) {
      const a = off + done;
      const pg = Math.floor(a / PAGE);
      const po = a % PAGE;
      const n = Math.min(PAGE - po, len - done);
      const p = this.pages.get(pg);
      if (p === undefined) dst.fill(0, dstOff + done, dstOff + done + n);
      else dst.set(p.subarray(po, po + n), dstOff + done);
      done += n;
    }
  }

  write(off: number, src: Uint8Array, srcOff: number, len: number): void {
    for (let done = 0; done < len;) {
      const a = off + done;
      const pg = Math.floor(a / PAGE);
      const po = a % PAGE;
      const n = Math.min(PAGE - po, len - done);
      let p = this.pages.get(pg);
      if (p === undefined) {
        p = new Uint8Array(PAGE);
        this.pages.set(pg, p);
      }
      p.set(src.subarray(srcOff + done, srcOff + done + n), po);
      done += n;
    }
  }

  truncate(size: number): void {
    for (const k of [...this.pages.keys()]) if (k * PAGE >= size) this.pages.delete(k);
  }
}

interface FakeFile {
  data: SparseBytes;
  size: number;
}

interface OpenFile {
  readonly file: FakeFile;
  readonly flags: number;
  pos: number;
}

/** Counters the tests look at. */
export interface FakeStats {
  reads: number;
  writes: number;
  bytesRead: number;
  bytesWritten: number;
  directIos: number;
  fsyncs: number;
  fadvises: number;
}

/** The fake machine. */
export class FakeKernel {
  readonly sched: Scheduler = new VirtualScheduler();
  readonly files = new Map<string, FakeFile>();
  readonly dirs = new Set<string>(['/']);
  readonly stats: FakeStats = {
    reads: 0,
    writes: 0,
    bytesRead: 0,
    bytesWritten: 0,
    directIos: 0,
    fsyncs: 0,
    fadvises: 0,
  };
  /** Bytes the fake "device" can hold (writes beyond fail with ENOSPC). */
  capacity = Number.MAX_SAFE_INTEGER;
  /** Virtual ns per data syscall. */
  latencyNs = 10_000;
  /** If set, the latency of a data syscall given how many are in progress (itself included). */
  latencyFor: ((inflight: number) => number) | undefined;
  /** Data syscalls in progress. */
  inflight = 0;
  /** Virtual time at which each data syscall started, when recording (set to an array to record). */
  starts: number[] | undefined;
  /** Hook to corrupt data as it is read (offset, bytes). */
  corruptRead: ((path: string, off: number, buf: Uint8Array) => void) | undefined;
  private nextPid = 100;
  readonly procs: FakeProcess[] = [];

  host(): FioHost {
    const rng = createRng(1);
    return {
      scheduler: this.sched,
      rng,
      keywords: { pagesize: 4096, mbMemory: 1024, ncpus: 2 },
      spawn: (comm) => {
        const p = new FakeProcess(this, this.nextPid++, comm);
        this.procs.push(p);
        return p;
      },
      vmstat: () => ({ nr_foll_pin_acquired: 0, nr_foll_pin_released: 0 }),
      sanitizerFindings: () => [],
    };
  }

  used(): number {
    let n = 0;
    for (const f of this.files.values()) n += f.data.pages.size * PAGE;
    return n;
  }
}

class FakeMm implements FioMm {
  readonly mem = new SparseBytes();
  brk = 0x10000000;

  copyToUser(uaddr: number, src: Uint8Array, srcOff: number, len: number): number {
    this.mem.write(uaddr, src, srcOff, len);
    return 0;
  }

  copyFromUser(dst: Uint8Array, dstOff: number, uaddr: number, len: number): number {
    this.mem.read(uaddr, dst, dstOff, len);
    return 0;
  }
}

class FakeProcess implements FioProcess {
  readonly mm = new FakeMm();
  readonly sys: FioSyscalls;
  exited = false;

  constructor(
    readonly k: FakeKernel,
    readonly pid: number,
    readonly comm: string,
  ) {
    this.sys = new FakeSys(k, this);
  }

  exit(): Promise<void> {
    this.exited = true;
    return Promise.resolve();
  }
}

class FakeSys implements FioSyscalls {
  private readonly fds = new Map<number, OpenFile>();
  private nextFd = 3;
  private readonly aio = new Map<number, { events: IoEvent[]; inflight: number; waiters: (() => void)[] }>();
  private readonly rings = new Map<number, { rings: FioIoUringRings; bufs: Iovec[] }>();

  constructor(
    private readonly k: FakeKernel,
    private readonly p: FakeProcess,
  ) {}

  private path(p: string): string {
    return p.startsWith('/') ? p : `/${p}`;
  }

  open(path: string, flags: number): Promise<number> {
    const name = this.path(path);
    let f = this.k.files.get(name);
    if (f === undefined) {
      if ((flags & O_CREAT) === 0) return Promise.resolve(-ENOENT);
      f = { data: new SparseBytes(), size: 0 };
      this.k.files.set(name, f);
    }
    if ((flags & O_TRUNC) !== 0 && (flags & O_ACCMODE) !== O_RDONLY) {
      f.size = 0;
      f.data.truncate(0);
    }
    const fd = this.nextFd++;
    this.fds.set(fd, { file: f, flags, pos: 0 });
    return Promise.resolve(fd);
  }

  close(fd: number): Promise<number> {
    return Promise.resolve(this.fds.delete(fd) ? 0 : -EBADF);
  }

  /** The data move of one read or write, after the latency. */
  private rwNow(fd: number, buf: number, count: number, off: number, write: boolean): number {
    const of = this.fds.get(fd);
    if (of === undefined) return -EBADF;
    if ((of.flags & O_DIRECT) !== 0) {
      if (off % 512 !== 0 || count % 512 !== 0 || buf % 512 !== 0) return -EINVAL;
      this.k.stats.directIos++;
    }
    const tmp = new Uint8Array(count);
    if (write) {
      if ((of.flags & O_ACCMODE) === O_RDONLY) return -EBADF;
      if (off + count > this.k.capacity) return -ENOSPC;
      this.p.mm.copyFromUser(tmp, 0, buf, count);
      of.file.data.write(off, tmp, 0, count);
      of.file.size = Math.max(of.file.size, off + count);
      this.k.stats.writes++;
      this.k.stats.bytesWritten += count;
      return count;
    }
    if ((of.flags & O_ACCMODE) === O_WRONLY) return -EBADF;
    const n = Math.max(0, Math.min(count, of.file.size - off));
    of.file.data.read(off, tmp, 0, n);
    this.k.corruptRead?.([...this.k.files].find(([, v]) => v === of.file)?.[0] ?? '', off, tmp.subarray(0, n));
    this.p.mm.copyToUser(buf, tmp, 0, n);
    this.k.stats.reads++;
    this.k.stats.bytesRead += n;
    return n;
  }

  private async rw(fd: number, buf: number, count: number, off: number, write: boolean): Promise<number> {
    const k = this.k;
    k.starts?.push(k.sched.now());
    k.inflight++;
    await k.sched.sleep(k.latencyFor?.(k.inflight) ?? k.latencyNs);
    k.inflight--;
    return this.rwNow(fd, buf, count, off, write);
  }

  read(fd: number, buf: number, count: number): Promise<number> {
    const of = this.fds.get(fd);
    if (of === undefined) return Promise.resolve(-EBADF);
    return this.rw(fd, buf, count, of.pos, false).then((r) => {
      if (r > 0) of.pos += r;
      return r;
    });
  }

  write(fd: number, buf: number, count: number): Promise<number> {
    const of = this.fds.get(fd);
    if (of === undefined) return Promise.resolve(-EBADF);
    return this.rw(fd, buf, count, of.pos, true).then((r) => {
      if (r > 0) of.pos += r;
      return r;
    });
  }

  pread(fd: number, buf: number, count: number, offset: number): Promise<number> {
    return this.rw(fd, buf, count, offset, false);
  }

  pwrite(fd: number, buf: number, count: number, offset: number): Promise<number> {
    return this.rw(fd, buf, count, offset, true);
  }

  preadv(fd: number, iov: readonly Iovec[], offset: number): Promise<number> {
    const v = iov[0] as Iovec;
    return this.rw(fd, v.iovBase, v.iovLen, offset, false);
  }

  pwritev(fd: number, iov: readonly Iovec[], offset: number): Promise<number> {
    const v = iov[0] as Iovec;
    return this.rw(fd, v.iovBase, v.iovLen, offset, true);
  }

  preadv2(fd: number, iov: readonly Iovec[], offset: number): Promise<number> {
    return this.preadv(fd, iov, offset);
  }

  pwritev2(fd: number, iov: readonly Iovec[], offset: number): Promise<number> {
    return this.pwritev(fd, iov, offset);
  }

  lseek(fd: number, offset: number, whence: number): Promise<number> {
    const of = this.fds.get(fd);
    if (of === undefined) return Promise.resolve(-EBADF);
    of.pos = whence === 2 ? of.file.size + offset : whence === 1 ? of.pos + offset : offset;
    return Promise.resolve(of.pos);
  }

  fsync(fd: number): Promise<number> {
    this.k.stats.fsyncs++;
    return Promise.resolve(this.fds.has(fd) ? 0 : -EBADF);
  }

  fadvise(fd: number, _offset: number, _len: number, advice: number): Promise<number> {
    if (advice === 4) this.k.stats.fadvises++;
    return Promise.resolve(this.fds.has(fd) ? 0 : -EBADF);
  }

  fdatasync(fd: number): Promise<number> {
    return this.fsync(fd);
  }

  ftruncate(fd: number, length: number): Promise<number> {
    const of = this.fds.get(fd);
    if (of === undefined) return Promise.resolve(-EBADF);
    of.file.size = length;
    of.file.data.truncate(length);
    return Promise.resolve(0);
  }

  fallocate(fd: number, mode: number, offset: number, len: number): Promise<number> {
    const of = this.fds.get(fd);
    if (of === undefined) return Promise.resolve(-EBADF);
    if ((mode & 1) === 0) of.file.size = Math.max(of.file.size, offset + len);
    return Promise.resolve(0);
  }

  unlink(path: string): Promise<number> {
    return Promise.resolve(this.k.files.delete(this.path(path)) ? 0 : -ENOENT);
  }

  mkdir(path: string): Promise<number> {
    this.k.dirs.add(this.path(path));
    return Promise.resolve(0);
  }

  stat(path: string, st: Stat): Promise<number> {
    const f = this.k.files.get(this.path(path));
    if (f === undefined) return Promise.resolve(-ENOENT);
    st.mode = S_IFREG | 0o644;
    st.size = f.size;
    return Promise.resolve(0);
  }

  mmap(_addr: number, len: number): number {
    const a = this.p.mm.brk;
    this.p.mm.brk += Math.ceil(len / PAGE) * PAGE + PAGE;
    return a;
  }

  munmap(): number {
    return 0;
  }

  ioSetup(): number {
    const id = this.aio.size + 1;
    this.aio.set(id, { events: [], inflight: 0, waiters: [] });
    return id;
  }

  ioSubmit(ctxId: number, iocbs: readonly Iocb[]): number {
    const ctx = this.aio.get(ctxId);
    if (ctx === undefined) return -EINVAL;
    for (const cb of iocbs) {
      const c = { ...cb };
      ctx.inflight++;
      void this.rw(c.aioFildes, c.aioBuf, c.aioNbytes, c.aioOffset, c.aioLioOpcode !== IOCB_CMD_PREAD).then((res) => {
        ctx.inflight--;
        ctx.events.push({ data: c.aioData, obj: undefined, res, res2: 0 });
        const w = ctx.waiters.splice(0);
        for (const f of w) f();
      });
    }
    return iocbs.length;
  }

  ioGetevents(ctxId: number, minNr: number, nr: number, events: IoEvent[]): number | Promise<number> {
    const ctx = this.aio.get(ctxId);
    if (ctx === undefined) return -EINVAL;
    const take = (): number => {
      const n = Math.min(nr, ctx.events.length);
      for (let i = 0; i < n; i++) events[i] = ctx.events.shift() as IoEvent;
      return n;
    };
    if (ctx.events.length >= minNr) return take();
    return new Promise<number>((res) => {
      const check = (): void => {
        if (ctx.events.length >= minNr) res(take());
        else ctx.waiters.push(check);
      };
      ctx.waiters.push(check);
    });
  }

  ioDestroy(ctxId: number): Promise<number> {
    this.aio.delete(ctxId);
    return Promise.resolve(0);
  }

  ioUringSetup(entries: number, params: IoUringParams): number {
    let sq = 1;
    while (sq < entries) sq <<= 1;
    const cq = sq * 2;
    const rings: FioIoUringRings = {
      sqEntries: sq,
      sqMask: sq - 1,
      sqes: Array.from({ length: sq }, emptySqe),
      sqHead: 0,
      sqTail: 0,
      cqEntries: cq,
      cqMask: cq - 1,
      cqes: Array.from({ length: cq }, (): IoUringCqe => ({ userData: 0, res: 0, flags: 0 })),
      cqHead: 0,
      cqTail: 0,
    };
    params.sqEntries = sq;
    params.cqEntries = cq;
    const fd = this.nextFd++;
    this.rings.set(fd, { rings, bufs: [] });
    return fd;
  }

  ioUringRings(fd: number): FioIoUringRings | undefined {
    return this.rings.get(fd)?.rings;
  }

  private waiters: (() => void)[] = [];

  ioUringEnter(fd: number, toSubmit: number, minComplete: number, flags: number): number | Promise<number> {
    const r = this.rings.get(fd);
    if (r === undefined) return -EBADF;
    const rings = r.rings as { sqHead: number; cqTail: number } & FioIoUringRings;
    let n = 0;
    while (n < toSubmit && rings.sqHead !== rings.sqTail) {
      const sqe = { ...(rings.sqes[rings.sqHead & rings.sqMask] as (typeof rings.sqes)[number]) };
      rings.sqHead++;
      n++;
      const post = (res: number): void => {
        const cqe = rings.cqes[rings.cqTail & rings.cqMask] as IoUringCqe;
        cqe.userData = sqe.userData;
        cqe.res = res;
        rings.cqTail++;
        for (const w of this.waiters.splice(0)) w();
      };
      if (sqe.opcode === IORING_OP_FSYNC) void this.fsync(sqe.fd).then(post);
      else {
        const read =
          sqe.opcode === IORING_OP_READ || sqe.opcode === IORING_OP_READ_FIXED || sqe.opcode === IORING_OP_READV;
        const addr = sqe.iov !== undefined ? (sqe.iov[0] as Iovec).iovBase : sqe.addr;
        const len = sqe.iov !== undefined ? (sqe.iov[0] as Iovec).iovLen : sqe.len;
        void this.rw(sqe.fd, addr, len, sqe.off, !read).then(post);
      }
    }
    if ((flags & 1) === 0 || minComplete === 0) return n;
    const ready = (): boolean => rings.cqTail - rings.cqHead >= minComplete;
    if (ready()) return n;
    return new Promise<number>((res) => {
      const check = (): void => {
        if (ready()) res(n);
        else this.waiters.push(check);
      };
      this.waiters.push(check);
    });
  }

  ioUringRegister(fd: number, opcode: number, arg: readonly Iovec[] | undefined): number {
    const r = this.rings.get(fd);
    if (r === undefined) return -EBADF;
    if (opcode === 0 && arg !== undefined) {
      r.bufs = [...arg];
      return 0;
    }
    return -EINVAL;
  }
}
