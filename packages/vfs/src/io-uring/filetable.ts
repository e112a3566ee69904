/**
 * io_uring registered files (io_uring/filetable.c and the file half of io_uring/rsrc.c): a per-ring table of
 * file references that SQEs with `IOSQE_FIXED_FILE` name by index instead of by descriptor.
 * @packageDocumentation
 */
import { EBADF, EBUSY, EFAULT, EINVAL, EMFILE, ENXIO, EOVERFLOW } from '@stackemu/core';
import type { FdTable } from '../fdtable.js';
import type { File } from '../file.js';
import { fput } from '../open.js';
import { IORING_MAX_FIXED_FILES, IORING_REGISTER_FILES_SKIP, type IoUringFilesUpdate } from '../uapi/io-uring.js';

/** `U32_MAX`: `check_add_overflow()` of two `__u32`. */
const U32_MAX = 0xffff_ffff;

/**
 * Models `ctx->file_table` (`struct io_file_table`, io_uring/filetable.h): the registered files of one ring.
 * @remarks Each occupied slot holds a reference on its file (`fget()` at registration, `fput()` when the slot
 * is emptied, updated or the table is freed), so a registered file outlives the closing of its descriptor.
 */
export class IoFileTable {
  private files: (File | undefined)[] = [];

  /**
   * @param isRingFile - `io_is_uring_fops()`: io_uring files may not be registered
   */
  constructor(private readonly isRingFile: (f: File) => boolean) {}

  /** `file_table.data.nr`: the table's size (0 = none registered). */
  get nr(): number {
    return this.files.length;
  }

  /** Slots holding a file (`io_file_bitmap` weight). */
  get used(): number {
    let n = 0;
    for (const f of this.files) if (f !== undefined) n++;
    return n;
  }

  /**
   * Models `io_sqe_files_register()` (io_uring/rsrc.c) for `IORING_REGISTER_FILES`: a table of `nrArgs` slots,
   * slot `i` holding a reference on descriptor `fds[i]`'s file, or empty (sparse) for -1.
   * @param fdt - the registering task's descriptor table
   * @param fds - the `__s32` descriptor array
   * @param nrArgs - slots (`nr_args`, unsigned)
   * @returns 0, or `-EBUSY` (a table is registered), `-EINVAL` (`nrArgs` 0), `-EMFILE` (more than
   * `IORING_MAX_FIXED_FILES` or `RLIMIT_NOFILE`), `-EFAULT` (`fds` shorter than `nrArgs`), `-EBADF` (a
   * descriptor is not open, or is an io_uring); on failure no slot stays registered
   */
  register(fdt: FdTable, fds: readonly number[], nrArgs: number): number {
    const nr = nrArgs >>> 0;
    if (this.files.length !== 0) return -EBUSY;
    if (nr === 0) return -EINVAL;
    if (nr > IORING_MAX_FIXED_FILES || nr > fdt.limit) return -EMFILE;
    const table: (File | undefined)[] = new Array<File | undefined>(nr).fill(undefined);
    let ret = 0;
    for (let i = 0; i < nr; i++) {
      const fd = fds[i];
      if (fd === undefined) {
        ret = -EFAULT; // copy_from_user() past the array
        break;
      }
      if (fd === -1) continue; // sparse slot
      const file = fdt.get(fd);
      if (file === undefined || this.isRingFile(file)) {
        ret = -EBADF;
        break;
      }
      file.fCount++;
      table[i] = file;
    }
    if (ret < 0) {
      for (const f of table) if (f !== undefined) void fput(f);
      return ret;
    }
    this.files = table;
    return 0;
  }

  /**
   * Models `io_sqe_files_unregister()` (io_uring/rsrc.c) → `io_free_file_tables()`: drops every slot's
   * reference (a file whose descriptor is closed is released now) and the table.
   * @returns 0, or `-ENXIO` if no table is registered
   */
  unregister(): number {
    if (this.files.length === 0) return -ENXIO;
    void this.release();
    return 0;
  }

  /**
   * Models `io_free_file_tables()` as the ring's teardown (`io_ring_ctx_free()`) runs it: empties the table and
   * resolves once every slot's `fput()` (and any `release` it triggers) has finished.
   */
  async release(): Promise<void> {
    const files = this.files;
    this.files = [];
    for (const f of files) if (f !== undefined) await fput(f);
  }

  /**
   * Models `io_register_files_update()` → `__io_sqe_files_update()` (io_uring/rsrc.c) for
   * `IORING_REGISTER_FILES_UPDATE`: slots `offset …` take the files of `up.fds` (the old file's reference is
   * dropped); -1 empties a slot, `IORING_REGISTER_FILES_SKIP` leaves it.
   * @param fdt - the updating task's descriptor table
   * @param up - the `struct io_uring_files_update` (undefined = a NULL pointer)
   * @param nrArgs - entries (`nr_args`, unsigned)
   * @returns how many entries were processed if any, else `-EINVAL` (`nrArgs` 0, `resv` set, past the table's
   * end), `-EFAULT` (no argument, or `fds` shorter than `nrArgs`), `-EOVERFLOW` (`offset + nrArgs` wraps a
   * `__u32`), `-ENXIO` (no table), `-EBADF` (a descriptor is not open, or is an io_uring)
   */
  update(fdt: FdTable, up: IoUringFilesUpdate | undefined, nrArgs: number): number {
    const nr = nrArgs >>> 0;
    if (nr === 0) return -EINVAL;
    if (up === undefined) return -EFAULT;
    if (up.resv !== 0) return -EINVAL;
    const offset = up.offset >>> 0;
    if (offset + nr > U32_MAX) return -EOVERFLOW;
    if (this.files.length === 0) return -ENXIO;
    if (offset + nr > this.files.length) return -EINVAL;
    let err = 0;
    let done = 0;
    for (; done < nr; done++) {
      const fd = up.fds[done];
      if (fd === undefined) {
        err = -EFAULT;
        break;
      }
      if (fd === IORING_REGISTER_FILES_SKIP) continue;
      const i = offset + done;
      const old = this.files[i];
      if (old !== undefined) {
        this.files[i] = undefined;
        void fput(old);
      }
      if (fd !== -1) {
        const file = fdt.get(fd);
        if (file === undefined || this.isRingFile(file)) {
          err = -EBADF;
          break;
        }
        file.fCount++;
        this.files[i] = file;
      }
    }
    return done > 0 ? done : err;
  }

  /**
   * Models `io_file_get_fixed()` (io_uring/io_uring.c): the file in slot `index` (the SQE's `fd` as an unsigned
   * index), without a reference — the caller takes one for the request's lifetime.
   * @returns the file, or undefined (no table, index out of range, empty slot: the request fails `-EBADF`)
   */
  lookup(index: number): File | undefined {
    const i = index >>> 0;
    return i < this.files.length ? this.files[i] : undefined;
  }
}
