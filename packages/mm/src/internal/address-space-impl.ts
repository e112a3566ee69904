/**
 * The page cache of one file: the model of `struct address_space` and the primitives the public
 * `filemap*`/`folio*` functions use.
 * @internal
 * @packageDocumentation
 */
import { EEXIST, EIO } from '@stackemu/core';
import type { AddressSpace } from '../address-space.js';
import type { AddressSpaceOperations } from '../fs.js';
import { IndexTags } from './index-tags.js';
import type { MmCore } from './mm-core.js';
import { HugePmd, PTE_DIRTY, PTE_WRITE } from './pgtable.js';
import { PG_dirty, PG_locked, PG_private, PG_swapbacked, PG_towrite, PG_uptodate, PG_writeback } from './page-flags.js';
import type { Vma } from './vma.js';

/**
 * Models `struct address_space` (include/linux/fs.h): `i_pages` as a map from index to pfn with tag sets,
 * `i_mmap` as a set of VMAs.
 */
export class AddressSpaceImpl implements AddressSpace {
  readonly pages = new Map<number, number>();
  readonly dirtyTag = new IndexTags();
  readonly writebackTag = new IndexTags();
  readonly iMmap = new Set<Vma>();
  writebackIndex = 0;
  wbErr = 0;
  /** `inode->dirtied_when` (virtual ns) while on the dirty list, else -1. */
  dirtiedWhen = -1;
  /** The shmem file behind a MAP_SHARED|MAP_ANONYMOUS mapping: released with its last VMA. */
  releaseOnUnmap = false;

  constructor(
    readonly core: MmCore,
    readonly id: number,
    readonly aops: AddressSpaceOperations,
    readonly host: unknown,
    readonly shmem: boolean,
    private readonly sizeFn: (() => number) | undefined,
  ) {}

  get nrpages(): number {
    return this.pages.size;
  }

  get iSize(): number {
    return this.sizeFn === undefined ? Number.MAX_SAFE_INTEGER : this.sizeFn();
  }

  /** Models `mapping_can_writeback()`. */
  get canWriteback(): boolean {
    return !this.shmem;
  }

  /** The folio at `index`, or -1. */
  lookup(index: number): number {
    return this.pages.get(index) ?? -1;
  }

  /**
   * Models `__filemap_add_folio()` (mm/filemap.c): takes the page cache's reference.
   * @returns 0 or -EEXIST
   */
  add(pfn: number, index: number): number {
    if (this.pages.has(index)) return -EEXIST;
    const mem = this.core.mem;
    mem.refAdd(pfn, 1);
    mem.setFolioMapping(pfn, this.id, index);
    if (this.shmem) mem.setPageFlag(pfn, PG_swapbacked);
    this.pages.set(index, pfn);
    if (!this.shmem) this.core.vmscan.add(pfn);
    this.core.vm.nrFilePages.value++;
    if (this.shmem) this.core.vm.nrShmem.value++;
    const tp = this.core.tp.filemapAdd;
    if (tp.observed) tp.emit({ mapping: this.id, index, pfn, nr: 1 });
    return 0;
  }

  /**
   * Models `filemap_remove_folio()` (mm/filemap.c): the folio leaves the page cache (its mappings must be
   * gone) and the cache's reference is dropped.
   */
  remove(pfn: number): void {
    const mem = this.core.mem;
    const index = mem.folioIndex(pfn);
    if (this.pages.get(index) !== pfn) return;
    const f = mem.pageFlags(pfn);
    if ((f & PG_dirty) !== 0) {
      mem.clearPageFlag(pfn, PG_dirty);
      if (this.canWriteback) this.core.vm.nrDirty.value--;
    }
    if ((f & PG_private) !== 0) {
      this.aops.releaseFolio?.(this, pfn);
      mem.clearPageFlag(pfn, PG_private);
    }
    this.pages.delete(index);
    if (!this.shmem) this.core.vmscan.del(pfn);
    this.dirtyTag.delete(index);
    this.writebackTag.delete(index);
    mem.clearPageFlag(pfn, PG_towrite);
    mem.setFolioMapping(pfn, 0, 0);
    this.core.vm.nrFilePages.value--;
    if (this.shmem) this.core.vm.nrShmem.value--;
    const tp = this.core.tp.filemapDelete;
    if (tp.observed) tp.emit({ mapping: this.id, index, pfn, nr: 1 });
    mem.folioPutRefs(pfn, 1, 'filemap_remove_folio');
  }

  /** Models `filemap_dirty_folio()` (mm/page-writeback.c). @returns true if newly dirtied */
  dirtyFolio(pfn: number): boolean {
    const mem = this.core.mem;
    if ((mem.pageFlags(pfn) & PG_dirty) !== 0) return false;
    mem.setPageFlag(pfn, PG_dirty);
    this.core.san?.onDirtied(pfn);
    const index = mem.folioIndex(pfn);
    if (this.pages.get(index) !== pfn) return true;
    this.dirtyTag.add(index);
    if (this.canWriteback) {
      this.core.vm.nrDirty.value++;
      this.core.vm.nrDirtied.value++;
      if (this.dirtiedWhen < 0) {
        this.dirtiedWhen = this.core.sched.now();
        this.core.dirtyListener?.inodeDirtied(this);
      }
    }
    return true;
  }

  /** Models `folio_mark_dirty()` (mm/page-writeback.c): through `a_ops->dirty_folio` if the fs has one. */
  markDirty(pfn: number): boolean {
    if (this.aops.dirtyFolio !== undefined) return this.aops.dirtyFolio(this, pfn);
    return this.dirtyFolio(pfn);
  }

  /**
   * Models `folio_mkclean()` (mm/rmap.c): write-protects and cleans every PTE mapping the folio in shared
   * mappings. @returns how many PTEs were dirty or writable
   */
  mkclean(pfn: number): number {
    const index = this.core.mem.folioIndex(pfn);
    let cleaned = 0;
    for (const vma of this.iMmap) {
      const addr = vma.addrOfIndex(index);
      if (addr < 0) continue;
      const vpn = addr / 4096;
      const pmdIdx = Math.floor(vpn / 512);
      const e = vma.mm.pt.pmds.get(pmdIdx);
      if (e === undefined || e instanceof HugePmd) continue;
      const i = vpn - pmdIdx * 512;
      if (e.pfn[i] !== pfn) continue;
      const b = e.bits[i] as number;
      if ((b & (PTE_WRITE | PTE_DIRTY)) !== 0) {
        if ((vma.flags & 0x8) !== 0 /* VM_SHARED */) {
          e.bits[i] = b & ~(PTE_WRITE | PTE_DIRTY);
          cleaned++;
        }
      }
    }
    return cleaned;
  }

  /** Models `folio_clear_dirty_for_io()` (mm/page-writeback.c). @returns true if the folio was dirty */
  clearDirtyForIo(pfn: number): boolean {
    const mem = this.core.mem;
    if (this.canWriteback && this.mkclean(pfn) > 0) this.markDirty(pfn);
    if ((mem.pageFlags(pfn) & PG_dirty) === 0) return false;
    mem.clearPageFlag(pfn, PG_dirty);
    if (this.canWriteback) this.core.vm.nrDirty.value--;
    return true;
  }

  /** Models `__folio_start_writeback()` (mm/page-writeback.c). */
  startWriteback(pfn: number): void {
    const mem = this.core.mem;
    const f = mem.pageFlags(pfn);
    if ((f & PG_writeback) !== 0) return;
    mem.setPageFlag(pfn, PG_writeback);
    mem.clearPageFlag(pfn, PG_towrite);
    const index = mem.folioIndex(pfn);
    if (this.pages.get(index) === pfn) {
      this.writebackTag.add(index);
      if ((f & PG_dirty) === 0) this.dirtyTag.delete(index);
    }
    this.core.vm.nrWriteback.value++;
  }

  /** Models `folio_end_writeback()` (mm/filemap.c). */
  endWriteback(pfn: number): void {
    const mem = this.core.mem;
    if ((mem.pageFlags(pfn) & PG_writeback) === 0) return;
    mem.clearPageFlag(pfn, PG_writeback);
    this.writebackTag.delete(mem.folioIndex(pfn));
    this.core.vm.nrWriteback.value--;
    this.core.vm.nrWritten.value++;
    this.core.wakeWriteback(pfn);
    this.core.wakeWritebackProgress();
  }

  /** Models `mapping_set_error()` (include/linux/pagemap.h). */
  setError(err: number): void {
    this.wbErr = Math.abs(err) || EIO;
  }

  /**
   * Models `truncate_inode_pages_final()` + inode eviction for a mapping nobody maps: every folio leaves
   * the page cache (pinned ones live on until unpinned) and the mapping is forgotten.
   */
  releaseAll(): void {
    for (const pfn of [...this.pages.values()]) this.remove(pfn);
    this.core.mappings.delete(this.id);
  }

  /** Dirty folios. */
  dirtyCount(): number {
    return this.dirtyTag.size;
  }

  /** True if any folio is dirty. */
  get hasDirty(): boolean {
    return this.dirtyTag.size > 0;
  }

  /** Marks a folio uptodate and unlocked after a successful read (`folio_end_read(folio, true)`). */
  endRead(pfn: number, ok: boolean): void {
    if (ok) this.core.mem.setPageFlag(pfn, PG_uptodate);
    if ((this.core.mem.pageFlags(pfn) & PG_locked) !== 0) this.core.unlock(pfn);
  }
}
