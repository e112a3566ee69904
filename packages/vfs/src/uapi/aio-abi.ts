/**
 * The libaio ABI of `include/uapi/linux/aio_abi.h`: command codes, flags, `struct iocb` and `struct io_event`.
 * @packageDocumentation
 */

/** Models `IOCB_CMD_PREAD` (include/uapi/linux/aio_abi.h). */
export const IOCB_CMD_PREAD = 0;
/** Models `IOCB_CMD_PWRITE` (include/uapi/linux/aio_abi.h). */
export const IOCB_CMD_PWRITE = 1;
/** Models `IOCB_CMD_FSYNC` (include/uapi/linux/aio_abi.h). */
export const IOCB_CMD_FSYNC = 2;
/** Models `IOCB_CMD_FDSYNC` (include/uapi/linux/aio_abi.h). */
export const IOCB_CMD_FDSYNC = 3;
/** Models `IOCB_CMD_POLL` (include/uapi/linux/aio_abi.h); not supported here (`EINVAL`). */
export const IOCB_CMD_POLL = 5;
/** Models `IOCB_CMD_NOOP` (include/uapi/linux/aio_abi.h); rejected with `EINVAL` as the kernel does. */
export const IOCB_CMD_NOOP = 6;
/** Models `IOCB_CMD_PREADV` (include/uapi/linux/aio_abi.h). */
export const IOCB_CMD_PREADV = 7;
/** Models `IOCB_CMD_PWRITEV` (include/uapi/linux/aio_abi.h). */
export const IOCB_CMD_PWRITEV = 8;

/** Models `IOCB_FLAG_RESFD` (include/uapi/linux/aio_abi.h): signal an eventfd; not supported here (`EINVAL`). */
export const IOCB_FLAG_RESFD = 1 << 0;
/** Models `IOCB_FLAG_IOPRIO` (include/uapi/linux/aio_abi.h): `aioReqprio` is valid. */
export const IOCB_FLAG_IOPRIO = 1 << 1;

/** One user I/O segment: models `struct iovec` (include/uapi/linux/uio.h). */
export interface Iovec {
  /** `iov_base`: user virtual address. */
  readonly iovBase: number;
  /** `iov_len`: bytes. */
  readonly iovLen: number;
}

/**
 * Models `struct iocb` (include/uapi/linux/aio_abi.h), the user's request block of `io_submit()`.
 * @remarks For `IOCB_CMD_PREADV`/`PWRITEV` the kernel reads an iovec array at `aio_buf`; here the array is
 * passed by value in {@link Iocb.aioIov} (its `copy_from_user` is modelled as done) and `aioNbytes` is its
 * length.
 */
export interface Iocb {
  /** `aio_data`: returned untouched in {@link IoEvent.data}. */
  aioData: number;
  /** `aio_lio_opcode`: `IOCB_CMD_*`. */
  aioLioOpcode: number;
  /** `aio_reqprio`: I/O priority, with `IOCB_FLAG_IOPRIO`. */
  aioReqprio: number;
  /** `aio_fildes`. */
  aioFildes: number;
  /** `aio_buf`: user address (PREAD/PWRITE), 0 for the vectored and sync commands. */
  aioBuf: number;
  /** `aio_nbytes`: bytes (PREAD/PWRITE) or iovec count (PREADV/PWRITEV). */
  aioNbytes: number;
  /** `aio_offset`: file offset. */
  aioOffset: number;
  /** `aio_rw_flags`: `RWF_*`. */
  aioRwFlags: number;
  /** `aio_flags`: `IOCB_FLAG_*`. */
  aioFlags: number;
  /** `aio_resfd`: eventfd (with `IOCB_FLAG_RESFD`). */
  aioResfd: number;
  /** The iovec array of PREADV/PWRITEV (see remarks). */
  aioIov?: readonly Iovec[];
}

/**
 * Models `struct io_event` (include/uapi/linux/aio_abi.h), one completion returned by `io_getevents()`.
 */
export interface IoEvent {
  /** `data`: the request's `aio_data`. */
  data: number;
  /** `obj`: the request's iocb (the user pointer in the kernel; the object here). */
  obj: Iocb | undefined;
  /** `res`: bytes transferred or `-errno`. */
  res: number;
  /** `res2`: secondary result (always 0 in 6.18). */
  res2: number;
}

/**
 * A zeroed {@link Iocb}, for callers that fill fields (`io_prep_pread()` style).
 * @returns a fresh request block
 */
export function emptyIocb(): Iocb {
  return {
    aioData: 0,
    aioLioOpcode: IOCB_CMD_PREAD,
    aioReqprio: 0,
    aioFildes: -1,
    aioBuf: 0,
    aioNbytes: 0,
    aioOffset: 0,
    aioRwFlags: 0,
    aioFlags: 0,
    aioResfd: 0,
  };
}

/**
 * A zeroed {@link IoEvent}.
 * @returns a fresh event
 */
export function emptyIoEvent(): IoEvent {
  return { data: 0, obj: undefined, res: 0, res2: 0 };
}
