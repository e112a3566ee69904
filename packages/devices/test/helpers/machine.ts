/** Machines with the real mm and block plugins plus device plugins, and raw-bdev bio helpers. */
import { createLogger, createMachine, type Machine, type StackPluginEntry } from '@stackemu/core';
import {
  blockPlugin,
  bioAlloc,
  bioAddPage,
  bioPut,
  submitBioWait,
  BlockDeviceRegistry,
  type BlockDevice,
} from '@stackemu/block';
import { mmPlugin, PhysMem, GFP_KERNEL } from '@stackemu/mm';
import { nullBlkPlugin, nvmePlugin, ramdiskPlugin, virtioBlkPlugin } from '@stackemu/devices';

export const catalogue = [mmPlugin, blockPlugin, nvmePlugin, virtioBlkPlugin, nullBlkPlugin, ramdiskPlugin];

export async function machineWith(
  devices: StackPluginEntry[],
  opts: { mem?: string; cpus?: number; config?: Record<string, unknown>; extra?: readonly unknown[] } = {},
): Promise<Machine> {
  return createMachine(
    {
      name: 'devtest',
      plugins: [
        { name: 'mm', params: { mem: opts.mem ?? '256m' } },
        { name: 'block', params: { nr_cpus: opts.cpus ?? 2 } },
        ...devices,
      ],
      config: opts.config ?? {},
    },
    [...catalogue, ...((opts.extra ?? []) as typeof catalogue)],
    { logger: createLogger({ level: 'silent' }) },
  );
}

export function bdevOf(m: Machine, name: string): BlockDevice {
  const b = m.get<BlockDeviceRegistry>(BlockDeviceRegistry).lookup(name);
  if (b === undefined) throw new Error(`no disk ${name}`);
  return b;
}

/** Allocates `n` kernel pages (the buffers of raw bio I/O). */
export function kpages(m: Machine, n: number): number[] {
  const pm = m.get<PhysMem>(PhysMem);
  return Array.from({ length: n }, () => pm.allocPages(0, GFP_KERNEL));
}

/** Submits a bio over `pages` (whole pages unless `len` given) at `sector`, runs virtual time until done. */
export async function bioIo(
  m: Machine,
  bdev: BlockDevice,
  opf: number,
  sector: number,
  pages: number[],
  len = pages.length * 4096,
  off = 0,
): Promise<number> {
  const bio = bioAlloc(bdev, pages.length, opf);
  bio.biIter.biSector = sector;
  let left = len;
  for (let i = 0; i < pages.length && left > 0; i++) {
    const o = i === 0 ? off : 0;
    const n = Math.min(4096 - o, left);
    bioAddPage(bio, pages[i] as number, n, o);
    left -= n;
  }
  const st = { done: false, r: 0 };
  const done = (): boolean => st.done;
  void submitBioWait(bio).then((v) => {
    st.done = true;
    st.r = v;
  });
  const limit = m.scheduler.now() + 600e9;
  while (!done()) {
    const x = await m.scheduler.run({ maxEvents: 1000 });
    if (x.events === 0 && !done()) await new Promise((res) => setImmediate(res));
    if (!done() && (m.scheduler.pending === 0 || m.scheduler.now() > limit)) {
      throw new Error(`bio never completed (t=${m.scheduler.now()})`);
    }
  }
  bioPut(bio);
  return st.r;
}

export function fillPages(m: Machine, pages: number[], f: (page: number, i: number) => number): void {
  const pm = m.get<PhysMem>(PhysMem);
  pages.forEach((pfn, p) => {
    const b = new Uint8Array(4096);
    for (let i = 0; i < 4096; i++) b[i] = f(p, i);
    pm.write(pfn * 4096, b, 0, 4096);
  });
}

export function readPages(m: Machine, pages: number[]): Uint8Array {
  const pm = m.get<PhysMem>(PhysMem);
  const out = new Uint8Array(pages.length * 4096);
  pages.forEach((pfn, i) => {
    pm.read(pfn * 4096, out, i * 4096, 4096);
  });
  return out;
}

import { blkdevReadIter, blkdevWriteIter, iovIterInit, ITER_DEST, ITER_SOURCE, type BlkKiocb } from '@stackemu/block';
import type { MmStruct } from '@stackemu/mm';

/** A process address space from mm's `Mm` service. */
export function newMm(m: Machine, name = 'test'): MmStruct {
  return m.get<{ createMm(n: string): MmStruct }>(Symbol.for('stackemu.Mm')).createMm(name);
}

/** Maps `len` bytes of anonymous memory in `mm`, optionally filled. */
export function umap(mm: MmStruct, len: number, fill?: (i: number) => number): number {
  const a = mm.mmap(0, len, 0x3, 0x22);
  if (a < 0) throw new Error(`mmap ${a}`);
  if (fill !== undefined) {
    const b = new Uint8Array(len);
    for (let i = 0; i < len; i++) b[i] = fill(i);
    if (mm.copyToUser(a, b, 0, len) !== 0) throw new Error('copy_to_user');
  }
  return a;
}

/** Starts an async O_DIRECT read or write on a raw device; the promise settles at completion. */
export function dioAsync(
  m: Machine,
  bdev: BlockDevice,
  mm: MmStruct,
  write: boolean,
  addr: number,
  len: number,
  pos: number,
): Promise<number> {
  const d = m.scheduler.defer<number>();
  const iocb: BlkKiocb = {
    kiPos: pos,
    kiFlags: 1 << 17,
    kiIoprio: 0,
    kiComplete: (_i, res) => {
      d.resolve(res);
    },
  };
  const iter = iovIterInit(write ? ITER_SOURCE : ITER_DEST, mm, [{ iovBase: addr, iovLen: len }]);
  void (write ? blkdevWriteIter(iocb, iter, bdev) : blkdevReadIter(iocb, iter, bdev)).then((r) => {
    if (r !== -529) d.resolve(r);
  });
  return d.promise;
}

/** Runs virtual time until every promise settled. */
export async function runAll<T>(m: Machine, ps: Promise<T>[]): Promise<T[]> {
  const st = { done: false };
  const done = (): boolean => st.done;
  const all = Promise.all(ps).finally(() => {
    st.done = true;
  });
  const limit = m.scheduler.now() + 600e9;
  while (!done()) {
    await m.scheduler.run({ maxEvents: 2000 });
    await new Promise((r) => setImmediate(r));
    if (!done() && (m.scheduler.pending === 0 || m.scheduler.now() > limit)) {
      throw new Error(`I/O never completed (t=${m.scheduler.now()})`);
    }
  }
  return all;
}

export function ubytes(mm: MmStruct, addr: number, len: number): Uint8Array {
  const b = new Uint8Array(len);
  if (mm.copyFromUser(b, 0, addr, len) !== 0) throw new Error('copy_from_user');
  return b;
}
