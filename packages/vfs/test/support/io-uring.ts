import { emptySqe, type IoUringRings, type IoUringSqe } from '@stackemu/vfs';

/**
 * Fills the SQE at the ring's tail as `io_uring_get_sqe()` + an `io_uring_prep_*()` would: a zeroed entry
 * (`emptySqe()`) with `f` over it, then moves the tail.
 */
export function prep(r: IoUringRings, f: Partial<IoUringSqe>): void {
  Object.assign(r.sqes[r.sqTail & r.sqMask] as IoUringSqe, emptySqe(), f);
  r.sqTail++;
}
