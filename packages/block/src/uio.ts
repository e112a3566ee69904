/**
 * `struct iov_iter` and its inline helpers (include/linux/uio.h).
 * @packageDocumentation
 */
import type { MmStruct } from './internal/mm.js';
import type { BioVec } from './blk-types.js';

/** Models `ITER_UBUF` (enum iter_type, include/linux/uio.h): one user buffer. */
export const ITER_UBUF = 0;
/** Models `ITER_IOVEC` (enum iter_type): an array of user `iovec`s. */
export const ITER_IOVEC = 1;
/** Models `ITER_BVEC` (enum iter_type): an array of `bio_vec`s (kernel pages). */
export const ITER_BVEC = 2;
/** Models `ITER_KVEC` (enum iter_type): an array of kernel `kvec`s (direct-map addresses). */
export const ITER_KVEC = 3;
/** Models `ITER_FOLIOQ` (enum iter_type): a chain of `folio_queue` segments. */
export const ITER_FOLIOQ = 4;
/** Models `ITER_XARRAY` (enum iter_type): folios of an xarray. Not supported by this model (use FOLIOQ). */
export const ITER_XARRAY = 5;
/** Models `ITER_DISCARD` (enum iter_type): a sink that only counts. */
export const ITER_DISCARD = 6;

/** Models `ITER_SOURCE` (include/linux/uio.h): the iterator is a data source (a write; `WRITE`). */
export const ITER_SOURCE = 1;
/** Models `ITER_DEST` (include/linux/uio.h): the iterator is a destination (a read; `READ`). */
export const ITER_DEST = 0;
/** Models `READ` (include/linux/kernel.h). */
export const READ = 0;
/** Models `WRITE` (include/linux/kernel.h). */
export const WRITE = 1;

/** Models `UIO_MAXIOV` (include/uapi/linux/uio.h): the most segments a vector may have. */
export const UIO_MAXIOV = 1024;
/** Models `UIO_FASTIOV` (include/uapi/linux/uio.h). */
export const UIO_FASTIOV = 8;
/** Models `MAX_RW_COUNT` (include/linux/fs.h): `INT_MAX & PAGE_MASK`, the largest single read or write. */
export const MAX_RW_COUNT = 0x7ffff000;

/** Models `ITER_ALLOW_P2PDMA` (include/linux/uio.h): extraction flag allowing P2PDMA pages. */
export const ITER_ALLOW_P2PDMA = 0x01;

/** The direction of an iterator: {@link ITER_SOURCE} or {@link ITER_DEST}. */
export type IterDir = typeof ITER_SOURCE | typeof ITER_DEST;

/** The type of an iterator: one of the `ITER_*` type constants. */
export type IterType =
  | typeof ITER_UBUF
  | typeof ITER_IOVEC
  | typeof ITER_BVEC
  | typeof ITER_KVEC
  | typeof ITER_FOLIOQ
  | typeof ITER_XARRAY
  | typeof ITER_DISCARD;

/** Models `struct iovec` (include/uapi/linux/uio.h): a user address range. */
export interface Iovec {
  /** User virtual address. */
  iovBase: number;
  /** Length in bytes. */
  iovLen: number;
}

/**
 * Models `struct kvec` (include/linux/uio.h): a kernel address range.
 * @remarks Kernel addresses are direct-map addresses: in this model the direct map is the identity, so
 * `iovBase` is a physical address and `virt_to_page(a)` is `a >> PAGE_SHIFT`.
 */
export interface Kvec {
  /** Kernel (direct-map) address. */
  iovBase: number;
  /** Length in bytes. */
  iovLen: number;
}

/**
 * Models `struct folio_queue` (include/linux/folio_queue.h): a segment of a chain of folios.
 */
export interface FolioQueue {
  /** Next segment, or undefined at the end of the chain. */
  next: FolioQueue | undefined;
  /** Previous segment, or undefined at the start. */
  prev: FolioQueue | undefined;
  /** Head pfn of each folio in this segment. */
  folios: number[];
  /** Order of each folio (`folioq->orders[]`); size is `PAGE_SIZE << order`. */
  orders: number[];
}

const EMPTY: readonly never[] = Object.freeze([]);

/**
 * Models `struct iov_iter` (include/linux/uio.h): a position in a list of memory segments and a byte count.
 *
 * @remarks Build one with the factories (`iovIterUbuf`, `iovIterInit`, `iovIterKvec`, `iovIterBvec`,
 * `iovIterFolioq`, `iovIterDiscard`, `importUbuf`, `importIovec`) and move it with the `iovIter*`
 * functions. The segment arrays are the caller's (as in the kernel) and must outlive the iterator.
 * User-backed iterators carry the address space they address (`mm`).
 */
export class IovIter {
  /** `iter_type`. */
  iterType: IterType;
  /** `data_source`: true for {@link ITER_SOURCE}. */
  dataSource: boolean;
  /** `nofault`: GUP with `FOLL_NOFAULT`. */
  nofault = false;
  /** `user_backed`: set only by the UBUF and IOVEC constructors. */
  userBacked: boolean;
  /** `iov_offset`: bytes consumed in the current segment (UBUF: from `ubuf`). */
  iovOffset = 0;
  /** `count`: bytes left. */
  count: number;
  /** `nr_segs`: segments left, counting the current one. */
  nrSegs = 0;
  /** Index of the current segment in the array (the kernel moves a pointer instead). */
  segIdx = 0;
  /** UBUF: the user address. */
  ubuf = 0;
  /** IOVEC: the segments. */
  iov: readonly Iovec[] = EMPTY;
  /** KVEC: the segments. */
  kvec: readonly Kvec[] = EMPTY;
  /** BVEC: the segments. */
  bvec: readonly BioVec[] = EMPTY;
  /** FOLIOQ: the current segment of the chain. */
  folioq: FolioQueue | undefined = undefined;
  /** FOLIOQ: the current slot in `folioq`. */
  folioqSlot = 0;
  /** UBUF/IOVEC: the address space the user addresses belong to. */
  mm: MmStruct | undefined;

  /**
   * Use the factories instead.
   * @param type - `ITER_*` type
   * @param dir - {@link ITER_SOURCE} or {@link ITER_DEST}
   * @param count - total bytes
   * @param mm - address space (user-backed types only)
   */
  constructor(type: IterType, dir: IterDir, count: number, mm?: MmStruct) {
    this.iterType = type;
    this.dataSource = dir === ITER_SOURCE;
    this.count = count;
    this.userBacked = type === ITER_UBUF || type === ITER_IOVEC;
    this.mm = mm;
  }
}

/**
 * Gives an iterator the state its constructor would (a new `struct iov_iter` of `type`): the factories' way of
 * refilling an iterator their caller owns.
 * @param i - the iterator
 * @param type - `ITER_*` type
 * @param dir - {@link ITER_SOURCE} or {@link ITER_DEST}
 * @param count - total bytes
 * @param mm - address space (user-backed types only)
 * @internal
 */
export function iovIterReset(i: IovIter, type: IterType, dir: IterDir, count: number, mm: MmStruct | undefined): void {
  i.iterType = type;
  i.dataSource = dir === ITER_SOURCE;
  i.nofault = false;
  i.userBacked = type === ITER_UBUF || type === ITER_IOVEC;
  i.iovOffset = 0;
  i.count = count;
  i.nrSegs = 0;
  i.segIdx = 0;
  i.ubuf = 0;
  i.iov = EMPTY;
  i.kvec = EMPTY;
  i.bvec = EMPTY;
  i.folioq = undefined;
  i.folioqSlot = 0;
  i.mm = mm;
}

/**
 * Models `struct iov_iter_state` (include/linux/uio.h): what `iov_iter_save_state()` records.
 */
export interface IovIterState {
  /** `iov_offset`. */
  readonly iovOffset: number;
  /** `count`. */
  readonly count: number;
  /** `nr_segs`. */
  readonly nrSegs: number;
}

/**
 * Models `iov_iter_count()` (include/linux/uio.h).
 * @param i - the iterator
 * @returns bytes left
 */
export function iovIterCount(i: IovIter): number {
  return i.count;
}

/**
 * Models `user_backed_iter()` (include/linux/uio.h): true for UBUF and IOVEC iterators only.
 * @param i - the iterator
 * @returns the `user_backed` bit
 */
export function iovIterIsUserBacked(i: IovIter): boolean {
  return i.userBacked;
}

/**
 * Models `iov_iter_extract_will_pin()` (include/linux/uio.h): whether `iov_iter_extract_pages()` pins
 * the pages it returns, which the caller must then unpin exactly once.
 * @param i - the iterator
 * @returns `user_backed_iter(i)`
 */
export function iovIterExtractWillPin(i: IovIter): boolean {
  return i.userBacked;
}

/**
 * Models `iov_iter_rw()` (include/linux/uio.h).
 * @param i - the iterator
 * @returns {@link WRITE} for a source, {@link READ} for a destination
 */
export function iovIterRw(i: IovIter): typeof READ | typeof WRITE {
  return i.dataSource ? WRITE : READ;
}

/** Models `iter_is_ubuf()` (include/linux/uio.h). @param i - the iterator @returns true for UBUF */
export function iterIsUbuf(i: IovIter): boolean {
  return i.iterType === ITER_UBUF;
}

/** Models `iter_is_iovec()` (include/linux/uio.h). @param i - the iterator @returns true for IOVEC */
export function iterIsIovec(i: IovIter): boolean {
  return i.iterType === ITER_IOVEC;
}

/** Models `iov_iter_is_bvec()` (include/linux/uio.h). @param i - the iterator @returns true for BVEC */
export function iovIterIsBvec(i: IovIter): boolean {
  return i.iterType === ITER_BVEC;
}

/** Models `iov_iter_is_kvec()` (include/linux/uio.h). @param i - the iterator @returns true for KVEC */
export function iovIterIsKvec(i: IovIter): boolean {
  return i.iterType === ITER_KVEC;
}

/** Models `iov_iter_is_folioq()` (include/linux/uio.h). @param i - the iterator @returns true for FOLIOQ */
export function iovIterIsFolioq(i: IovIter): boolean {
  return i.iterType === ITER_FOLIOQ;
}

/** Models `iov_iter_is_discard()` (include/linux/uio.h). @param i - the iterator @returns true for DISCARD */
export function iovIterIsDiscard(i: IovIter): boolean {
  return i.iterType === ITER_DISCARD;
}

/**
 * Models `iov_iter_truncate()` (include/linux/uio.h): limit the iterator to `count` bytes.
 * @param i - the iterator
 * @param count - new upper bound
 */
export function iovIterTruncate(i: IovIter, count: number): void {
  if (i.count > count) i.count = count;
}

/**
 * Models `iov_iter_reexpand()` (include/linux/uio.h): undo a truncation.
 * @param i - the iterator
 * @param count - the count to restore
 */
export function iovIterReexpand(i: IovIter, count: number): void {
  i.count = count;
}

/**
 * Models `iov_iter_save_state()` (include/linux/uio.h).
 * @param i - the iterator
 * @returns a snapshot for {@link iovIterRestore}
 */
export function iovIterSaveState(i: IovIter): IovIterState {
  return { iovOffset: i.iovOffset, count: i.count, nrSegs: i.nrSegs };
}

/**
 * An out-parameter for a `size_t *` of the kernel (`*start`, `*offset0`): the callee writes `value`.
 */
export interface SizeRef {
  /** The value written by the callee. */
  value: number;
}
