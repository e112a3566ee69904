/**
 * What the fio runner needs from the machine it runs on: virtual time, processes with address spaces and
 * the syscalls fio makes. The interfaces are the subset of vfs's `Process`/`Syscalls` and mm's `MmStruct`
 * contracts (docs/contracts.md) that fio uses, so any machine whose vfs honours those contracts runs fio.
 * @packageDocumentation
 */
import type { Machine, Rng, Scheduler } from '@stackemu/core';
import type { Iocb, IoEvent, Iovec, IoUringCqe, IoUringParams, IoUringSqe, Stat } from '@stackemu/vfs';
import { FioError } from './fio-error.js';
import type { FioKeywords } from './init.js';

/** Models the `mm_struct` accessors a process uses for its own loads and stores (mm's `MmStruct`). */
export interface FioMm {
  /**
   * Stores into user memory (faulting pages in).
   * @returns bytes not copied (0 = success)
   */
  copyToUser(uaddr: number, src: Uint8Array, srcOff: number, len: number): number;
  /**
   * Loads from user memory.
   * @returns bytes not copied (0 = success)
   */
  copyFromUser(dst: Uint8Array, dstOff: number, uaddr: number, len: number): number;
}

/** The rings of an io_uring as mmap'ed by the application (vfs's `IoUringRings`). */
export interface FioIoUringRings {
  /** SQ size. */
  readonly sqEntries: number;
  /** `sq_ring_mask`. */
  readonly sqMask: number;
  /** SQE array. */
  readonly sqes: readonly IoUringSqe[];
  /** `sq.head` (kernel-owned). */
  readonly sqHead: number;
  /** `sq.tail` (application-owned). */
  sqTail: number;
  /** CQ size. */
  readonly cqEntries: number;
  /** `cq_ring_mask`. */
  readonly cqMask: number;
  /** CQE array. */
  readonly cqes: readonly IoUringCqe[];
  /** `cq.head` (application-owned). */
  cqHead: number;
  /** `cq.tail` (kernel-owned). */
  readonly cqTail: number;
}

/**
 * The syscalls fio makes, raw-ABI style (`>= 0` or `-errno`), as vfs's `Syscalls` offers them.
 */
export interface FioSyscalls {
  /** `open(2)`. */
  open(path: string, flags: number, mode?: number): Promise<number>;
  /** `close(2)`. */
  close(fd: number): Promise<number>;
  /** `read(2)`. */
  read(fd: number, buf: number, count: number): Promise<number>;
  /** `write(2)`. */
  write(fd: number, buf: number, count: number): Promise<number>;
  /** `pread64(2)`. */
  pread(fd: number, buf: number, count: number, offset: number): Promise<number>;
  /** `pwrite64(2)`. */
  pwrite(fd: number, buf: number, count: number, offset: number): Promise<number>;
  /** `preadv(2)`. */
  preadv(fd: number, iov: readonly Iovec[], offset: number): Promise<number>;
  /** `pwritev(2)`. */
  pwritev(fd: number, iov: readonly Iovec[], offset: number): Promise<number>;
  /** `preadv2(2)`. */
  preadv2(fd: number, iov: readonly Iovec[], offset: number, flags: number): Promise<number>;
  /** `pwritev2(2)`. */
  pwritev2(fd: number, iov: readonly Iovec[], offset: number, flags: number): Promise<number>;
  /** `lseek(2)`. */
  lseek(fd: number, offset: number, whence: number): Promise<number>;
  /** `fsync(2)`. */
  fsync(fd: number): Promise<number>;
  /**
   * `posix_fadvise(2)` (`fadvise64`), optional: fio drops a file's cached pages with `POSIX_FADV_DONTNEED`
   * after laying it out and when it opens it (`invalidate=1`).
   */
  fadvise?(fd: number, offset: number, len: number, advice: number): Promise<number>;
  /** `fdatasync(2)`. */
  fdatasync(fd: number): Promise<number>;
  /** `ftruncate(2)`. */
  ftruncate(fd: number, length: number): Promise<number>;
  /** `fallocate(2)`. */
  fallocate(fd: number, mode: number, offset: number, len: number): Promise<number>;
  /** `unlink(2)`. */
  unlink(path: string): Promise<number>;
  /** `mkdir(2)`. */
  mkdir(path: string, mode?: number): Promise<number>;
  /** `stat(2)`. */
  stat(path: string, st: Stat): Promise<number>;
  /** `mmap(2)`. */
  mmap(addr: number, len: number, prot: number, flags: number, fd: number, offset: number): number;
  /** `munmap(2)`. */
  munmap(addr: number, len: number): number;
  /** `io_setup(2)`. */
  ioSetup(nrEvents: number): number;
  /** `io_submit(2)`. */
  ioSubmit(ctxId: number, iocbs: readonly Iocb[]): number | Promise<number>;
  /** `io_getevents(2)`. */
  ioGetevents(
    ctxId: number,
    minNr: number,
    nr: number,
    events: IoEvent[],
    timeoutNs?: number,
  ): number | Promise<number>;
  /** `io_destroy(2)`. */
  ioDestroy(ctxId: number): Promise<number>;
  /** `io_uring_setup(2)`. */
  ioUringSetup(entries: number, params: IoUringParams): number;
  /** The rings of a ring descriptor (its `mmap`s). */
  ioUringRings(fd: number): FioIoUringRings | undefined;
  /** `io_uring_enter(2)`. */
  ioUringEnter(fd: number, toSubmit: number, minComplete: number, flags: number): number | Promise<number>;
  /** `io_uring_register(2)`. */
  ioUringRegister(
    fd: number,
    opcode: number,
    arg: readonly Iovec[] | readonly number[] | undefined,
    nrArgs: number,
  ): number;
}

/** A process fio runs in (vfs's `Process`). */
export interface FioProcess {
  /** pid. */
  readonly pid: number;
  /** Its address space. */
  readonly mm: FioMm;
  /** Its syscalls. */
  readonly sys: FioSyscalls;
  /** `exit()`: closes files, tears down the address space. */
  exit(): Promise<void>;
}

/** A sanitizer finding as mm reports it (structural). */
export interface FioSanitizerFinding {
  /** Finding kind (`put_page_on_pin`, `pin_leak`…). */
  readonly kind: string;
}

/** Everything the runner takes from the machine. */
export interface FioHost {
  /** Virtual time. */
  readonly scheduler: Scheduler;
  /** Randomness for non-repeatable seeds (`randrepeat=0`). */
  readonly rng: Rng;
  /** `$pagesize`, `$mb_memory`, `$ncpus`. */
  readonly keywords: FioKeywords;
  /**
   * Starts a process (`fork()`+`exec()`).
   * @param comm - its name
   */
  spawn(comm: string): FioProcess;
  /** `/proc/vmstat`-style counters now. */
  vmstat(): Readonly<Record<string, number>>;
  /** Sanitizer findings so far (empty if the stack has no sanitizer). */
  sanitizerFindings(): readonly FioSanitizerFinding[];
}

interface VfsLike {
  spawn(comm?: string): FioProcess;
}

interface SanitizerLike {
  findings(): readonly FioSanitizerFinding[];
}

/** Options of {@link machineFioHost}. */
export interface MachineFioHostOptions {
  /** `$mb_memory` (default 4096). */
  readonly mbMemory?: number;
  /** `$ncpus` (default 2). */
  readonly ncpus?: number;
}

/**
 * The {@link FioHost} of a stackemu machine: vfs's `Vfs` service (`Symbol.for('stackemu.Vfs')`) for
 * processes, the `vmstat` counter group, and mm's `Sanitizer` (`Symbol.for('stackemu.Sanitizer')`) if bound.
 * @param machine - a started machine with a vfs
 * @param opts - keyword values
 * @returns the host
 * @throws FioError if the machine has no vfs
 */
export function machineFioHost(machine: Machine, opts: MachineFioHostOptions = {}): FioHost {
  const vfsId = Symbol.for('stackemu.Vfs');
  if (!machine.container.isBound(vfsId)) {
    throw new FioError(`fio: the stack "${machine.name}" has no vfs plugin; fio needs processes and files`);
  }
  const vfs = machine.container.get<VfsLike>(vfsId);
  const sanId = Symbol.for('stackemu.Sanitizer');
  const san = machine.container.isBound(sanId) ? machine.container.get<SanitizerLike>(sanId) : undefined;
  const rng = machine.rng.fork('fio');
  return {
    scheduler: machine.scheduler,
    rng,
    keywords: { pagesize: 4096, mbMemory: opts.mbMemory ?? 4096, ncpus: opts.ncpus ?? 2 },
    spawn: (comm) => vfs.spawn(comm),
    vmstat: () => machine.counters.snapshot('vmstat'),
    sanitizerFindings: () => san?.findings() ?? [],
  };
}
