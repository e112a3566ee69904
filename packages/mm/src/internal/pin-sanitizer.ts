/**
 * The pin sanitizer's implementation: reference records per folio, owners, pending DMA writes.
 * @internal
 * @packageDocumentation
 */
import type { Counter, CounterRegistry, Logger, Scheduler, Topic } from '@stackemu/core';
import { PAGES_PER_SECTION } from '../page-types.js';
import type { RefOwner } from '../ref-owner.js';
import type { HeldRefs, Sanitizer } from '../sanitizer.js';
import { SANITIZER_FINDING_KINDS, type SanitizerFinding, type SanitizerFindingKind } from '../sanitizer-finding.js';
import type { MemMap } from './mem-map.js';
import { PG_anon, PG_dirty, PG_locked, PG_writeback } from './page-flags.js';
import { NIL, RefRecords, type MmKey } from './ref-records.js';

export type { MmKey } from './ref-records.js';

/** Reference kinds. */
export const REF_GET = 0;
/** A FOLL_PIN reference. */
export const REF_PIN = 1;

const MAX_FINDINGS = 10_000;
const SECTION_MASK = PAGES_PER_SECTION - 1;
const SANITIZER_GROUP = 'sanitizer';

function ownerName(o: RefOwner | undefined): string {
  return o === undefined ? 'anonymous caller' : o.refOwnerName();
}

/**
 * Records references and reports misuse (see {@link Sanitizer}).
 *
 * @remarks A record per (kind, owner, call, place) on a page, in {@link RefRecords}, which also keeps each
 * owner's pages in the order it first took a reference on them (leak reports follow it). Recording and
 * dropping a reference allocates nothing once the record pool has grown to the references held at once.
 */
export class PinSanitizer implements Sanitizer {
  readonly enabled = true;
  /** The records, per page. */
  private readonly refs: RefRecords;
  private readonly pendingDmaWrite = new Map<number, string>();
  private readonly list: SanitizerFinding[] = [];
  private readonly counters: Map<SanitizerFindingKind, Counter>;
  /** Set by the wiring: whether a mapping id writes back (lost-write checks only make sense then). */
  canWriteback: (mappingId: number) => boolean = () => true;

  /**
   * @param mem - the memory map
   * @param counters - the counter registry (group `sanitizer`)
   * @param sched - virtual time for reports
   * @param tp - the live `mm:pin_sanitizer` topic
   * @param log - the mm logger
   * @param stacks - record a JS call stack per reference and per offending call
   */
  constructor(
    private readonly mem: MemMap,
    counters: CounterRegistry,
    private readonly sched: Scheduler,
    private readonly tp: Topic<SanitizerFinding>,
    private readonly log: Logger,
    private readonly stacks: boolean,
  ) {
    this.refs = new RefRecords(mem);
    this.counters = new Map(
      SANITIZER_FINDING_KINDS.map(
        (k) => [k, counters.counter(SANITIZER_GROUP, k, `pin sanitizer: ${k} reports`)] as const,
      ),
    );
  }

  // ---- recording ------------------------------------------------------------------------------------------

  /** Records `n` FOLL_GET-style references on `pfn`. */
  onGet(pfn: number, n: number, owner: RefOwner | undefined, fn: string, mm: MmKey | undefined, addr: number): void {
    this.add(REF_GET, pfn, n, owner, fn, mm, addr);
  }

  /** Records `n` pins on `pfn`. */
  onPin(pfn: number, n: number, owner: RefOwner | undefined, fn: string, mm: MmKey | undefined, addr: number): void {
    this.add(REF_PIN, pfn, n, owner, fn, mm, addr);
  }

  private add(
    kind: number,
    pfn: number,
    n: number,
    owner: RefOwner | undefined,
    fn: string,
    mm: MmKey | undefined,
    addr: number,
  ): void {
    const R = this.refs;
    // Merge with an identical record (same kind, owner, call, place): keeps repeated references compact.
    let tail = NIL;
    let join = true;
    for (let r = R.first(pfn); r !== NIL; r = R.next[r] as number) {
      const ro = R.owner[r];
      if (
        R.kind[r] === kind &&
        ro === owner &&
        R.fn[r] === fn &&
        R.mm[r] === mm &&
        R.addr[r] === addr &&
        R.reported[r] === 0
      ) {
        R.n[r] = (R.n[r] as number) + n;
        return;
      }
      if (ro === owner && R.isAnchor(r)) join = false;
      tail = r;
    }
    const stack = this.stacks ? new Error('reference taken') : undefined;
    R.append(pfn, this.mem.folioHead(pfn), tail, kind, n, owner, fn, stack, mm, addr, join);
  }

  /**
   * Consumes up to `n` references of `kind` from page `page`'s list (folio head `h`), of `owner` only when
   * `onlyOwner`.
   * @returns consumed
   */
  private takeFrom(
    page: number,
    h: number,
    kind: number,
    n: number,
    owner: RefOwner | undefined,
    onlyOwner: boolean,
  ): number {
    const R = this.refs;
    let left = n;
    let prev = NIL;
    for (let r = R.first(page); r !== NIL && left > 0;) {
      const nx = R.next[r] as number;
      if (R.kind[r] === kind && (!onlyOwner || R.owner[r] === owner)) {
        const rn = R.n[r] as number;
        const k = Math.min(rn, left);
        R.n[r] = rn - k;
        left -= k;
        if (rn - k === 0) {
          R.remove(page, h, r, prev);
          r = nx;
          continue;
        }
      }
      prev = r;
      r = nx;
    }
    return n - left;
  }

  /**
   * Finds and consumes up to `n` references of `kind` on `pfn`'s folio (head `h`), preferring `owner`'s and
   * `pfn`'s.
   */
  private take(kind: number, pfn: number, h: number, n: number, owner: RefOwner | undefined): number {
    // The owner's own records first, on `pfn` then on the rest of a large folio (a batched unpin of a folio
    // names one page for references taken on several): only then anyone's, in the same order.
    let got = 0;
    if (owner !== undefined) got += this.takeFromFolio(pfn, h, kind, n, owner, true);
    if (got < n) got += this.takeFromFolio(pfn, h, kind, n - got, undefined, false);
    return got;
  }

  /** {@link PinSanitizer.takeFrom} on `pfn`, then on the other pages of its large folio that had records. */
  private takeFromFolio(
    pfn: number,
    h: number,
    kind: number,
    n: number,
    owner: RefOwner | undefined,
    onlyOwner: boolean,
  ): number {
    let got = this.takeFrom(pfn, h, kind, n, owner, onlyOwner);
    if (got < n && this.refs.live(h) > 0) {
      const fp = this.refs.folioPages(h);
      if (fp !== undefined) {
        for (const p of fp) if (got < n && p !== pfn) got += this.takeFrom(p, h, kind, n - got, owner, onlyOwner);
      }
    }
    return got;
  }

  /** A record of `kind` on the folio of head `h`, or {@link NIL}. */
  private has(kind: number, h: number): number {
    const R = this.refs;
    if (R.live(h) === 0) return NIL;
    const fp = R.folioPages(h);
    if (fp === undefined) {
      for (let r = R.first(h); r !== NIL; r = R.next[r] as number) if (R.kind[r] === kind) return r;
      return NIL;
    }
    for (const p of fp) {
      for (let r = R.first(p); r !== NIL; r = R.next[r] as number) if (R.kind[r] === kind) return r;
    }
    return NIL;
  }

  /** Any record on the folio of head `h`, or {@link NIL}. */
  private first(h: number): number {
    const R = this.refs;
    if (R.live(h) === 0) return NIL;
    const fp = R.folioPages(h);
    if (fp === undefined) return R.first(h);
    for (const p of fp) {
      const r = R.first(p);
      if (r !== NIL) return r;
    }
    return NIL;
  }

  /** A `put_page()` of one reference on `pfn` (before the refcount changes). */
  onPut(pfn: number, owner: RefOwner | undefined, fn: string, refcountBefore: number): void {
    const h = this.mem.folioHead(pfn);
    if (this.pendingDmaWrite.size !== 0 && this.pendingDmaWrite.has(h))
      this.checkLostWrite(h, `${fn} by ${ownerName(owner)}`);
    if (this.take(REF_GET, pfn, h, 1, owner) === 1) return;
    const pin = this.has(REF_PIN, h);
    if (pin !== NIL) {
      this.report(
        'put_page_on_pin',
        pfn,
        `${fn} by ${ownerName(owner)}`,
        pin,
        `put_page() on a page pinned with FOLL_PIN (refcount ${refcountBefore}): use unpin_user_page()`,
      );
    }
  }

  /** An unpin of `n` pins on `pfn` (before the counts change). */
  onUnpin(pfn: number, n: number, owner: RefOwner | undefined, fn: string): void {
    const h = this.mem.folioHead(pfn);
    if (this.pendingDmaWrite.size !== 0 && this.pendingDmaWrite.has(h))
      this.checkLostWrite(h, `${fn} by ${ownerName(owner)}`);
    const got = this.take(REF_PIN, pfn, h, n, owner);
    if (got === n) return;
    const get = this.has(REF_GET, h);
    if (get !== NIL) {
      this.report(
        'unpin_of_get',
        pfn,
        `${fn} by ${ownerName(owner)}`,
        get,
        'unpin of a page referenced with FOLL_GET, not pinned: use put_page()',
      );
    } else {
      this.report(
        'unpin_unpinned',
        pfn,
        `${fn} by ${ownerName(owner)}`,
        NIL,
        `unpin of ${n - got} pin(s) nobody holds`,
      );
    }
  }

  /** The folio of head `h` was freed: its records go. */
  onFree(h: number): void {
    if (this.pendingDmaWrite.size !== 0) this.checkLostWrite(h, 'free');
    const fp = this.refs.folioPages(h);
    if (fp === undefined) this.refs.clearPage(h);
    else for (const p of fp) this.refs.clearPage(p);
    this.refs.forgetFolio(h);
  }

  /** The folio of head `h` was dirtied. */
  onDirtied(h: number): void {
    if (this.pendingDmaWrite.size !== 0) this.pendingDmaWrite.delete(h);
  }

  /** A refcount underflow is about to be thrown. */
  onUnderflow(pfn: number, refcount: number, delta: number, what: string): void {
    this.report(
      'refcount_underflow',
      pfn,
      what,
      this.first(this.mem.folioHead(pfn)),
      `refcount underflow: ${what} releases ${delta} but the refcount is ${refcount}`,
    );
  }

  /** A DMA write hit the zero page. */
  onZeroPageWrite(): void {
    this.report('dma_write_zero_page', this.mem.zeroPfn, 'DMA', NIL, 'DMA write into the shared zero page (dropped)');
  }

  /** COW replaced `oldPfn` at `addr` in `mm`'s page table. */
  onCowReplaced(mm: MmKey, addr: number, oldPfn: number): void {
    const R = this.refs;
    for (let r = R.first(oldPfn); r !== NIL; r = R.next[r] as number) {
      if (R.mm[r] === mm && R.addr[r] === addr && R.reported[r] === 0) {
        R.reported[r] = 1;
        this.report(
          'stranded_pin',
          oldPfn,
          'COW fault (wp_page_copy)',
          r,
          `${R.kind[r] === REF_PIN ? 'pin' : 'FOLL_GET reference'} at 0x${addr.toString(16)} is stranded: COW mapped a new page there`,
        );
      }
    }
  }

  // ---- Sanitizer ------------------------------------------------------------------------------------------

  checkDma(pfn: number, write: boolean, who: string): void {
    const mem = this.mem;
    if (pfn === mem.zeroPfn) return;
    const h = mem.folioHead(pfn);
    const s = mem.sectionIfPresent(h);
    const i = h & SECTION_MASK;
    const flags = s === undefined ? 0 : (s.flags[i] as number);
    const rc = s === undefined ? 0 : (s.refcount[i] as number);
    const mappingId = s === undefined ? 0 : (s.mapping[i] as number);
    const fileFolio = mappingId !== 0 && (flags & PG_anon) === 0;
    if (rc <= 0 || this.refs.live(h) === 0) {
      // Page-cache I/O: reads into locked folios, writeback from folios under writeback.
      const cacheIo = fileFolio && (write ? (flags & PG_locked) !== 0 : (flags & (PG_writeback | PG_locked)) !== 0);
      if (rc <= 0 || !cacheIo) {
        this.report(
          'dma_no_ref',
          pfn,
          who,
          NIL,
          `DMA ${write ? 'write to' : 'read from'} a page nobody holds a reference on (refcount ${rc})`,
        );
        return;
      }
    }
    if (write && fileFolio && (flags & (PG_dirty | PG_locked)) === 0 && this.canWriteback(mappingId)) {
      this.pendingDmaWrite.set(h, who);
    }
  }

  private checkLostWrite(h: number, by: string): void {
    const who = this.pendingDmaWrite.get(h);
    if (who === undefined) return;
    this.pendingDmaWrite.delete(h);
    if ((this.mem.pageFlags(h) & PG_dirty) !== 0) return;
    this.report(
      'dma_after_writeback_clean',
      h,
      by,
      this.first(h),
      `${who} wrote a clean file page (writeback had cleaned it) and it was released without being re-dirtied: the write is lost`,
    );
  }

  ownerEnded(owner: RefOwner): void {
    const pages = this.refs.detachOwner(owner);
    if (pages === undefined) return;
    for (const p of pages) this.reportLeaks(owner, p);
  }

  /** Reports `owner`'s unreported records on page `p` as leaked. */
  private reportLeaks(owner: RefOwner, p: number): void {
    const R = this.refs;
    for (let r = R.first(p); r !== NIL; r = R.next[r] as number) {
      if (R.owner[r] !== owner || R.reported[r] !== 0) continue;
      R.reported[r] = 1;
      const pin = R.kind[r] === REF_PIN;
      this.report(
        pin ? 'pin_leak' : 'ref_leak',
        p,
        `end of ${owner.refOwnerName()}`,
        r,
        `${R.n[r]} ${pin ? 'pin(s)' : 'FOLL_GET reference(s)'} still held when the owner ended`,
      );
    }
  }

  findings(): readonly SanitizerFinding[] {
    return this.list;
  }

  clearFindings(): void {
    this.list.length = 0;
  }

  heldBy(owner: RefOwner): HeldRefs {
    const held = { get: 0, pin: 0 };
    for (const p of this.refs.ownerPages(owner) ?? []) this.countHeld(owner, p, held);
    return held;
  }

  /** Adds `owner`'s references on page `p` to `held`. */
  private countHeld(owner: RefOwner, p: number, held: { get: number; pin: number }): void {
    const R = this.refs;
    for (let r = R.first(p); r !== NIL; r = R.next[r] as number) {
      if (R.owner[r] !== owner) continue;
      if (R.kind[r] === REF_PIN) held.pin += R.n[r] as number;
      else held.get += R.n[r] as number;
    }
  }

  /** Counts, logs, lists and emits a finding; `ref` is the record it blames ({@link NIL}: none). */
  private report(kind: SanitizerFindingKind, pfn: number, offender: string, ref: number, what: string): void {
    const R = this.refs;
    let origin: string | undefined;
    let originStack: string | undefined;
    if (ref !== NIL) {
      const addr = R.addr[ref] as number;
      origin = `${R.fn[ref]} by ${ownerName(R.owner[ref])}${addr >= 0 ? ` at 0x${addr.toString(16)}` : ''}`;
      originStack = R.stack[ref]?.stack;
    }
    const message = `pin sanitizer: ${kind}: pfn ${pfn}: ${what}${origin !== undefined ? `; reference from ${origin}` : ''}; offender: ${offender}`;
    const f: SanitizerFinding = {
      kind,
      pfn,
      timeNs: this.sched.now(),
      message,
      offender,
      ...(origin !== undefined ? { origin } : {}),
      ...(originStack !== undefined ? { originStack } : {}),
      ...(this.stacks ? { offenderStack: new Error('offending call').stack ?? '' } : {}),
    };
    const c = this.counters.get(kind);
    if (c !== undefined) c.value++;
    if (this.list.length < MAX_FINDINGS) this.list.push(f);
    this.log.warn({ kind, pfn }, message);
    if (this.tp.observed) this.tp.emit(f);
  }
}

/** The sanitizer when it is off: reports nothing, records nothing. */
export class DisabledSanitizer implements Sanitizer {
  readonly enabled = false;
  checkDma(): void {}
  ownerEnded(): void {}
  findings(): readonly SanitizerFinding[] {
    return [];
  }
  clearFindings(): void {}
  heldBy(): HeldRefs {
    return { get: 0, pin: 0 };
  }
}
