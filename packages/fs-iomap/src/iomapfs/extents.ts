/**
 * The in-core extent map of an iomapfs inode (the role of `fs/ext4/extents.c` for ext4): a sorted list of
 * non-overlapping extents with lookup, insertion into holes, unwritten→written conversion and removal.
 * @packageDocumentation
 */
import { IOMAP_HOLE, IOMAP_MAPPED, IOMAP_UNWRITTEN } from '../iomap.js';
import { IOMAPFS_MAX_EXTENT_LEN, type IomapfsExtent } from './iomapfs.js';

/** A run of physical blocks (allocated, or removed from a file). */
export interface BlockRun {
  /** First block. */
  pblk: number;
  /** Blocks (≥ 1). */
  len: number;
}

/** The answer of {@link IomapfsExtentMap.map}: a run of blocks in one state. */
export interface ExtentMapping {
  /** State of the run: `IOMAP_HOLE`, `IOMAP_MAPPED` or `IOMAP_UNWRITTEN`. */
  state: number;
  /** First logical block. */
  lblk: number;
  /** First physical block (-1 for a hole). */
  pblk: number;
  /** Blocks in the run (≥ 1). */
  len: number;
}

/**
 * A sorted extent list.
 * @remarks Lookups are binary searches; changes split and re-merge neighbours so that adjacent extents with
 * contiguous physical blocks and the same state always coalesce (which keeps the on-disk list short).
 */
export class IomapfsExtentMap {
  /** The extents, sorted by `lblk`, non-overlapping. */
  readonly extents: IomapfsExtent[];

  /** @param extents - initial extents (sorted, non-overlapping; checked by fsck, not here) */
  constructor(extents: IomapfsExtent[] = []) {
    this.extents = extents;
  }

  /** Number of extents. */
  get count(): number {
    return this.extents.length;
  }

  /**
   * Binary search.
   * @returns the index of the extent containing `lblk`, or `-(i + 1)` where `i` is the index of the first
   * extent after `lblk`
   */
  find(lblk: number): number {
    const ex = this.extents;
    let lo = 0;
    let hi = ex.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const e = ex[mid] as IomapfsExtent;
      if (lblk < e.lblk) hi = mid - 1;
      else if (lblk >= e.lblk + e.len) lo = mid + 1;
      else return mid;
    }
    return -(lo + 1);
  }

  /**
   * The run of blocks starting at `lblk`, at most `maxLen` long, in one state.
   * @param lblk - first logical block
   * @param maxLen - longest answer wanted (≥ 1)
   * @param out - filled and returned (no allocation on the hot path)
   */
  map(lblk: number, maxLen: number, out: ExtentMapping): ExtentMapping {
    const i = this.find(lblk);
    out.lblk = lblk;
    if (i >= 0) {
      const e = this.extents[i] as IomapfsExtent;
      out.state = e.unwritten ? IOMAP_UNWRITTEN : IOMAP_MAPPED;
      out.pblk = e.pblk + (lblk - e.lblk);
      out.len = Math.min(maxLen, e.lblk + e.len - lblk);
      return out;
    }
    const next = this.extents[-i - 1];
    out.state = IOMAP_HOLE;
    out.pblk = -1;
    out.len = next === undefined ? maxLen : Math.min(maxLen, next.lblk - lblk);
    return out;
  }

  /**
   * Inserts a newly allocated run into a hole, merging it with contiguous neighbours of the same state.
   * @param lblk - first logical block (must be a hole for `len` blocks)
   * @param len - blocks
   * @param pblk - first physical block
   * @param unwritten - allocated as unwritten
   * @throws RangeError if the run overlaps an existing extent (a filesystem bug)
   */
  insert(lblk: number, len: number, pblk: number, unwritten: boolean): void {
    const i = this.find(lblk);
    if (i >= 0) throw new RangeError(`iomapfs: extent insert at ${lblk} overlaps an extent`);
    const at = -i - 1;
    const next = this.extents[at];
    if (next !== undefined && next.lblk < lblk + len) {
      throw new RangeError(`iomapfs: extent insert [${lblk}, +${len}) overlaps extent at ${next.lblk}`);
    }
    this.extents.splice(at, 0, { lblk, len, pblk, unwritten });
    this.mergeAt(at);
  }

  /**
   * Marks `[lblk, lblk + len)` written (unwritten extents in the range become written; holes are ignored).
   * @returns the number of blocks converted
   */
  markWritten(lblk: number, len: number): number {
    let converted = 0;
    this.splitAt(lblk);
    this.splitAt(lblk + len);
    let i = this.find(lblk);
    if (i < 0) i = -i - 1;
    const first = i;
    for (; i < this.extents.length; i++) {
      const e = this.extents[i] as IomapfsExtent;
      if (e.lblk >= lblk + len) break;
      if (e.unwritten) {
        e.unwritten = false;
        converted += e.len;
      }
    }
    this.mergeRange(first, i);
    return converted;
  }

  /**
   * Marks `[lblk, lblk + len)` unwritten (written extents in the range become unwritten: `FALLOC_FL_ZERO_RANGE`).
   * @returns the number of blocks converted
   */
  markUnwritten(lblk: number, len: number): number {
    let converted = 0;
    this.splitAt(lblk);
    this.splitAt(lblk + len);
    let i = this.find(lblk);
    if (i < 0) i = -i - 1;
    const first = i;
    for (; i < this.extents.length; i++) {
      const e = this.extents[i] as IomapfsExtent;
      if (e.lblk >= lblk + len) break;
      if (!e.unwritten) {
        e.unwritten = true;
        converted += e.len;
      }
    }
    this.mergeRange(first, i);
    return converted;
  }

  /**
   * Removes `[lblk, lblk + len)` from the map (truncate, punch hole).
   * @returns the physical runs that were removed, for the allocator to free
   */
  remove(lblk: number, len: number): BlockRun[] {
    const freed: BlockRun[] = [];
    this.splitAt(lblk);
    this.splitAt(lblk + len);
    let i = this.find(lblk);
    if (i < 0) i = -i - 1;
    let j = i;
    while (j < this.extents.length && (this.extents[j] as IomapfsExtent).lblk < lblk + len) {
      const e = this.extents[j] as IomapfsExtent;
      freed.push({ pblk: e.pblk, len: e.len });
      j++;
    }
    this.extents.splice(i, j - i);
    return freed;
  }

  /** The first logical block past the last extent (0 when empty). */
  end(): number {
    const last = this.extents[this.extents.length - 1];
    return last === undefined ? 0 : last.lblk + last.len;
  }

  /** Physical block of the last block of the last extent, or -1 (an allocation goal). */
  lastPblk(): number {
    const last = this.extents[this.extents.length - 1];
    return last === undefined ? -1 : last.pblk + last.len - 1;
  }

  /** Blocks mapped in total. */
  mappedBlocks(): number {
    let n = 0;
    for (const e of this.extents) n += e.len;
    return n;
  }

  /** Makes `lblk` an extent boundary, splitting the extent that strictly contains it. */
  private splitAt(lblk: number): void {
    const i = this.find(lblk);
    if (i < 0) return;
    const e = this.extents[i] as IomapfsExtent;
    if (e.lblk === lblk) return;
    const head = lblk - e.lblk;
    const tail: IomapfsExtent = { lblk, len: e.len - head, pblk: e.pblk + head, unwritten: e.unwritten };
    e.len = head;
    this.extents.splice(i + 1, 0, tail);
  }

  private mergeable(a: IomapfsExtent, b: IomapfsExtent): boolean {
    return (
      a.lblk + a.len === b.lblk &&
      a.pblk + a.len === b.pblk &&
      a.unwritten === b.unwritten &&
      a.len + b.len <= IOMAPFS_MAX_EXTENT_LEN
    );
  }

  private mergeAt(i: number): void {
    this.mergeRange(i, i + 1);
  }

  /** Merges extents in `[from - 1, to]` with their right neighbours where possible. */
  private mergeRange(from: number, to: number): void {
    let i = Math.max(0, from - 1);
    let end = Math.min(to, this.extents.length - 1);
    while (i < end) {
      const a = this.extents[i] as IomapfsExtent;
      const b = this.extents[i + 1] as IomapfsExtent;
      if (this.mergeable(a, b)) {
        a.len += b.len;
        this.extents.splice(i + 1, 1);
        end--;
      } else {
        i++;
      }
    }
  }
}
