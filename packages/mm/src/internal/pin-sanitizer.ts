/**
 * The pin sanitizer's implementation: reference records per folio, owners, pending DMA writes.
 * @internal
 * @packageDocumentation
 */
import type { Counter, CounterRegistry, Logger, Scheduler, Topic } from '@stackemu/core';
import type { RefOwner } from '../ref-owner.js';
import type { HeldRefs, Sanitizer } from '../sanitizer.js';
import { SANITIZER_FINDING_KINDS, type SanitizerFinding, type SanitizerFindingKind } from '../sanitizer-finding.js';
import type { MemMap } from './mem-map.js';
import { PG_anon, PG_dirty, PG_locked, PG_writeback } from './page-flags.js';

/** Reference kinds. */
export const REF_GET = 0;
/** A FOLL_PIN reference. */
export const REF_PIN = 1;

/** Something that knows where it maps pages (an mm), for stranded-pin checks. */
export type MmKey = object;

interface RefRecord {
  readonly kind: number;
  /** The page the reference was taken on. */
  readonly page: number;
  /** Pages' worth of references held (pins or gets). */
  n: number;
  readonly owner: RefOwner | undefined;
  readonly fn: string;
  readonly stack: Error | undefined;
  readonly mm: MmKey | undefined;
  readonly addr: number;
  reported: boolean;
}

const MAX_FINDINGS = 10_000;
const SANITIZER_GROUP = 'sanitizer';

function ownerName(o: RefOwner | undefined): string {
  return o === undefined ? 'anonymous caller' : o.refOwnerName();
}

/**
 * Records references and reports misuse (see {@link Sanitizer}).
 */
export class PinSanitizer implements Sanitizer {
  readonly enabled = true;
  /** Records per page (the page the reference was taken on). */
  private readonly records = new Map<number, RefRecord[]>();
  /** Pages that had records, per folio head (kept until the folio is freed, to avoid churn). */
  private readonly folioPages = new Map<number, Set<number>>();
  /** Live records per folio head. */
  private readonly live = new Map<number, number>();
  /** Pages holding records of each owner. */
  private readonly byOwner = new Map<RefOwner, Set<number>>();
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
    const h = this.mem.folioHead(pfn);
    let l = this.records.get(pfn);
    if (l === undefined) {
      l = [];
      this.records.set(pfn, l);
      let fp = this.folioPages.get(h);
      if (fp === undefined) {
        fp = new Set();
        this.folioPages.set(h, fp);
      }
      fp.add(pfn);
    }
    // Merge with an identical record (same kind, owner, call, place): keeps repeated references compact.
    for (const r of l) {
      if (r.kind === kind && r.owner === owner && r.fn === fn && r.mm === mm && r.addr === addr && !r.reported) {
        r.n += n;
        return;
      }
    }
    l.push({
      kind,
      page: pfn,
      n,
      owner,
      fn,
      stack: this.stacks ? new Error('reference taken') : undefined,
      mm,
      addr,
      reported: false,
    });
    this.live.set(h, (this.live.get(h) ?? 0) + 1);
    if (owner !== undefined) {
      let s = this.byOwner.get(owner);
      if (s === undefined) {
        s = new Set();
        this.byOwner.set(owner, s);
      }
      s.add(pfn);
    }
  }

  /**
   * Consumes up to `n` references of `kind` from page `page`'s list, of `owner` only when `onlyOwner`.
   * @returns consumed
   */
  private takeFrom(page: number, kind: number, n: number, owner: RefOwner | undefined, onlyOwner: boolean): number {
    const l = this.records.get(page);
    if (l === undefined) return 0;
    let left = n;
    for (let i = 0; i < l.length && left > 0; i++) {
      const r = l[i] as RefRecord;
      if (r.kind !== kind || (onlyOwner && r.owner !== owner)) continue;
      const k = Math.min(r.n, left);
      r.n -= k;
      left -= k;
      if (r.n === 0) {
        l.splice(i, 1);
        i--;
        const h = this.mem.folioHead(page);
        this.live.set(h, (this.live.get(h) ?? 1) - 1);
        if (r.owner !== undefined && !l.some((x) => x.owner === r.owner)) this.byOwner.get(r.owner)?.delete(page);
      }
    }
    return n - left;
  }

  /** Finds and consumes up to `n` references of `kind` on `pfn`'s folio, preferring `owner`'s and `pfn`'s. */
  private take(kind: number, pfn: number, n: number, owner: RefOwner | undefined): number {
    let got = 0;
    if (owner !== undefined) got += this.takeFrom(pfn, kind, n, owner, true);
    if (got < n) got += this.takeFrom(pfn, kind, n - got, undefined, false);
    if (got < n && (this.live.get(this.mem.folioHead(pfn)) ?? 0) > 0) {
      const fp = this.folioPages.get(this.mem.folioHead(pfn));
      if (fp !== undefined) {
        const pages = [...fp];
        if (owner !== undefined)
          for (const p of pages) if (got < n) got += this.takeFrom(p, kind, n - got, owner, true);
        for (const p of pages) if (got < n) got += this.takeFrom(p, kind, n - got, undefined, false);
      }
    }
    return got;
  }

  /** A record of `kind` on the folio of head `h`, if any. */
  private has(kind: number, h: number): RefRecord | undefined {
    if ((this.live.get(h) ?? 0) === 0) return undefined;
    for (const p of this.folioPages.get(h) ?? []) {
      for (const r of this.records.get(p) ?? []) if (r.kind === kind) return r;
    }
    return undefined;
  }

  /** Any record on the folio of head `h`. */
  private first(h: number): RefRecord | undefined {
    if ((this.live.get(h) ?? 0) === 0) return undefined;
    for (const p of this.folioPages.get(h) ?? []) {
      const r = this.records.get(p)?.[0];
      if (r !== undefined) return r;
    }
    return undefined;
  }

  /** A `put_page()` of one reference on `pfn` (before the refcount changes). */
  onPut(pfn: number, owner: RefOwner | undefined, fn: string, refcountBefore: number): void {
    const h = this.mem.folioHead(pfn);
    this.checkLostWrite(h, `${fn} by ${ownerName(owner)}`);
    if (this.take(REF_GET, pfn, 1, owner) === 1) return;
    const pin = this.has(REF_PIN, h);
    if (pin !== undefined) {
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
    this.checkLostWrite(h, `${fn} by ${ownerName(owner)}`);
    const got = this.take(REF_PIN, pfn, n, owner);
    if (got === n) return;
    const get = this.has(REF_GET, h);
    if (get !== undefined) {
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
        undefined,
        `unpin of ${n - got} pin(s) nobody holds`,
      );
    }
  }

  /** The folio of head `h` was freed: its records go. */
  onFree(h: number): void {
    this.checkLostWrite(h, 'free');
    const fp = this.folioPages.get(h);
    if (fp !== undefined) {
      for (const p of fp) {
        for (const r of this.records.get(p) ?? []) if (r.owner !== undefined) this.byOwner.get(r.owner)?.delete(p);
        this.records.delete(p);
      }
      this.folioPages.delete(h);
    }
    this.live.delete(h);
  }

  /** The folio of head `h` was dirtied. */
  onDirtied(h: number): void {
    this.pendingDmaWrite.delete(h);
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
    this.report(
      'dma_write_zero_page',
      this.mem.zeroPfn,
      'DMA',
      undefined,
      'DMA write into the shared zero page (dropped)',
    );
  }

  /** COW replaced `oldPfn` at `addr` in `mm`'s page table. */
  onCowReplaced(mm: MmKey, addr: number, oldPfn: number): void {
    const l = this.records.get(oldPfn);
    if (l === undefined) return;
    for (const r of l) {
      if (r.mm === mm && r.addr === addr && !r.reported) {
        r.reported = true;
        this.report(
          'stranded_pin',
          oldPfn,
          'COW fault (wp_page_copy)',
          r,
          `${r.kind === REF_PIN ? 'pin' : 'FOLL_GET reference'} at 0x${addr.toString(16)} is stranded: COW mapped a new page there`,
        );
      }
    }
  }

  // ---- Sanitizer ------------------------------------------------------------------------------------------

  checkDma(pfn: number, write: boolean, who: string): void {
    if (pfn === this.mem.zeroPfn) return;
    const h = this.mem.folioHead(pfn);
    const flags = this.mem.pageFlags(h);
    const rc = this.mem.pageRefcount(h);
    const fileFolio = this.mem.folioMappingId(h) !== 0 && (flags & PG_anon) === 0;
    if (rc <= 0 || (this.live.get(h) ?? 0) === 0) {
      // Page-cache I/O: reads into locked folios, writeback from folios under writeback.
      const cacheIo = fileFolio && (write ? (flags & PG_locked) !== 0 : (flags & (PG_writeback | PG_locked)) !== 0);
      if (rc <= 0 || !cacheIo) {
        this.report(
          'dma_no_ref',
          pfn,
          who,
          undefined,
          `DMA ${write ? 'write to' : 'read from'} a page nobody holds a reference on (refcount ${rc})`,
        );
        return;
      }
    }
    if (write && fileFolio && (flags & (PG_dirty | PG_locked)) === 0 && this.canWriteback(this.mem.folioMappingId(h))) {
      this.pendingDmaWrite.set(h, who);
    }
  }

  private checkLostWrite(h: number, by: string): void {
    const who = this.pendingDmaWrite.get(h);
    if (who === undefined) return;
    if ((this.mem.pageFlags(h) & PG_dirty) !== 0) {
      this.pendingDmaWrite.delete(h);
      return;
    }
    this.pendingDmaWrite.delete(h);
    this.report(
      'dma_after_writeback_clean',
      h,
      by,
      this.first(h),
      `${who} wrote a clean file page (writeback had cleaned it) and it was released without being re-dirtied: the write is lost`,
    );
  }

  ownerEnded(owner: RefOwner): void {
    const pages = this.byOwner.get(owner);
    if (pages === undefined) return;
    this.byOwner.delete(owner);
    for (const p of pages) {
      for (const r of this.records.get(p) ?? []) {
        if (r.owner !== owner || r.reported) continue;
        r.reported = true;
        this.report(
          r.kind === REF_PIN ? 'pin_leak' : 'ref_leak',
          r.page,
          `end of ${owner.refOwnerName()}`,
          r,
          `${r.n} ${r.kind === REF_PIN ? 'pin(s)' : 'FOLL_GET reference(s)'} still held when the owner ended`,
        );
      }
    }
  }

  findings(): readonly SanitizerFinding[] {
    return this.list;
  }

  clearFindings(): void {
    this.list.length = 0;
  }

  heldBy(owner: RefOwner): HeldRefs {
    let get = 0;
    let pin = 0;
    for (const p of this.byOwner.get(owner) ?? []) {
      for (const r of this.records.get(p) ?? []) {
        if (r.owner !== owner) continue;
        if (r.kind === REF_PIN) pin += r.n;
        else get += r.n;
      }
    }
    return { get, pin };
  }

  private report(
    kind: SanitizerFindingKind,
    pfn: number,
    offender: string,
    ref: RefRecord | undefined,
    what: string,
  ): void {
    const origin =
      ref === undefined
        ? undefined
        : `${ref.fn} by ${ownerName(ref.owner)}${ref.addr >= 0 ? ` at 0x${ref.addr.toString(16)}` : ''}`;
    const message = `pin sanitizer: ${kind}: pfn ${pfn}: ${what}${origin !== undefined ? `; reference from ${origin}` : ''}; offender: ${offender}`;
    const f: SanitizerFinding = {
      kind,
      pfn,
      timeNs: this.sched.now(),
      message,
      offender,
      ...(origin !== undefined ? { origin } : {}),
      ...(ref?.stack?.stack !== undefined ? { originStack: ref.stack.stack } : {}),
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
