/**
 * The io_uring ABI of `include/uapi/linux/io_uring.h` (6.18): opcodes, flags, SQE/CQE and setup parameters.
 * @packageDocumentation
 */
import type { Iovec } from './aio-abi.js';

/** Models `IORING_OP_NOP` (include/uapi/linux/io_uring.h). */
export const IORING_OP_NOP = 0;
/** Models `IORING_OP_READV` (include/uapi/linux/io_uring.h). */
export const IORING_OP_READV = 1;
/** Models `IORING_OP_WRITEV` (include/uapi/linux/io_uring.h). */
export const IORING_OP_WRITEV = 2;
/** Models `IORING_OP_FSYNC` (include/uapi/linux/io_uring.h). */
export const IORING_OP_FSYNC = 3;
/** Models `IORING_OP_READ_FIXED` (include/uapi/linux/io_uring.h): read into a registered buffer. */
export const IORING_OP_READ_FIXED = 4;
/** Models `IORING_OP_WRITE_FIXED` (include/uapi/linux/io_uring.h): write from a registered buffer. */
export const IORING_OP_WRITE_FIXED = 5;
/** Models `IORING_OP_FALLOCATE` (include/uapi/linux/io_uring.h). */
export const IORING_OP_FALLOCATE = 17;
/** Models `IORING_OP_READ` (include/uapi/linux/io_uring.h). */
export const IORING_OP_READ = 22;
/** Models `IORING_OP_WRITE` (include/uapi/linux/io_uring.h). */
export const IORING_OP_WRITE = 23;
/** Models `IORING_OP_LAST` (include/uapi/linux/io_uring.h, 6.18): one past the highest opcode. */
export const IORING_OP_LAST = 59;

/** Models `IORING_FSYNC_DATASYNC` (include/uapi/linux/io_uring.h): `IORING_OP_FSYNC` as `fdatasync`. */
export const IORING_FSYNC_DATASYNC = 1 << 0;

/** Models `IOSQE_FIXED_FILE` (include/uapi/linux/io_uring.h): `fd` is an index into the registered file table. */
export const IOSQE_FIXED_FILE = 1 << 0;
/** Models `IOSQE_IO_DRAIN` (include/uapi/linux/io_uring.h). */
export const IOSQE_IO_DRAIN = 1 << 1;
/** Models `IOSQE_IO_LINK` (include/uapi/linux/io_uring.h). */
export const IOSQE_IO_LINK = 1 << 2;
/** Models `IOSQE_IO_HARDLINK` (include/uapi/linux/io_uring.h). */
export const IOSQE_IO_HARDLINK = 1 << 3;
/** Models `IOSQE_ASYNC` (include/uapi/linux/io_uring.h). */
export const IOSQE_ASYNC = 1 << 4;
/** Models `IOSQE_BUFFER_SELECT` (include/uapi/linux/io_uring.h). */
export const IOSQE_BUFFER_SELECT = 1 << 5;
/** Models `IOSQE_CQE_SKIP_SUCCESS` (include/uapi/linux/io_uring.h). */
export const IOSQE_CQE_SKIP_SUCCESS = 1 << 6;

/** Models `IORING_SETUP_IOPOLL` (include/uapi/linux/io_uring.h). */
export const IORING_SETUP_IOPOLL = 1 << 0;
/** Models `IORING_SETUP_SQPOLL` (include/uapi/linux/io_uring.h). */
export const IORING_SETUP_SQPOLL = 1 << 1;
/** Models `IORING_SETUP_SQ_AFF` (include/uapi/linux/io_uring.h). */
export const IORING_SETUP_SQ_AFF = 1 << 2;
/** Models `IORING_SETUP_CQSIZE` (include/uapi/linux/io_uring.h): `cqEntries` is given. */
export const IORING_SETUP_CQSIZE = 1 << 3;
/** Models `IORING_SETUP_CLAMP` (include/uapi/linux/io_uring.h): clamp entries instead of failing. */
export const IORING_SETUP_CLAMP = 1 << 4;
/** Models `IORING_SETUP_SUBMIT_ALL` (include/uapi/linux/io_uring.h). */
export const IORING_SETUP_SUBMIT_ALL = 1 << 7;
/** Models `IORING_SETUP_COOP_TASKRUN` (include/uapi/linux/io_uring.h). */
export const IORING_SETUP_COOP_TASKRUN = 1 << 8;
/** Models `IORING_SETUP_SINGLE_ISSUER` (include/uapi/linux/io_uring.h). */
export const IORING_SETUP_SINGLE_ISSUER = 1 << 12;
/** Models `IORING_SETUP_DEFER_TASKRUN` (include/uapi/linux/io_uring.h). */
export const IORING_SETUP_DEFER_TASKRUN = 1 << 13;

/** Models `IORING_ENTER_GETEVENTS` (include/uapi/linux/io_uring.h): wait for `minComplete` completions. */
export const IORING_ENTER_GETEVENTS = 1 << 0;
/** Models `IORING_ENTER_SQ_WAKEUP` (include/uapi/linux/io_uring.h). */
export const IORING_ENTER_SQ_WAKEUP = 1 << 1;
/** Models `IORING_ENTER_SQ_WAIT` (include/uapi/linux/io_uring.h). */
export const IORING_ENTER_SQ_WAIT = 1 << 2;
/** Models `IORING_ENTER_EXT_ARG` (include/uapi/linux/io_uring.h). */
export const IORING_ENTER_EXT_ARG = 1 << 3;

/** Models `IORING_REGISTER_BUFFERS` (include/uapi/linux/io_uring.h): pin buffers long-term. */
export const IORING_REGISTER_BUFFERS = 0;
/** Models `IORING_UNREGISTER_BUFFERS` (include/uapi/linux/io_uring.h): unpin them. */
export const IORING_UNREGISTER_BUFFERS = 1;
/** Models `IORING_REGISTER_FILES` (include/uapi/linux/io_uring.h): register a table of descriptors. */
export const IORING_REGISTER_FILES = 2;
/** Models `IORING_UNREGISTER_FILES` (include/uapi/linux/io_uring.h): drop the registered file table. */
export const IORING_UNREGISTER_FILES = 3;
/** Models `IORING_REGISTER_FILES_UPDATE` (include/uapi/linux/io_uring.h): replace slots of the file table. */
export const IORING_REGISTER_FILES_UPDATE = 6;
/** Models `IORING_REGISTER_PROBE` (include/uapi/linux/io_uring.h); not supported here (`EOPNOTSUPP`). */
export const IORING_REGISTER_PROBE = 8;

/** Models `IORING_FEAT_SINGLE_MMAP` (include/uapi/linux/io_uring.h). */
export const IORING_FEAT_SINGLE_MMAP = 1 << 0;
/** Models `IORING_FEAT_NODROP` (include/uapi/linux/io_uring.h): CQ overflow is kept, not dropped. */
export const IORING_FEAT_NODROP = 1 << 1;
/** Models `IORING_FEAT_SUBMIT_STABLE` (include/uapi/linux/io_uring.h). */
export const IORING_FEAT_SUBMIT_STABLE = 1 << 2;
/** Models `IORING_FEAT_RW_CUR_POS` (include/uapi/linux/io_uring.h): offset -1 means the file position. */
export const IORING_FEAT_RW_CUR_POS = 1 << 3;

/** Models `IORING_MAX_ENTRIES` (io_uring/io_uring.h). */
export const IORING_MAX_ENTRIES = 32768;
/** Models `IORING_MAX_CQ_ENTRIES` (io_uring/io_uring.h). */
export const IORING_MAX_CQ_ENTRIES = 2 * IORING_MAX_ENTRIES;
/** Models `IORING_MAX_REG_BUFFERS` (io_uring/rsrc.h): most buffers one registration takes. */
export const IORING_MAX_REG_BUFFERS = 1 << 14;
/** Models `IORING_MAX_FIXED_FILES` (io_uring/rsrc.c): most slots a registered file table has. */
export const IORING_MAX_FIXED_FILES = 1 << 20;
/** Models `IORING_REGISTER_FILES_SKIP` (include/uapi/linux/io_uring.h): a files-update entry that leaves its slot as is. */
export const IORING_REGISTER_FILES_SKIP = -2;

/**
 * Models `struct io_uring_files_update` (include/uapi/linux/io_uring.h), the argument of
 * `IORING_REGISTER_FILES_UPDATE`.
 * @remarks The kernel reads the `__s32` descriptor array at the `fds` pointer; here it is passed by value.
 */
export interface IoUringFilesUpdate {
  /** `offset`: the first slot to update. */
  offset: number;
  /** `resv`: must be 0. */
  resv: number;
  /** `fds`: one descriptor per slot; -1 empties it, `IORING_REGISTER_FILES_SKIP` leaves it. */
  fds: readonly number[];
}

/**
 * Models `struct io_uring_sqe` (include/uapi/linux/io_uring.h), one submission entry.
 * @remarks For READV/WRITEV the kernel reads an iovec array at `addr`; here it is passed by value in
 * {@link IoUringSqe.iov} and `len` is its length.
 */
export interface IoUringSqe {
  /** `opcode`: `IORING_OP_*`. */
  opcode: number;
  /** `flags`: `IOSQE_*`. */
  flags: number;
  /** `ioprio`. */
  ioprio: number;
  /** `fd`. */
  fd: number;
  /** `off`: file offset; -1 = current position (`IORING_FEAT_RW_CUR_POS`). */
  off: number;
  /** `addr`: user buffer address. */
  addr: number;
  /** `len`: bytes, or iovec count for READV/WRITEV. */
  len: number;
  /** `rw_flags` / `fsync_flags`: `RWF_*` or `IORING_FSYNC_*`. */
  rwFlags: number;
  /** `user_data`: returned in the CQE. */
  userData: number;
  /** `buf_index`: registered buffer for READ_FIXED/WRITE_FIXED. */
  bufIndex: number;
  /** The iovec array of READV/WRITEV (see remarks). */
  iov: readonly Iovec[] | undefined;
}

/** Models `struct io_uring_cqe` (include/uapi/linux/io_uring.h), one completion entry. */
export interface IoUringCqe {
  /** `user_data` of the SQE. */
  userData: number;
  /** `res`: bytes or `-errno`. */
  res: number;
  /** `flags`: `IORING_CQE_F_*`. */
  flags: number;
}

/**
 * Models `struct io_uring_params` (include/uapi/linux/io_uring.h): in `flags` (and `cqEntries` with
 * `IORING_SETUP_CQSIZE`), out the ring sizes and `features`.
 */
export interface IoUringParams {
  /** Out: SQ entries (a power of two). */
  sqEntries: number;
  /** In with `IORING_SETUP_CQSIZE`, out: CQ entries. */
  cqEntries: number;
  /** In: `IORING_SETUP_*`. */
  flags: number;
  /** Out: `IORING_FEAT_*`. */
  features: number;
}

/**
 * A zeroed {@link IoUringSqe} (`io_uring_prep_*` fill one).
 * @returns a fresh entry
 */
export function emptySqe(): IoUringSqe {
  return {
    opcode: IORING_OP_NOP,
    flags: 0,
    ioprio: 0,
    fd: -1,
    off: 0,
    addr: 0,
    len: 0,
    rwFlags: 0,
    userData: 0,
    bufIndex: 0,
    iov: undefined,
  };
}

/**
 * A zeroed {@link IoUringParams}.
 * @param flags - `IORING_SETUP_*`
 * @returns a fresh parameter block
 */
export function ioUringParams(flags = 0): IoUringParams {
  return { sqEntries: 0, cqEntries: 0, flags, features: 0 };
}
