/**
 * The synchronous engines of engines/sync.c: `psync` (pread/pwrite), `sync` (lseek + read/write), `pvsync`
 * (preadv/pwritev) and `pvsync2` (preadv2/pwritev2), plus the sync and trim helpers every engine shares
 * (`do_io_u_sync()`, `do_io_u_trim()` in io_u.c).
 * @packageDocumentation
 */
import { RWF_HIPRI, SEEK_SET, type Iovec } from '@stackemu/vfs';
import { EINVAL, ENOTTY, EOPNOTSUPP } from '@stackemu/core';
import { FIO_Q_COMPLETED, FIO_SYNCIO, genericCloseFile, genericOpenFile, type IoEngineOps } from '../ioengines.js';
import type { IoU } from '../io-u.js';
import { ioULogError } from '../io-u-ops.js';
import type { ThreadData } from '../thread-data.js';
import { DDIR_DATASYNC, DDIR_READ, DDIR_SYNC, DDIR_TRIM, DDIR_WRITE } from '../thread-options.js';
import type { FioSyscalls } from '../fio-host.js';

function sys(td: ThreadData): FioSyscalls {
  return (td.proc as { readonly sys: FioSyscalls }).sys;
}

/**
 * Models `fio_io_end()` (engines/sync.c): a result into `resid`/`error`; an error is logged
 * (`io_u_log_error()`) and becomes the job's (`td_verror(…, "xfer")`, unless one was recorded first).
 */
export function fioIoEnd(td: ThreadData, io: IoU, ret: number): number {
  if (ret !== io.xferBuflen) {
    if (ret >= 0) {
      io.resid = io.xferBuflen - ret;
      io.error = 0;
      return FIO_Q_COMPLETED;
    }
    io.error = -ret;
  }
  if (io.error !== 0) {
    ioULogError(td, io);
    td.verror2(io.error, 'xfer');
  }
  return FIO_Q_COMPLETED;
}

/**
 * Models `do_io_u_sync()` (io_u.c): `fsync()` or `fdatasync()` of the I/O's file.
 * @returns the syscall's result
 */
export async function doIoUSync(td: ThreadData, io: IoU): Promise<number> {
  const fd = io.file?.fd ?? -1;
  const r = io.ddir === DDIR_DATASYNC ? await sys(td).fdatasync(fd) : await sys(td).fsync(fd);
  if (r < 0) io.error = -r;
  return r;
}

/**
 * Models `do_io_u_trim()` (io_u.c): `os_trim()` on Linux is the `BLKDISCARD` ioctl, so a trim of a regular
 * file fails with `ENOTTY` as it does under the real fio; a block device would take the ioctl, which the stack's
 * vfs does not offer (`EOPNOTSUPP`, noted in the report).
 * @returns bytes trimmed or -errno
 */
export function doIoUTrim(td: ThreadData, io: IoU): Promise<number> {
  const f = io.file;
  if (f === undefined) return Promise.resolve(-EINVAL);
  if (f.filetype !== 'block') {
    io.error = ENOTTY;
    return Promise.resolve(-ENOTTY);
  }
  io.error = EOPNOTSUPP;
  td.notes.push('trim of a block device needs the BLKDISCARD ioctl, which the stack does not model');
  return Promise.resolve(-EOPNOTSUPP);
}

async function syncOrTrim(td: ThreadData, io: IoU): Promise<number> {
  if (io.ddir === DDIR_SYNC || io.ddir === DDIR_DATASYNC) await doIoUSync(td, io);
  else await doIoUTrim(td, io);
  return FIO_Q_COMPLETED;
}

/** Models `ioengine_prw` = `psync` (engines/sync.c): `pread()`/`pwrite()` at the offset. */
export const psyncEngine: IoEngineOps = {
  name: 'psync',
  flags: FIO_SYNCIO,
  async queue(td, io) {
    if (io.ddir === DDIR_READ)
      return fioIoEnd(td, io, await sys(td).pread(io.file?.fd ?? -1, io.xferBuf, io.xferBuflen, io.offset));
    if (io.ddir === DDIR_WRITE)
      return fioIoEnd(td, io, await sys(td).pwrite(io.file?.fd ?? -1, io.xferBuf, io.xferBuflen, io.offset));
    return syncOrTrim(td, io);
  },
  openFile: genericOpenFile,
  closeFile: genericCloseFile,
};

/**
 * Models `ioengine_rw` = `sync` (engines/sync.c): `lseek()` (skipped when the position already matches,
 * `fio_syncio_prep()`) then `read()`/`write()`.
 */
export const syncEngine: IoEngineOps = {
  name: 'sync',
  flags: FIO_SYNCIO,
  async queue(td, io) {
    const f = io.file;
    if (f === undefined) return FIO_Q_COMPLETED;
    if (io.ddir !== DDIR_READ && io.ddir !== DDIR_WRITE) return syncOrTrim(td, io);
    if (f.syncPos !== io.offset) {
      const r = await sys(td).lseek(f.fd, io.offset, SEEK_SET);
      if (r < 0) {
        io.error = -r;
        return FIO_Q_COMPLETED;
      }
    }
    const r =
      io.ddir === DDIR_READ
        ? await sys(td).read(f.fd, io.xferBuf, io.xferBuflen)
        : await sys(td).write(f.fd, io.xferBuf, io.xferBuflen);
    f.syncPos = r > 0 ? io.offset + r : -1;
    return fioIoEnd(td, io, r);
  },
  openFile: async (td, f) => {
    f.syncPos = 0;
    return genericOpenFile(td, f);
  },
  closeFile: genericCloseFile,
};

/** Models `ioengine_pvrw` = `pvsync` (engines/sync.c): `preadv()`/`pwritev()` of one iovec. */
export const pvsyncEngine: IoEngineOps = {
  name: 'pvsync',
  flags: FIO_SYNCIO,
  async queue(td, io) {
    const iov: Iovec[] = [{ iovBase: io.xferBuf, iovLen: io.xferBuflen }];
    if (io.ddir === DDIR_READ) return fioIoEnd(td, io, await sys(td).preadv(io.file?.fd ?? -1, iov, io.offset));
    if (io.ddir === DDIR_WRITE) return fioIoEnd(td, io, await sys(td).pwritev(io.file?.fd ?? -1, iov, io.offset));
    return syncOrTrim(td, io);
  },
  openFile: genericOpenFile,
  closeFile: genericCloseFile,
};

/**
 * Models `ioengine_pvrw2` = `pvsync2` (engines/sync.c): `preadv2()`/`pwritev2()` with `RWF_*` flags
 * (`hipri` sets `RWF_HIPRI`).
 */
export const pvsync2Engine: IoEngineOps = {
  name: 'pvsync2',
  flags: FIO_SYNCIO,
  async queue(td, io) {
    const flags = td.o.engine.hipri ? RWF_HIPRI : 0;
    const iov: Iovec[] = [{ iovBase: io.xferBuf, iovLen: io.xferBuflen }];
    if (io.ddir === DDIR_READ) return fioIoEnd(td, io, await sys(td).preadv2(io.file?.fd ?? -1, iov, io.offset, flags));
    if (io.ddir === DDIR_WRITE)
      return fioIoEnd(td, io, await sys(td).pwritev2(io.file?.fd ?? -1, iov, io.offset, flags));
    if (io.ddir === DDIR_TRIM) return syncOrTrim(td, io);
    return syncOrTrim(td, io);
  },
  openFile: genericOpenFile,
  closeFile: genericCloseFile,
};
