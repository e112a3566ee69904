/**
 * Page tables of one mm: PMD-level map of PTE tables or huge (PMD-mapped THP) leaves.
 * @internal
 * @packageDocumentation
 */
import { PTRS_PER_PTE } from '../page-types.js';

/** `_PAGE_PRESENT`. */
export const PTE_PRESENT = 1;
/** `_PAGE_RW`. */
export const PTE_WRITE = 2;
/** `_PAGE_DIRTY`. */
export const PTE_DIRTY = 4;
/** `_PAGE_ACCESSED`. */
export const PTE_ACCESSED = 8;
/** `_PAGE_SOFT_DIRTY`. */
export const PTE_SOFT_DIRTY = 16;
/** `_PAGE_SPECIAL` (zero page: no refcount, no mapcount). */
export const PTE_SPECIAL = 32;
/** `_PAGE_PROTNONE` (PROT_NONE mapping: present for the kernel, not accessible). */
export const PTE_PROTNONE = 64;

/** One page of PTEs (512 entries). */
export class PteTable {
  /** Mapped pfn per entry, -1 = none. */
  readonly pfn = new Int32Array(PTRS_PER_PTE).fill(-1);
  /** PTE bits per entry. */
  readonly bits = new Uint8Array(PTRS_PER_PTE);
  /** Entries in use. */
  used = 0;
}

/** A PMD leaf mapping a 2 MiB THP. */
export class HugePmd {
  constructor(
    /** Head pfn of the THP. */
    public pfn: number,
    /** PTE-style bits of the PMD. */
    public bits: number,
  ) {}
}

/** A PMD entry. */
export type PmdEntry = PteTable | HugePmd;

/** The page tables of an mm, keyed by PMD index (`addr >> 21`). */
export class PageTable {
  readonly pmds = new Map<number, PmdEntry>();

  /** The PTE table for PMD index `pmdIdx`, allocated if `create`. Undefined if absent or huge. */
  pteTable(pmdIdx: number, create: boolean): PteTable | undefined {
    const e = this.pmds.get(pmdIdx);
    if (e instanceof PteTable) return e;
    if (e !== undefined || !create) return undefined;
    const t = new PteTable();
    this.pmds.set(pmdIdx, t);
    return t;
  }
}
