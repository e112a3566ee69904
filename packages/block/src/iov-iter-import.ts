/**
 * Building iterators from system-call arguments: `import_ubuf()` and `import_iovec()` (lib/iov_iter.c).
 * @packageDocumentation
 */
import { EFAULT, EINVAL } from '@stackemu/core';
import type { MmStruct } from './internal/mm.js';
import { iovIterInit, iovIterUbuf } from './iov-iter.js';
import { MAX_RW_COUNT, UIO_MAXIOV, type IovIter, type Iovec, type IterDir } from './uio.js';

/**
 * Models `TASK_SIZE_MAX` (arch/x86/include/asm/page_64_types.h, 4-level paging): the end of user space.
 */
export const TASK_SIZE_MAX = 2 ** 47 - 4096;

/**
 * Models `access_ok()` (include/asm-generic/access_ok.h): the range lies inside user space.
 * @param addr - user address
 * @param size - bytes
 * @returns true if `[addr, addr + size)` is below `TASK_SIZE_MAX`
 */
export function accessOk(addr: number, size: number): boolean {
  return addr >= 0 && size >= 0 && addr <= TASK_SIZE_MAX && size <= TASK_SIZE_MAX - addr;
}

/**
 * Models `import_ubuf()` (lib/iov_iter.c): the iterator of a `read()`/`write()` buffer.
 * @param dir - `ITER_DEST` for a read, `ITER_SOURCE` for a write
 * @param mm - the caller's address space
 * @param buf - user address
 * @param len - length; capped at `MAX_RW_COUNT`
 * @param into - the `struct iov_iter` to fill, as the kernel's out parameter (an io_uring request reuses its
 * own); default a new one
 * @returns the UBUF iterator (`into` when given), or `-EFAULT` if the range is not in user space
 */
export function importUbuf(dir: IterDir, mm: MmStruct, buf: number, len: number, into?: IovIter): IovIter | number {
  if (len > MAX_RW_COUNT) len = MAX_RW_COUNT;
  if (!accessOk(buf, len)) return -EFAULT;
  return iovIterUbuf(dir, mm, buf, len, into);
}

/** `sizeof(struct iovec)` on x86-64. */
const IOVEC_SIZE = 16;

function readIovecs(mm: MmStruct, uvec: number, nrSegs: number): Iovec[] | number {
  const raw = new Uint8Array(nrSegs * IOVEC_SIZE);
  if (!accessOk(uvec, raw.length)) return -EFAULT;
  if (mm.copyFromUser(raw, 0, uvec, raw.length) !== 0) return -EFAULT;
  const dv = new DataView(raw.buffer);
  const out: Iovec[] = [];
  for (let k = 0; k < nrSegs; k++) {
    const base = Number(dv.getBigUint64(k * IOVEC_SIZE, true));
    const len = dv.getBigInt64(k * IOVEC_SIZE + 8, true);
    if (len < 0n) return -EINVAL;
    out.push({ iovBase: base, iovLen: len > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(len) });
  }
  return out;
}

/**
 * Models `import_iovec()` (lib/iov_iter.c): the iterator of a `readv()`/`preadv()`/`writev()` vector.
 *
 * @param dir - `ITER_DEST` for a read, `ITER_SOURCE` for a write
 * @param mm - the caller's address space
 * @param uvec - user address of the `struct iovec` array (read with `copy_from_user`), or the array itself
 * @param nrSegs - number of segments
 * @returns the iterator, or a negative errno: `-EINVAL` for more than `UIO_MAXIOV` segments or a negative
 * length, `-EFAULT` if the array or any segment is outside user space
 * @remarks A single segment becomes a UBUF iterator (`__import_iovec_ubuf`), so `preadv` with one iovec
 * behaves exactly like `pread`. Lengths are truncated so that the total stays within `MAX_RW_COUNT`.
 */
export function importIovec(
  dir: IterDir,
  mm: MmStruct,
  uvec: number | readonly Iovec[],
  nrSegs: number,
): IovIter | number {
  if (nrSegs > UIO_MAXIOV || nrSegs < 0) return -EINVAL;
  let iov: Iovec[];
  if (typeof uvec === 'number') {
    const r = readIovecs(mm, uvec, nrSegs);
    if (typeof r === 'number') return r;
    iov = r;
  } else {
    if (uvec.length < nrSegs) return -EFAULT;
    iov = [];
    for (let k = 0; k < nrSegs; k++) {
      const v = uvec[k] as Iovec;
      if (v.iovLen < 0) return -EINVAL;
      iov.push({ iovBase: v.iovBase, iovLen: v.iovLen });
    }
  }
  if (nrSegs === 1) {
    const v = iov[0] as Iovec;
    let len = v.iovLen;
    if (!accessOk(v.iovBase, len)) return -EFAULT;
    if (len > MAX_RW_COUNT) len = MAX_RW_COUNT;
    return iovIterUbuf(dir, mm, v.iovBase, len);
  }
  let total = 0;
  for (const v of iov) {
    let len = v.iovLen;
    if (len > MAX_RW_COUNT - total) {
      len = MAX_RW_COUNT - total;
      v.iovLen = len;
    }
    if (!accessOk(v.iovBase, len)) return -EFAULT;
    total += len;
  }
  return iovIterInit(dir, mm, iov, nrSegs, total);
}
