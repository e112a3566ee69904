/**
 * One I/O unit (`struct io_u`, io_u.h) and its flags.
 * @packageDocumentation
 */
import type { FioFile } from './fio-file.js';
import type { IoPiece } from './iolog.js';
import type { IoDir } from './thread-options.js';

/** Models `IO_U_F_FREE` (io_u.h). */
export const IO_U_F_FREE = 1 << 0;
/** Models `IO_U_F_FLIGHT` (io_u.h). */
export const IO_U_F_FLIGHT = 1 << 1;
/** Models `IO_U_F_NO_FILE_PUT` (io_u.h). */
export const IO_U_F_NO_FILE_PUT = 1 << 2;
/** Models `IO_U_F_IN_CUR_DEPTH` (io_u.h). */
export const IO_U_F_IN_CUR_DEPTH = 1 << 3;
/** Models `IO_U_F_BUSY_OK` (io_u.h). */
export const IO_U_F_BUSY_OK = 1 << 4;
/** Models `IO_U_F_TRIMMED` (io_u.h). */
export const IO_U_F_TRIMMED = 1 << 5;
/** Models `IO_U_F_BARRIER` (io_u.h). */
export const IO_U_F_BARRIER = 1 << 6;
/** Models `IO_U_F_VER_LIST` (io_u.h). */
export const IO_U_F_VER_LIST = 1 << 7;

/**
 * Models `struct io_u` (io_u.h): one I/O a job has in flight, with its buffer in the job process's memory.
 * Preallocated per job (`iodepth` of them) and reused, as fio does.
 */
export class IoU {
  /** User address of the buffer (`buf`). */
  buf = 0;
  /** Bytes this I/O moves (`buflen`). */
  buflen = 0;
  /** Current transfer start (`xfer_buf`, moves on a short I/O). */
  xferBuf = 0;
  /** Current transfer length (`xfer_buflen`). */
  xferBuflen = 0;
  /** File offset. */
  offset = 0;
  /** Offset the verify header names. */
  verifyOffset = 0;
  /** Direction. */
  ddir: IoDir = 0;
  /** Direction for accounting (-1 = ddir). */
  acctDdir = -1;
  /** Its file. */
  file: FioFile | undefined;
  /** `IO_U_F_*`. */
  flags = IO_U_F_FREE;
  /** errno (positive), 0 if none. */
  error = 0;
  /** Bytes not transferred. */
  resid = 0;
  /** When fio started preparing it (ns). */
  startTime = 0;
  /** When it was issued (ns). */
  issueTime = 0;
  /** Write sequence number (`numberio`, for verify). */
  numberio = 0;
  /** Seed of its verify data. */
  randSeed = 0n;
  /** Its entry in the verify log. */
  ipo: IoPiece | undefined;
  /** Completion hook (`end_io`): verify. Returns an errno or 0. */
  endIo: ((io: IoU) => number) | undefined;
  /** Bytes of the buffer already filled with the verify pattern. */
  bufFilledLen = 0;

  /** @param index - its index among the job's io_us */
  constructor(readonly index: number) {}
}
