/**
 * Faulting in the user memory of an iterator (lib/iov_iter.c `fault_in_iov_iter_readable()` /
 * `fault_in_iov_iter_writeable()`): block does not export them, so the vfs keeps this small adapter.
 * @internal
 * @packageDocumentation
 */
import { ITER_IOVEC, ITER_UBUF } from '@stackemu/block';
import type { IovIter, MmStruct } from './deps.js';

async function faultIn(i: IovIter, size: number, write: boolean): Promise<number> {
  const mm = i.mm;
  if (mm === undefined) return 0;
  const fault = (m: MmStruct, addr: number, len: number): Promise<number> =>
    write ? m.faultInWriteable(addr, len) : m.faultInReadable(addr, len);
  if (size > i.count) size = i.count;
  if (i.iterType === ITER_UBUF) {
    const left = await fault(mm, i.ubuf + i.iovOffset, size);
    return left;
  }
  if (i.iterType !== ITER_IOVEC) return 0;
  let skip = i.iovOffset;
  let todo = size;
  for (let k = i.segIdx; todo > 0 && k < i.segIdx + i.nrSegs; k++, skip = 0) {
    const seg = i.iov[k];
    if (seg === undefined) break;
    const len = Math.min(todo, seg.iovLen - skip);
    if (len <= 0) continue;
    const left = await fault(mm, seg.iovBase + skip, len);
    todo -= len - left;
    if (left !== 0) break;
  }
  return todo;
}

/**
 * Models `fault_in_iov_iter_readable()` (lib/iov_iter.c): faults in the next `size` bytes of a user-backed
 * source so a following copy does not fail (waiting, in virtual time, for page-cache reads).
 * @param i - the iterator (not advanced)
 * @param size - bytes wanted
 * @returns bytes NOT faulted in (0 = all); 0 for an iterator that is not user-backed
 */
export function faultInIovIterReadable(i: IovIter, size: number): Promise<number> {
  return faultIn(i, size, false);
}

/**
 * Models `fault_in_iov_iter_writeable()` (lib/iov_iter.c): as {@link faultInIovIterReadable} for a
 * destination.
 * @param i - the iterator (not advanced)
 * @param size - bytes wanted
 * @returns bytes NOT faulted in (0 = all)
 */
export function faultInIovIterWriteable(i: IovIter, size: number): Promise<number> {
  return faultIn(i, size, true);
}
