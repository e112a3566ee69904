/**
 * The one table of block status meaning: `blk_errors[]` (block/blk-core.c), `BLK_STS_*` to errno and text.
 * @packageDocumentation
 */
import {
  EAGAIN,
  EBUSY,
  EILSEQ,
  EINVAL,
  EIO,
  ENODATA,
  ENODEV,
  ENOLINK,
  ENOMEM,
  ENOSPC,
  EOPNOTSUPP,
  EOVERFLOW,
  EREMOTEIO,
  ETIME,
  ETIMEDOUT,
} from '@stackemu/core';
import {
  BLK_STS_AGAIN,
  BLK_STS_DEV_RESOURCE,
  BLK_STS_DM_REQUEUE,
  BLK_STS_DURATION_LIMIT,
  BLK_STS_INVAL,
  BLK_STS_IOERR,
  BLK_STS_MEDIUM,
  BLK_STS_NOSPC,
  BLK_STS_NOTSUPP,
  BLK_STS_OFFLINE,
  BLK_STS_OK,
  BLK_STS_PROTECTION,
  BLK_STS_RESOURCE,
  BLK_STS_RESV_CONFLICT,
  BLK_STS_TARGET,
  BLK_STS_TIMEOUT,
  BLK_STS_TRANSPORT,
  BLK_STS_ZONE_ACTIVE_RESOURCE,
  BLK_STS_ZONE_OPEN_RESOURCE,
} from './blk-types.js';

/** `EBADE` (include/uapi/asm-generic/errno.h): invalid exchange. Not in core's table. */
const EBADE = 52;
/** `EREMCHG` (include/uapi/asm-generic/errno.h): remote address changed. */
const EREMCHG = 78;
/** `ETOOMANYREFS` (include/uapi/asm-generic/errno.h): too many references. */
const ETOOMANYREFS = 109;

/** One row of {@link blkErrors}: the errno a status becomes and its name in messages. */
export interface BlkError {
  /** Negative errno (`-EIO`), 0 for `BLK_STS_OK`. */
  readonly errno: number;
  /** Text used in `blk_print_req_error()` messages ("I/O", "critical medium"). */
  readonly name: string;
}

const table: (BlkError | undefined)[] = [];
const row = (sts: number, errno: number, name: string): void => {
  table[sts] = Object.freeze({ errno, name });
};
row(BLK_STS_OK, 0, '');
row(BLK_STS_NOTSUPP, -EOPNOTSUPP, 'operation not supported');
row(BLK_STS_TIMEOUT, -ETIMEDOUT, 'timeout');
row(BLK_STS_NOSPC, -ENOSPC, 'critical space allocation');
row(BLK_STS_TRANSPORT, -ENOLINK, 'recoverable transport');
row(BLK_STS_TARGET, -EREMOTEIO, 'critical target');
row(BLK_STS_RESV_CONFLICT, -EBADE, 'reservation conflict');
row(BLK_STS_MEDIUM, -ENODATA, 'critical medium');
row(BLK_STS_PROTECTION, -EILSEQ, 'protection');
row(BLK_STS_RESOURCE, -ENOMEM, 'kernel resource');
row(BLK_STS_DEV_RESOURCE, -EBUSY, 'device resource');
row(BLK_STS_AGAIN, -EAGAIN, 'nonblocking retry');
row(BLK_STS_OFFLINE, -ENODEV, 'device offline');
row(BLK_STS_DM_REQUEUE, -EREMCHG, 'dm internal retry');
row(BLK_STS_ZONE_OPEN_RESOURCE, -ETOOMANYREFS, 'open zones exceeded');
row(BLK_STS_ZONE_ACTIVE_RESOURCE, -EOVERFLOW, 'active zones exceeded');
row(BLK_STS_DURATION_LIMIT, -ETIME, 'duration limit exceeded');
row(BLK_STS_INVAL, -EINVAL, 'invalid');
row(BLK_STS_IOERR, -EIO, 'I/O');

/**
 * Models `blk_errors[]` (block/blk-core.c): status → errno and text, indexed by `BLK_STS_*`.
 * @remarks Holes (unassigned status values) are `undefined`; they mean "I/O" as in the kernel.
 */
export const blkErrors: readonly (BlkError | undefined)[] = Object.freeze(table);

/**
 * Models `blk_status_to_errno()` (block/blk-core.c).
 * @param status - a `BLK_STS_*` value
 * @returns the negative errno; `-EIO` for a value outside the table (the kernel WARNs)
 */
export function blkStatusToErrno(status: number): number {
  const e = table[status];
  return e === undefined ? -EIO : e.errno;
}

/**
 * Models `errno_to_blk_status()` (block/blk-core.c).
 * @param errno - negative (or positive) errno, 0 for success
 * @returns the first `BLK_STS_*` whose errno matches, else `BLK_STS_IOERR`
 */
export function errnoToBlkStatus(errno: number): number {
  const e = -Math.abs(errno);
  for (let i = 0; i < table.length; i++) if (table[i]?.errno === e) return i;
  return BLK_STS_IOERR;
}

/**
 * Models `blk_status_to_str()` (block/blk-core.c).
 * @param status - a `BLK_STS_*` value
 * @returns the status's text, "I/O" for unknown values
 */
export function blkStatusToStr(status: number): string {
  return table[status]?.name ?? 'I/O';
}
