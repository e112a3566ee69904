import { createMachine, type Machine, type StackConfig } from '@stackemu/core';
import { mmPlugin } from '@stackemu/mm';
import { blockPlugin } from '@stackemu/block';
import { nvmePlugin } from '@stackemu/devices';
import { vfsPlugin, Vfs, type File, type Process } from '@stackemu/vfs';
import { fsIomapPlugin } from '@stackemu/fs-iomap';
import { testWiringPlugin } from './upstream-wiring.js';

/** The plugins of the test stack. */
export const catalogue = [mmPlugin, blockPlugin, nvmePlugin, vfsPlugin, fsIomapPlugin, testWiringPlugin];

/** Options of {@link iomapfsMachine}. */
export interface IomapfsMachineOpts {
  /** mkfs options (`blocksize=1024`). */
  readonly options?: string;
  /** Run mkfs (default true). */
  readonly mkfs?: boolean;
  /** `CONFIG_*` values. */
  readonly config?: Readonly<Record<string, unknown>>;
  /** NVMe capacity (default 64m). */
  readonly capacity?: string;
  /** fs-iomap params. */
  readonly fsParams?: Readonly<Record<string, unknown>>;
  /** Mount at all (default true). */
  readonly mount?: boolean;
  /** Extra nvme params (`vwc: true` for a volatile write cache). */
  readonly nvme?: Readonly<Record<string, unknown>>;
}

/** The stack config: NVMe SSD, block, mm, vfs with iomapfs on `/`. */
export function iomapfsStack(o: IomapfsMachineOpts = {}): StackConfig {
  const mounts =
    o.mount === false
      ? []
      : [{ source: 'nvme0n1', target: '/', fstype: 'iomapfs', mkfs: o.mkfs ?? true, options: o.options ?? '' }];
  return {
    name: 'fs-iomap-test',
    plugins: [
      { name: 'mm' },
      { name: 'block' },
      { name: 'nvme', params: { capacity: o.capacity ?? '64m', ...o.nvme } },
      { name: 'fs-iomap', params: o.fsParams ?? {} },
      { name: 'vfs', params: { mounts } },
      { name: 'test-wiring' },
    ],
    config: o.config ?? {},
  };
}

/**
 * Builds a machine with iomapfs mounted on `/`. The mkfs and mount run after `createMachine`, in virtual
 * time (the vfs's `start` does not drive the scheduler while it mounts).
 */
export async function iomapfsMachine(o: IomapfsMachineOpts = {}): Promise<Machine> {
  const m = await createMachine(iomapfsStack({ ...o, mount: false }), catalogue);
  if (o.mount !== false) {
    const vfs = m.get<Vfs>(Vfs);
    await run(m, async () => {
      if (o.mkfs ?? true) {
        const r = await vfs.mkfs('nvme0n1', 'iomapfs', o.options ?? '');
        if (r < 0) throw new Error(`mkfs failed: ${r}`);
      }
      const r = await vfs.mount('nvme0n1', '/', 'iomapfs', 0, o.options ?? '');
      if (r < 0) throw new Error(`mount failed: ${r}`);
    });
  }
  return m;
}

/** A new process on the machine. */
export function spawn(m: Machine, comm = 'test'): Process {
  return m.get<Vfs>(Vfs).spawn(comm);
}

/** Runs `fn` as a process, driving virtual time until it finishes. */
export async function run<T>(m: Machine, fn: () => Promise<T>): Promise<T> {
  const st: { done: boolean } = { done: false };
  const p = fn().finally(() => {
    st.done = true;
  });
  // Keep the rejection observed while virtual time runs; it is re-raised by `await p` below.
  p.catch(() => undefined);
  const done = (): boolean => st.done;
  while (!done()) {
    await m.scheduler.run();
    if (!done()) await new Promise((r) => setImmediate(r));
  }
  return p;
}

/** The open file behind a descriptor of `p`. */
export function fileOf(p: Process, fd: number): File {
  const f = p.sys.file(fd);
  if (f === undefined) throw new Error(`fd ${fd} is not open`);
  return f;
}

/** `a[i]`, which must exist. */
export function at<T>(a: readonly T[], i: number): T {
  const v = a[i];
  if (v === undefined) throw new Error(`no element ${i}`);
  return v;
}

/** Deterministic bytes. */
export function pattern(seed: number, len: number): Uint8Array {
  const b = new Uint8Array(len);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < len; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    b[i] = x & 0xff;
  }
  return b;
}

/** vmstat pin counters. */
export function pins(m: Machine): { acquired: number; released: number } {
  return {
    acquired: m.counters.get('nr_foll_pin_acquired')?.value ?? 0,
    released: m.counters.get('nr_foll_pin_released')?.value ?? 0,
  };
}

/**
 * Unmounts `/` in virtual time (the vfs's `stop` does not drive the scheduler) and stops the machine.
 */
export async function shutdown(m: Machine): Promise<void> {
  const vfs = m.get<Vfs>(Vfs);
  await run(m, async () => {
    for (const p of vfs.processes()) await p.exit();
    const r = await vfs.umount('/');
    if (r < 0 && r !== -22) throw new Error(`umount failed: ${r}`);
  });
  await m.stop();
}

const hints = new WeakMap<object, number>();

/**
 * A fresh, non-overlapping address for a mapping of `len` bytes in `p` (tests pass it as the `mmap` hint, so
 * they do not depend on mm's choice of free areas).
 */
export function hint(p: Process, len: number): number {
  const next = hints.get(p) ?? 0x7000_0000_0000;
  hints.set(p, next + Math.ceil(len / 4096) * 4096 + 65536);
  return next;
}

/** Anonymous private read-write memory of `len` bytes at a fresh address. */
export function anonMap(p: Process, len: number): number {
  const a = p.mm.mmap(hint(p, len), len, 3, 0x22);
  if (a < 0) throw new Error(`mmap: ${a}`);
  return a;
}
