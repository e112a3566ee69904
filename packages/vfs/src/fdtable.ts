/**
 * Per-process file descriptor tables (`struct files_struct` / `struct fdtable`, fs/file.c).
 * @packageDocumentation
 */
import { EMFILE } from '@stackemu/core';
import type { File } from './file.js';

/** Models `RLIMIT_NOFILE`'s default soft limit (1024): the most descriptors a process may have open. */
export const NR_OPEN_DEFAULT = 1024;

/**
 * Models `struct files_struct` (include/linux/fdtable.h, fs/file.c): descriptor numbers to open files.
 * @remarks Descriptors are allocated lowest-first (`alloc_fd()`), as POSIX requires.
 */
export class FdTable {
  private readonly fds: (File | undefined)[] = [];
  private open = 0;

  /** @param limit - `RLIMIT_NOFILE`: descriptors may be `0 .. limit-1` */
  constructor(readonly limit = NR_OPEN_DEFAULT) {}

  /**
   * Models `alloc_fd()` + `fd_install()` (fs/file.c): the lowest free descriptor, now referring to `file`.
   * @param file - the open file (its reference passes to the table)
   * @returns the descriptor, or `-EMFILE` when the table is full
   */
  install(file: File): number {
    const fds = this.fds;
    let fd = 0;
    while (fd < fds.length && fds[fd] !== undefined) fd++;
    if (fd >= this.limit) return -EMFILE;
    fds[fd] = file;
    this.open++;
    return fd;
  }

  /**
   * Models `fdget()` (fs/file.c) without taking a reference.
   * @param fd - the descriptor
   * @returns the file, or undefined for a closed or invalid descriptor (callers answer `-EBADF`)
   */
  get(fd: number): File | undefined {
    return this.fds[fd];
  }

  /**
   * Models `file_close_fd()` (fs/file.c): removes a descriptor.
   * @param fd - the descriptor
   * @returns the file it referred to (its reference passes to the caller), or undefined
   */
  remove(fd: number): File | undefined {
    const f = this.fds[fd];
    if (f === undefined) return undefined;
    this.fds[fd] = undefined;
    this.open--;
    return f;
  }

  /** Open descriptors. */
  get count(): number {
    return this.open;
  }

  /**
   * Every open descriptor with its file, lowest first.
   * @returns `[fd, file]` pairs
   */
  entries(): [number, File][] {
    const out: [number, File][] = [];
    this.fds.forEach((f, fd) => {
      if (f !== undefined) out.push([fd, f]);
    });
    return out;
  }
}
