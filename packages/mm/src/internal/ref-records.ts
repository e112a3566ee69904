/**
 * The pin sanitizer's reference records, stored for cheap recording and dropping: a struct-of-arrays pool of
 * records recycled through a free list, per-page record lists and per-folio live counts in typed arrays chunked
 * by memory section, page lists only for large folios, and per-owner page lists threaded through the records.
 * @internal
 * @packageDocumentation
 */
import { PFN_SECTION_SHIFT } from '../page-types.js';
import type { RefOwner } from '../ref-owner.js';
import type { MemMap } from './mem-map.js';

/** Something that knows where it maps pages (an mm), for stranded-pin checks. */
export type MmKey = object;

/** "No record": the end of a list. */
export const NIL = -1;

const CHUNK_SHIFT = PFN_SECTION_SHIFT;
const CHUNK = 1 << CHUNK_SHIFT;
const CHUNK_MASK = CHUNK - 1;
const INITIAL_CAPACITY = 256;

/** An owner's page list: its first anchor ({@link NIL}: empty). */
interface OwnerPages {
  head: number;
}

/**
 * Reference records of the pin sanitizer (stackemu's; the kernel has none).
 *
 * @remarks A record is an index into the field arrays (`kind`, `n`, `owner`, ...), recycled once dropped.
 *
 * Each page's records form a list in the order they were taken ({@link RefRecords.first}, `next`). Per page, a
 * chunk slot holds 0 (no record since its folio was allocated), 1 (it had some, none left) or the first record
 * + 2; the chunk's second half holds the live-record count of each folio head. Pages that had records are
 * listed per folio only for large folios (an order-0 folio's only page is its head), in the order they first
 * had one; everything a folio had goes when it is freed ({@link RefRecords.forgetFolio}).
 *
 * Each owner has a page list: the pages it holds records on, in the order it took the first of them (a page
 * whose last record of the owner went leaves it, and joins at the end when the owner takes one again). A page
 * is represented by one of the owner's records on it, its anchor; a circular list links the anchors
 * (`onext`/`oprev`), and the owner's entry (weakly keyed: it goes with the owner) holds the first.
 * {@link RefRecords.detachOwner} empties a list: records kept on its pages no longer represent them.
 */
export class RefRecords {
  /** Reference kind (REF_GET / REF_PIN) per record. */
  kind = new Uint8Array(INITIAL_CAPACITY);
  /** Pages' worth of references held, per record. */
  n = new Float64Array(INITIAL_CAPACITY);
  /** User address the reference was taken at (-1: none), per record. */
  addr = new Float64Array(INITIAL_CAPACITY);
  /** 1 once the record was reported (leak, stranded), per record. */
  reported = new Uint8Array(INITIAL_CAPACITY);
  /** The next record on the same page (or in the free list), {@link NIL} at the end. */
  next = new Int32Array(INITIAL_CAPACITY);
  /** Owner per record. */
  readonly owner: (RefOwner | undefined)[] = [];
  /** Kernel function that took the reference, per record. */
  readonly fn: string[] = [];
  /** The mm the reference was taken through (anon pages only), per record. */
  readonly mm: (MmKey | undefined)[] = [];
  /** Call stack of the taker (sanitizer_stacks), per record. */
  readonly stack: (Error | undefined)[] = [];

  /** The page a record is on. */
  private page = new Int32Array(INITIAL_CAPACITY);
  /** Next anchor in the owner's circular page list. */
  private onext = new Int32Array(INITIAL_CAPACITY);
  /** Previous anchor in the owner's circular page list. */
  private oprev = new Int32Array(INITIAL_CAPACITY);
  private capacity = INITIAL_CAPACITY;
  /** Records ever allocated (the high-water mark of the pool). */
  private used = 0;
  private freeList = NIL;
  /** Per section: page slots, then folio-head live counts. */
  private readonly chunks: (Int32Array | undefined)[] = [];
  /** Pages that had records, per large-folio head, oldest first (kept until the folio is freed). */
  private readonly largeFolioPages = new Map<number, number[]>();
  /** Each owner's page list. */
  private readonly ownerLists = new WeakMap<RefOwner, OwnerPages>();
  /** The owner page list a record is the anchor in, per record (undefined: it is no anchor). */
  private readonly olist: (OwnerPages | undefined)[] = [];

  /** @param mem - the memory map (folio orders) */
  constructor(private readonly mem: MemMap) {}

  /** The first record on `pfn`, or {@link NIL}. */
  first(pfn: number): number {
    const c = this.chunks[pfn >>> CHUNK_SHIFT];
    if (c === undefined) return NIL;
    const v = c[pfn & CHUNK_MASK] as number;
    return v > 1 ? v - 2 : NIL;
  }

  /** Records on the folio of head `h`. */
  live(h: number): number {
    const c = this.chunks[h >>> CHUNK_SHIFT];
    return c === undefined ? 0 : (c[CHUNK + (h & CHUNK_MASK)] as number);
  }

  /**
   * The pages of the large folio of head `h` that had records since it was allocated, oldest first; undefined
   * for an order-0 folio (its only page is `h`) or a large folio none of whose pages had one.
   */
  folioPages(h: number): readonly number[] | undefined {
    return this.largeFolioPages.size === 0 ? undefined : this.largeFolioPages.get(h);
  }

  /** Whether record `r` stands for its page in its owner's page list. */
  isAnchor(r: number): boolean {
    return this.olist[r] !== undefined;
  }

  /**
   * A new record appended to page `pfn`'s list (folio head `h`), after `tail` (its last record, {@link NIL} if
   * it has none).
   * @param join - the page joins the owner's page list (no record of the owner on it stands for it yet)
   * @returns the record
   */
  append(
    pfn: number,
    h: number,
    tail: number,
    kind: number,
    n: number,
    owner: RefOwner | undefined,
    fn: string,
    stack: Error | undefined,
    mm: MmKey | undefined,
    addr: number,
    join: boolean,
  ): number {
    let r = this.freeList;
    if (r !== NIL) {
      this.freeList = this.next[r] as number;
      this.owner[r] = owner;
      this.fn[r] = fn;
      this.mm[r] = mm;
      this.stack[r] = stack;
    } else {
      r = this.used++;
      if (r === this.capacity) this.grow();
      this.owner.push(owner);
      this.fn.push(fn);
      this.mm.push(mm);
      this.stack.push(stack);
      this.olist.push(undefined);
    }
    this.kind[r] = kind;
    this.n[r] = n;
    this.addr[r] = addr;
    this.reported[r] = 0;
    this.next[r] = NIL;
    this.page[r] = pfn;
    const ci = pfn >>> CHUNK_SHIFT;
    let c = this.chunks[ci];
    if (c === undefined) {
      c = new Int32Array(2 * CHUNK);
      this.chunks[ci] = c;
    }
    if (tail !== NIL) this.next[tail] = r;
    else {
      const i = pfn & CHUNK_MASK;
      if (c[i] === 0 && (h !== pfn || this.mem.folioOrder(h) > 0)) this.touchLarge(h, pfn);
      c[i] = r + 2;
    }
    const hc = h >>> CHUNK_SHIFT === ci ? c : this.chunk(h);
    hc[CHUNK + (h & CHUNK_MASK)] = (hc[CHUNK + (h & CHUNK_MASK)] as number) + 1;
    if (owner !== undefined && join) this.ownerLink(owner, r);
    return r;
  }

  /**
   * Unlinks record `r` from page `pfn` (of folio head `h`), `prev` being the record before it, and frees it.
   * If it stood for the page in its owner's page list, another record of the owner on the page takes its place,
   * or the page leaves the list.
   */
  remove(pfn: number, h: number, r: number, prev: number): void {
    const nx = this.next[r] as number;
    if (prev !== NIL) this.next[prev] = nx;
    else (this.chunks[pfn >>> CHUNK_SHIFT] as Int32Array)[pfn & CHUNK_MASK] = nx === NIL ? 1 : nx + 2;
    if (this.olist[r] !== undefined) {
      const o = this.owner[r];
      let r2 = this.first(pfn);
      while (r2 !== NIL && this.owner[r2] !== o) r2 = this.next[r2] as number;
      if (r2 !== NIL) this.ownerReplace(r, r2);
      else this.ownerUnlink(r);
    }
    this.release(r);
    const hc = this.chunks[h >>> CHUNK_SHIFT];
    if (hc !== undefined) hc[CHUNK + (h & CHUNK_MASK)] = (hc[CHUNK + (h & CHUNK_MASK)] as number) - 1;
  }

  /** Frees every record of page `pfn` and forgets the page had any (its folio is being freed). */
  clearPage(pfn: number): void {
    const c = this.chunks[pfn >>> CHUNK_SHIFT];
    if (c === undefined) return;
    const i = pfn & CHUNK_MASK;
    const v = c[i] as number;
    c[i] = 0;
    for (let r = v > 1 ? v - 2 : NIL; r !== NIL;) {
      const nx = this.next[r] as number;
      if (this.olist[r] !== undefined) this.ownerUnlink(r);
      this.release(r);
      r = nx;
    }
  }

  /** Forgets the folio of head `h` (after {@link RefRecords.clearPage} of its pages): no pages, no live count. */
  forgetFolio(h: number): void {
    if (this.largeFolioPages.size !== 0) this.largeFolioPages.delete(h);
    const c = this.chunks[h >>> CHUNK_SHIFT];
    if (c !== undefined) c[CHUNK + (h & CHUNK_MASK)] = 0;
  }

  /** The pages `owner` holds records on, in its page-list order; undefined if none. */
  ownerPages(owner: RefOwner): number[] | undefined {
    const l = this.ownerLists.get(owner);
    if (l === undefined || l.head === NIL) return undefined;
    const pages: number[] = [];
    let a = l.head;
    do {
      pages.push(this.page[a] as number);
      a = this.onext[a] as number;
    } while (a !== l.head);
    return pages;
  }

  /**
   * Empties `owner`'s page list (the owner ended): its records no longer stand for their pages; a record the
   * owner takes later starts the list again.
   * @returns the pages the list had, in order; undefined if none
   */
  detachOwner(owner: RefOwner): number[] | undefined {
    const l = this.ownerLists.get(owner);
    if (l === undefined || l.head === NIL) return undefined;
    const pages: number[] = [];
    let a = l.head;
    do {
      pages.push(this.page[a] as number);
      this.olist[a] = undefined;
      a = this.onext[a] as number;
    } while (a !== l.head);
    l.head = NIL;
    return pages;
  }

  /** Appends record `r` (on a page not in the list) to `owner`'s page list. */
  private ownerLink(owner: RefOwner, r: number): void {
    let l = this.ownerLists.get(owner);
    if (l === undefined) {
      l = { head: NIL };
      this.ownerLists.set(owner, l);
    }
    this.olist[r] = l;
    const head = l.head;
    if (head === NIL) {
      this.onext[r] = r;
      this.oprev[r] = r;
      l.head = r;
      return;
    }
    const tail = this.oprev[head] as number;
    this.onext[tail] = r;
    this.oprev[r] = tail;
    this.onext[r] = head;
    this.oprev[head] = r;
  }

  /** Takes anchor `r` out of its owner's page list. */
  private ownerUnlink(r: number): void {
    const l = this.olist[r] as OwnerPages;
    const nx = this.onext[r] as number;
    if (nx === r) l.head = NIL;
    else {
      const pv = this.oprev[r] as number;
      this.onext[pv] = nx;
      this.oprev[nx] = pv;
      if (l.head === r) l.head = nx;
    }
    this.olist[r] = undefined;
  }

  /** Record `r2` (same owner, same page) takes anchor `r`'s place in its owner's page list. */
  private ownerReplace(r: number, r2: number): void {
    const l = this.olist[r] as OwnerPages;
    const nx = this.onext[r] as number;
    if (nx === r) {
      this.onext[r2] = r2;
      this.oprev[r2] = r2;
    } else {
      const pv = this.oprev[r] as number;
      this.onext[pv] = r2;
      this.oprev[r2] = pv;
      this.onext[r2] = nx;
      this.oprev[nx] = r2;
    }
    if (l.head === r) l.head = r2;
    this.olist[r2] = l;
    this.olist[r] = undefined;
  }

  private chunk(pfn: number): Int32Array {
    const ci = pfn >>> CHUNK_SHIFT;
    let c = this.chunks[ci];
    if (c === undefined) {
      c = new Int32Array(2 * CHUNK);
      this.chunks[ci] = c;
    }
    return c;
  }

  private touchLarge(h: number, pfn: number): void {
    const l = this.largeFolioPages.get(h);
    if (l === undefined) this.largeFolioPages.set(h, [pfn]);
    else l.push(pfn);
  }

  private release(r: number): void {
    this.owner[r] = undefined;
    this.mm[r] = undefined;
    this.stack[r] = undefined;
    this.next[r] = this.freeList;
    this.freeList = r;
  }

  private grow(): void {
    const cap = this.capacity * 2;
    this.kind = grown(new Uint8Array(cap), this.kind);
    this.n = grown(new Float64Array(cap), this.n);
    this.addr = grown(new Float64Array(cap), this.addr);
    this.reported = grown(new Uint8Array(cap), this.reported);
    this.next = grown(new Int32Array(cap), this.next);
    this.page = grown(new Int32Array(cap), this.page);
    this.onext = grown(new Int32Array(cap), this.onext);
    this.oprev = grown(new Int32Array(cap), this.oprev);
    this.capacity = cap;
  }
}

/** `to` with `from` copied in. */
function grown<T extends Uint8Array | Int32Array | Float64Array>(to: T, from: T): T {
  to.set(from);
  return to;
}
