/**
 * Tags (block/blk-mq-tag.c): per hardware queue, a fixed set of preallocated requests.
 * @packageDocumentation
 */
import type { Request } from './blk-mq-types.js';

/**
 * Models `BLK_MQ_NO_TAG` (block/blk-mq.h): no tag could be had.
 */
export const BLK_MQ_NO_TAG = -1;

/**
 * Models `struct blk_mq_tags` (block/blk-mq-tag.c): the free tags of one hardware queue, the
 * preallocated requests (`static_rqs`) and those in flight (`rqs`).
 */
export class BlkMqTags {
  /** `nr_tags`. */
  readonly nrTags: number;
  /** `nr_reserved_tags`. */
  readonly nrReservedTags: number;
  /** `static_rqs`: one preallocated request per tag, filled by blk-mq. */
  readonly staticRqs: Request[] = [];
  /** `rqs`: the request holding each tag, while allocated. */
  readonly rqs: (Request | undefined)[];
  /** Free tags (a stack: the most recently freed tag is reused first, like a warm sbitmap word). */
  private readonly free: Int32Array;
  private nfree: number;
  /**
   * Continuations waiting for a tag (`blk_mq_get_tag()` sleeping on `bt_wait_ptr`), FIFO from `waitHead`: a
   * writeback burst can queue thousands, and `Array.shift()` would make each wakeup O(waiters).
   */
  private waiters: ((tag: number) => void)[] = [];
  private waitHead = 0;

  /**
   * @param nrTags - tags (queue depth)
   * @param nrReservedTags - of which reserved
   */
  constructor(nrTags: number, nrReservedTags = 0) {
    this.nrTags = nrTags;
    this.nrReservedTags = nrReservedTags;
    this.rqs = new Array<Request | undefined>(nrTags).fill(undefined);
    this.free = new Int32Array(nrTags);
    for (let t = 0; t < nrTags; t++) this.free[t] = nrTags - 1 - t;
    this.nfree = nrTags;
  }

  /** Tags in use. */
  get busy(): number {
    return this.nrTags - this.nfree;
  }

  /**
   * Models `blk_mq_get_tag()` without sleeping (`BLK_MQ_REQ_NOWAIT`).
   * @returns a tag, or {@link BLK_MQ_NO_TAG}
   */
  getTag(): number {
    if (this.nfree === 0) return BLK_MQ_NO_TAG;
    return this.free[--this.nfree] as number;
  }

  /**
   * Models the sleeping part of `blk_mq_get_tag()`: run `fn` with a tag as soon as one is freed.
   * @param fn - continuation
   */
  waitTag(fn: (tag: number) => void): void {
    this.waiters.push(fn);
  }

  /** Waiters queued. */
  get waiting(): number {
    return this.waiters.length - this.waitHead;
  }

  /**
   * Models `blk_mq_put_tag()`: free a tag. If a submitter waits, the tag passes to it instead.
   * @param tag - the tag
   * @returns the waiter that now owns the tag (the caller wakes it, as `sbitmap_queue_clear()` wakes
   * a sleeper), or undefined if the tag went back to the free set
   */
  putTag(tag: number): ((tag: number) => void) | undefined {
    if (this.waitHead < this.waiters.length) {
      const w = this.waiters[this.waitHead++] as (tag: number) => void;
      if (this.waitHead === this.waiters.length) {
        this.waiters = [];
        this.waitHead = 0;
      } else if (this.waitHead >= 1024 && this.waitHead * 2 >= this.waiters.length) {
        this.waiters = this.waiters.slice(this.waitHead);
        this.waitHead = 0;
      }
      return w;
    }
    this.free[this.nfree++] = tag;
    return undefined;
  }
}
