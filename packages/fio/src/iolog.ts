/**
 * The log of written blocks that verify reads back (`log_io_piece()`, `get_next_verify()` in iolog.c and
 * verify.c).
 * @packageDocumentation
 */
import type { FioFile } from './fio-file.js';

/** Models `IP_F_IN_FLIGHT` (iolog.h). */
export const IP_F_IN_FLIGHT = 1;

/** Models `struct io_piece` (iolog.h): one written block. */
export interface IoPiece {
  /** Its file. */
  readonly file: FioFile;
  /** Offset. */
  readonly offset: number;
  /** Length. */
  readonly len: number;
  /** Write sequence number. */
  readonly numberio: number;
  /** `IP_F_*`. */
  flags: number;
}

/**
 * Models fio's `io_hist_list` / `io_hist_tree`: with a random map, blocks are read back in write order;
 * otherwise they are kept sorted by file and offset, a newer write replacing any older one it overlaps
 * (an rb-tree in fio).
 */
export class IoHistory {
  private list: IoPiece[] = [];
  private head = 0;

  /** @param ordered - keep write order (random map on) instead of offset order */
  constructor(private readonly ordered: boolean) {}

  /** Entries waiting (`io_hist_len`). */
  get length(): number {
    return this.list.length - this.head;
  }

  /** Models `log_io_piece()` (iolog.c). */
  log(p: IoPiece): void {
    if (this.ordered) {
      this.list.push(p);
      return;
    }
    this.compact();
    const l = this.list;
    const key = (x: IoPiece): number => x.file.fileno * 2 ** 48 + x.offset;
    // binary search for the insert position
    let lo = 0;
    let hi = l.length;
    const k = key(p);
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (key(l[mid] as IoPiece) < k) lo = mid + 1;
      else hi = mid;
    }
    // drop overlapping entries of the same file on both sides
    let start = lo;
    while (start > 0) {
      const prev = l[start - 1] as IoPiece;
      if (prev.file === p.file && prev.offset + prev.len > p.offset) start--;
      else break;
    }
    let end = lo;
    while (end < l.length) {
      const next = l[end] as IoPiece;
      if (next.file === p.file && next.offset < p.offset + p.len) end++;
      else break;
    }
    l.splice(start, end - start, p);
  }

  /** Models `unlog_io_piece()`: removes an entry whose write failed. */
  unlog(p: IoPiece): void {
    const i = this.list.indexOf(p, this.head);
    if (i >= 0) this.list.splice(i, 1);
  }

  /**
   * Models the pop of `get_next_verify()` (verify.c): the first entry, unless its write is still in flight.
   * @returns the entry, or undefined
   */
  next(): IoPiece | undefined {
    const p = this.list[this.head];
    if (p === undefined || (p.flags & IP_F_IN_FLIGHT) !== 0) return undefined;
    this.head++;
    if (this.head > 4096 && this.head * 2 > this.list.length) this.compact();
    return p;
  }

  /** Models `prune_io_piece_log()`: forgets everything. */
  clear(): void {
    this.list = [];
    this.head = 0;
  }

  private compact(): void {
    if (this.head > 0) {
      this.list = this.list.slice(this.head);
      this.head = 0;
    }
  }
}
