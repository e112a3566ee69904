/**
 * Folio migration for FOLL_LONGTERM (mm/migrate.c `migrate_pages()` with `MR_LONGTERM_PIN`).
 * @internal
 * @packageDocumentation
 */
import { EAGAIN, ENOMEM } from '@stackemu/core';
import { GFP_KERNEL, __GFP_COMP } from '../gfp.js';
import { PAGE_SIZE } from '../page-types.js';
import { pmdIndex } from './memory.js';
import type { MmCore } from './mm-core.js';
import { HugePmd } from './pgtable.js';
import { PG_anon, PG_head, PG_locked, PG_tail, PG_writeback } from './page-flags.js';

const MASK = (1 << 15) - 1;

/**
 * Models `migrate_pages()` (mm/migrate.c) of one folio out of ZONE_MOVABLE: a copy in ZONE_NORMAL takes over
 * the folio's data, flags, page-cache slot and page-table entries, and the old folio is freed.
 * @returns the new head pfn, or -EAGAIN (extra references, locked, under writeback, mapped by several mms),
 * -ENOMEM (no memory outside ZONE_MOVABLE)
 */
export function migrateFolio(core: MmCore, head: number): number {
  const mem = core.mem;
  const s = mem.section(head);
  const hi = head & MASK;
  const order = s.order[hi] as number;
  const nr = 1 << order;
  const flags = s.flags[hi] as number;
  if ((flags & (PG_locked | PG_writeback)) !== 0) return -EAGAIN;
  const anon = (flags & PG_anon) !== 0;
  const mappingId = s.mapping[hi] as number;
  const index = s.index[hi] as number;
  const entire = s.entireMapcount[hi] as number;
  let expected = entire;
  for (let k = 0; k < nr; k++) {
    const m = s.mapcount[hi + k] as number;
    if (anon && m > 1) return -EAGAIN;
    expected += m;
  }
  if (anon && entire > 1) return -EAGAIN;
  const mapping = !anon && mappingId > 0 ? core.mappings.get(mappingId) : undefined;
  if (mapping !== undefined) expected += 1;
  const rc = s.refcount[hi] as number;
  if (rc !== expected) return -EAGAIN;
  const owner = anon ? core.mms.get(-mappingId) : undefined;
  if (anon && owner === undefined && expected > 0) return -EAGAIN;

  // Every mapping must be found where the rmap says it is (remove_migration_ptes() would otherwise leave one).
  if (anon && owner !== undefined) {
    const base = index * PAGE_SIZE;
    if (entire > 0) {
      const e = owner.pt.pmds.get(pmdIndex(base));
      if (!(e instanceof HugePmd) || e.pfn !== head) return -EAGAIN;
    }
    for (let k = 0; k < nr; k++) {
      if ((s.mapcount[hi + k] as number) > 0 && owner.pagemap(base + k * PAGE_SIZE)?.pfn !== head + k) return -EAGAIN;
    }
  }
  const dst = mem.allocFolio(order, GFP_KERNEL | (order > 0 ? __GFP_COMP : 0));
  if (dst < 0) return -ENOMEM;
  const d = mem.section(dst);
  const di = dst & MASK;
  for (let k = 0; k < nr; k++) {
    mem.copyPage(dst + k, head + k);
    d.flags[di + k] =
      ((s.flags[hi + k] as number) & ~(PG_head | PG_tail)) | ((d.flags[di + k] as number) & (PG_head | PG_tail));
    d.mapcount[di + k] = s.mapcount[hi + k] as number;
  }
  d.entireMapcount[di] = entire;
  d.pincount[di] = 0;
  d.mapping[di] = mappingId;
  d.index[di] = index;
  d.refcount[di] = rc;

  // Re-point the page-table entries (remove_migration_ptes()) and the page-cache slot.
  if (anon && owner !== undefined) {
    const base = index * PAGE_SIZE;
    if (entire > 0) {
      const e = owner.pt.pmds.get(pmdIndex(base));
      if (e instanceof HugePmd && e.pfn === head) e.pfn = dst;
    }
    for (let k = 0; k < nr; k++) {
      if ((s.mapcount[hi + k] as number) > 0) owner.replacePte(base + k * PAGE_SIZE, head + k, dst + k);
    }
  } else if (mapping !== undefined) {
    for (const vma of mapping.iMmap) {
      const a = vma.addrOfIndex(index);
      if (a >= 0) vma.mm.replacePte(a, head, dst);
    }
    mapping.pages.set(index, dst);
    if (!mapping.shmem) {
      core.vmscan.del(head);
      core.vmscan.add(dst);
    }
  }

  // The old folio loses everything and is freed.
  for (let k = 0; k < nr; k++) s.mapcount[hi + k] = 0;
  s.entireMapcount[hi] = 0;
  s.mapping[hi] = 0;
  s.refcount[hi] = 1;
  s.flags[hi] = (s.flags[hi] as number) & (PG_head | PG_tail);
  mem.folioPutRefs(head, 1, 'migrate_folio');
  core.vm.pgmigrateSuccess.value += nr;
  if (order > 0) core.vm.thpMigrationSuccess.value++;
  const tp = core.tp.migrate;
  if (tp.observed) tp.emit({ from: head, to: dst, nr, reason: 'MR_LONGTERM_PIN' });
  return dst;
}
