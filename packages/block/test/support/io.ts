/** Helpers to drive I/O in virtual time. */
import {
  iovIterInit,
  importIovec,
  ITER_DEST,
  ITER_SOURCE,
  blkdevDirectIO,
  type BlkKiocb,
  type Iovec,
  type IovIter,
} from '@stackemu/block';
import type { TestRig } from './machine.js';

/** Runs the machine until idle and returns what `p` resolved to. */
export async function settle<T>(r: TestRig, p: T | Promise<T>): Promise<T> {
  const done = Promise.resolve(p);
  await r.machine.scheduler.run();
  return done;
}

/** A sync kiocb at `pos` (O_DIRECT). */
export function kiocb(pos: number, flags = 1 << 17): BlkKiocb {
  return { kiPos: pos, kiFlags: flags, kiIoprio: 0 };
}

/** Direct read/write of user iovecs on the rig's disk; async when `async`. */
export async function dio(
  r: TestRig,
  write: boolean,
  iov: readonly Iovec[],
  pos: number,
  async = false,
): Promise<number> {
  const it = importIovec(write ? ITER_SOURCE : ITER_DEST, r.mm, iov, iov.length) as IovIter;
  return dioIter(r, it, pos, async);
}

/** Direct I/O of an iterator on the rig's disk. */
export async function dioIter(r: TestRig, it: IovIter, pos: number, async = false): Promise<number> {
  const k = kiocb(pos);
  if (!async) return settle(r, blkdevDirectIO(k, it, r.bdev));
  const d = r.machine.scheduler.defer<number>();
  k.kiComplete = (_k, res) => {
    d.resolve(res);
  };
  const ret = await blkdevDirectIO(k, it, r.bdev);
  if (ret !== -529) return ret;
  return settle(r, d.promise);
}

const next = new WeakMap<object, number>();

/** Maps anonymous memory at an address this helper chooses (MAP_FIXED_NOREPLACE), with a guard page. */
export function mapAnon(mm: { mmap(a: number, l: number, p: number, f: number): number }, len: number): number {
  const size = Math.ceil(len / 4096) * 4096;
  const at = next.get(mm) ?? 0x1000_0000;
  next.set(mm, at + size + 4096);
  const a = mm.mmap(at, size, 3, 0x22 | 0x100000);
  if (a !== at) throw new Error(`mmap at 0x${at.toString(16)} failed: ${a}`);
  return a;
}

/** Maps `len` bytes, filled with `fill` when given. */
export function buf(r: TestRig, len: number, fill?: number | Uint8Array): number {
  const a = mapAnon(r.mm, len);
  if (fill !== undefined) {
    const data = typeof fill === 'number' ? new Uint8Array(len).fill(fill) : fill;
    r.mm.copyToUser(a, data, 0, data.length);
  }
  return a;
}

/** Reads user memory. */
export function peek(r: TestRig, addr: number, len: number): Uint8Array {
  const b = new Uint8Array(len);
  r.mm.copyFromUser(b, 0, addr, len);
  return b;
}

export { iovIterInit };
