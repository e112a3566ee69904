/**
 * Test machines for the vfs: the real mm and block plugins, the test RAM disk and memfs, and the vfs with
 * memfs mounted on `/` by its `mounts` parameter.
 */
import { createLogger, createMachine, type Machine } from '@stackemu/core';
import {
  MAP_ANONYMOUS,
  MAP_FIXED_NOREPLACE,
  MAP_PRIVATE,
  PROT_READ,
  PROT_WRITE,
  PhysMem,
  Sanitizer,
  mmPlugin,
  type MmStruct,
} from '@stackemu/mm';
import { BlockLayer, blockPlugin } from '@stackemu/block';
import { Vfs, vfsPlugin, type Process, type VfsImpl } from '@stackemu/vfs';
import { MemfsId, memfsPlugin, type MemfsOptions, type MemfsType } from './memfs.js';
import { RamdisksId, ramdiskPlugin, type Ramdisk, type RamdiskSpec } from './ramdisk.js';

/** Options of {@link rig}. */
export interface RigOptions {
  /** RAM disks (default one 8 MiB `ram0`). */
  readonly disks?: readonly RamdiskSpec[];
  /** memfs behaviour. */
  readonly memfs?: MemfsOptions;
  /** The vfs `mounts` parameter (default memfs `mem0` on `/`). */
  readonly mounts?: readonly Readonly<Record<string, unknown>>[];
  /** mm parameters added to the defaults (64 MiB, no THP, no periodic writeback). */
  readonly mm?: Readonly<Record<string, unknown>>;
  /** `CONFIG_*` values. */
  readonly config?: Readonly<Record<string, unknown>>;
}

/** What a test gets. */
export interface Rig {
  readonly machine: Machine;
  readonly vfs: VfsImpl;
  readonly blk: BlockLayer;
  readonly physMem: PhysMem;
  readonly sanitizer: Sanitizer;
  readonly disks: readonly Ramdisk[];
  readonly memfs: MemfsType;
  /** A process. */
  readonly p: Process;
  /** Its address space. */
  readonly mm: MmStruct;
  /** A vmstat (or other) counter's value. */
  readonly vm: (name: string) => number;
  /** Runs `fn` as a process, driving virtual time until it settles. */
  readonly run: <T>(fn: () => Promise<T> | T) => Promise<T>;
  /** Runs virtual time until no event is left. */
  readonly idle: () => Promise<void>;
  /** Maps `len` bytes of anonymous memory in `p`, filled with `fill` when given. */
  readonly buf: (len: number, fill?: number | Uint8Array) => number;
  /** Reads `len` bytes of `p`'s memory at `addr`. */
  readonly peek: (addr: number, len: number) => Uint8Array;
}

/** The plugins a test machine is made of. */
export function catalogue(o: RigOptions = {}): ReturnType<typeof ramdiskPlugin>[] {
  return [mmPlugin, blockPlugin, ramdiskPlugin(o.disks), memfsPlugin(o.memfs), vfsPlugin] as ReturnType<
    typeof ramdiskPlugin
  >[];
}

/** Runs `fn` on `m`, driving virtual time until it settles. */
export function runOn<T>(m: Machine, fn: () => Promise<T> | T): Promise<T> {
  return m.scheduler.runUntil(Promise.resolve().then(fn));
}

/**
 * Builds a machine: mm (64 MiB, THP off, periodic writeback off), block, RAM disks, memfs and the vfs.
 * @param o - options
 */
export async function rig(o: RigOptions = {}): Promise<Rig> {
  const machine = await createMachine(
    {
      name: 'vfs-test',
      plugins: [
        { name: 'mm', params: { mem: '64m', thp: 'never', dirty_writeback_centisecs: 0, ...o.mm } },
        { name: 'block' },
        { name: 'ramdisk' },
        { name: 'memfs' },
        { name: 'vfs', params: { mounts: o.mounts ?? [{ source: 'mem0', target: '/', fstype: 'memfs' }] } },
      ],
      config: { ...o.config },
    },
    catalogue(o),
    { logger: createLogger({ level: 'silent' }) },
  );
  const vfs = machine.get<VfsImpl>(Vfs);
  const p = vfs.spawn('test');
  const mm = p.mm;
  let next = 0x1000_0000;
  return {
    machine,
    vfs,
    blk: machine.get<BlockLayer>(BlockLayer),
    physMem: machine.get<PhysMem>(PhysMem),
    sanitizer: machine.get<Sanitizer>(Sanitizer),
    disks: machine.get<Ramdisk[]>(RamdisksId),
    memfs: machine.get<MemfsType>(MemfsId),
    p,
    mm,
    vm: (name) => machine.counters.get(name)?.value ?? 0,
    run: (fn) => runOn(machine, fn),
    idle: async () => {
      await machine.scheduler.run();
    },
    buf: (len, fill) => {
      const size = Math.ceil(len / 4096) * 4096;
      const at = next;
      next += size + 4096;
      const a = p.sys.mmap(at, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
      if (a !== at) throw new Error(`mmap at 0x${at.toString(16)} failed: ${a}`);
      if (fill !== undefined) {
        const data = typeof fill === 'number' ? new Uint8Array(len).fill(fill) : fill;
        if (mm.copyToUser(a, data, 0, data.length) !== 0) throw new Error('copyToUser failed');
      }
      return a;
    },
    peek: (addr, len) => {
      const b = new Uint8Array(len);
      if (mm.copyFromUser(b, 0, addr, len) !== 0) throw new Error('copyFromUser failed');
      return b;
    },
  };
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
