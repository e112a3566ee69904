/**
 * Test-only: supplies the vfs's mm/block calls (`VfsUpstream`) from the real packages, for as long as the
 * vfs's own wiring still answers ENOSYS for some of them. Loaded after the vfs plugin; rebinds lazily.
 */
import { ContainerModule } from 'inversify';
import { capabilityId, definePlugin, ENOSYS, Errno } from '@stackemu/core';
import {
  BlockLayer,
  bdevDmaAlignment,
  bdevLogicalBlockSize,
  bdevNrBytes,
  bioAlloc,
  bioPut,
  copyPageFromIter,
  copyPageToIter,
  importIovec,
  importUbuf,
  iovIterAdvance,
  iovIterBvec,
  REQ_OP_WRITE,
  REQ_PREFLUSH,
  REQ_SYNC,
  submitBioWait,
  type BlockDevice,
  type IovIter,
} from '@stackemu/block';
import {
  FGP_CREAT,
  Gup,
  Mm,
  PhysMem,
  filemapGetFolio,
  filemapReadFolio,
  filemapWriteAndWaitRange,
  folioMarkDirty,
  folioMarkUptodate,
  invalidateInodePages2Range,
  truncateInodePagesRange,
  type AddressSpace,
  type AddressSpaceOperations,
  type MmStruct,
} from '@stackemu/mm';
import { VfsUpstream, type Upstream } from '@stackemu/vfs';

function createTestUpstream(get: (id: symbol) => unknown, base: Upstream): Upstream {
  const blk = (): BlockLayer => get(BlockLayer) as BlockLayer;
  const mm = (): Mm => get(Mm) as Mm;
  const gup = (): Gup => get(Gup) as Gup;
  const pm = (): PhysMem => get(PhysMem) as PhysMem;
  const as = (m: unknown): AddressSpace => m as AddressSpace;
  const bd = (b: unknown): BlockDevice => b as BlockDevice;
  const it = (i: unknown): IovIter => i as IovIter;
  const asMm = (x: unknown): MmStruct => x as MmStruct;
  const asAops = (x: unknown): AddressSpaceOperations => x as AddressSpaceOperations;
  const owners = new Map<number, AddressSpace>();
  const markUptodate = (pfn: number): void => {
    const m = owners.get(pfn);
    if (m === undefined) throw new Errno(ENOSYS, 'test wiring: folio_mark_uptodate of an unknown folio');
    folioMarkUptodate(m, pfn);
  };
  const up: Upstream = {
    ...base,
    importUbuf: (dir, m, buf, len) => importUbuf(dir as 0 | 1, m, buf, len),
    importIovec: (dir, m, iov, nr) => importIovec(dir as 0 | 1, m, iov, nr),
    iovIterBvec: (dir, bvec, nr, count) => iovIterBvec(dir as 0 | 1, bvec, nr, count),
    iovIterAdvance: (i, n) => {
      iovIterAdvance(it(i), n);
    },
    createMm: () => mm().createMm(),
    createAddressSpace: (aops, host, opts) => mm().createAddressSpace(asAops(aops), host, opts),
    pinUserPagesFast: (m, start, nr, flags, pages, owner) =>
      gup().pinUserPagesFast(asMm(m), start, nr, flags, pages, owner),
    unpinUserPages: (pages, n, owner) => {
      gup().unpinUserPages(pages, n, owner);
    },
    readMappingFolio: async (m, index) => {
      const pfn = await filemapReadFolio(as(m), index);
      if (pfn >= 0) pm().putPage(pfn);
      return pfn;
    },
    grabCacheFolio: (m, index) => {
      const pfn = filemapGetFolio(as(m), index, FGP_CREAT);
      if (pfn >= 0) {
        pm().putPage(pfn);
        owners.set(pfn, as(m));
      }
      return pfn;
    },
    folioTestUptodate: (pfn) => pm().pageUptodate(pfn),
    folioMarkUptodate: markUptodate,
    folioZeroAndMarkUptodate: (pfn) => {
      pm().write(pfn * 4096, new Uint8Array(4096), 0, 4096);
      markUptodate(pfn);
    },
    folioMarkDirty: (m, pfn) => {
      folioMarkDirty(as(m), pfn);
    },
    copyPageToIter: (pfn, off, bytes, i) => copyPageToIter(blk(), pfn, off, bytes, it(i)),
    copyPageFromIter: (pfn, off, bytes, i) => copyPageFromIter(blk(), pfn, off, bytes, it(i)),
    filemapWriteAndWaitRange: (m, s, e) => filemapWriteAndWaitRange(as(m), s, e),
    invalidateInodePages2Range: (m, s, e) => invalidateInodePages2Range(as(m), s, e),
    filemapWriteAndWait: (m) => filemapWriteAndWaitRange(as(m), 0, Number.MAX_SAFE_INTEGER),
    truncateInodePages: (m, lstart) => {
      void truncateInodePagesRange(as(m), Math.ceil(lstart / 4096), Number.MAX_SAFE_INTEGER);
    },
    bdevNrBytes: (b) => bdevNrBytes(bd(b)),
    bdevLogicalBlockSize: (b) => bdevLogicalBlockSize(bd(b)),
    bdevDmaAlignment: (b) => bdevDmaAlignment(bd(b)),
    blkdevIssueFlush: async (b) => {
      const bio = bioAlloc(bd(b), 0, REQ_OP_WRITE | REQ_PREFLUSH | REQ_SYNC);
      const r = await submitBioWait(bio);
      bioPut(bio);
      return r;
    },
    listBdevs: () => blk().registry.list(),
    lookupBdev: (name) => blk().registry.lookup(name),
  };
  return up;
}

/** Loaded after vfs: makes `VfsUpstream` reach the real block and mm packages. */
export const testWiringPlugin = definePlugin({
  name: 'test-wiring',
  version: '0.0.0',
  requires: ['vfs'],
  provides: ['test-wiring'],
  module: new ContainerModule(({ bind }) => {
    bind(capabilityId('test-wiring')).toConstantValue('test-wiring');
  }),
  init(ctx) {
    const c = ctx.container;
    const base = c.get<Upstream>(VfsUpstream);
    const wired = createTestUpstream((id) => c.get(id), base);
    Object.assign(base, wired);
  },
});
