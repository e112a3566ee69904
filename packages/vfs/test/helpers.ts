/** Shared setup for the vfs tests: a machine-less vfs over the fakes with memfs mounted on `/`. */
import { expect } from 'chai';
import type { Scheduler, VirtualScheduler } from '@stackemu/core';
import type { Process, VfsImpl } from '@stackemu/vfs';
import { makeVfs, type FakeMm, type FakePins } from './fakes.js';
import { memfsType, type MemfsOptions } from './memfs.js';

/** What {@link setupMemfs} returns. */
export interface MemfsSetup {
  readonly vfs: VfsImpl;
  readonly sched: VirtualScheduler;
  readonly pins: FakePins;
  readonly p: Process;
  readonly mm: FakeMm;
}

/** A vfs with memfs on `/` and one process. */
export async function setupMemfs(opts: MemfsOptions = {}): Promise<MemfsSetup> {
  let sched: Scheduler | undefined;
  const proxy = {
    sleep: (ns: number) => (sched as Scheduler).sleep(ns),
    schedule: (ns: number, fn: () => void) => (sched as Scheduler).schedule(ns, fn),
  } as unknown as Scheduler;
  const m = await makeVfs([memfsType(proxy, opts)]);
  sched = m.sched;
  expect(await m.vfs.mount('mem0', '/', 'memfs')).to.equal(0);
  const p = m.vfs.spawn('t');
  return { vfs: m.vfs, sched: m.sched, pins: m.pins, p, mm: p.mm as unknown as FakeMm };
}
