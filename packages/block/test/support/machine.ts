/**
 * Test machines: mm + block + memdisk.
 */
import { createLogger, createMachine, type Machine } from '@stackemu/core';
import { Gup, Mm, PhysMem, Sanitizer, mmPlugin, type MmStruct } from '@stackemu/mm';
import { BlockLayer, blockPlugin, type BlockDevice } from '@stackemu/block';
import { Memdisk, MemdiskId, memdiskPlugin, type MemdiskOptions } from './memdisk.js';

/** What a test gets. */
export interface TestRig {
  readonly machine: Machine;
  readonly blk: BlockLayer;
  readonly physMem: PhysMem;
  readonly gup: Gup;
  readonly sanitizer: Sanitizer;
  readonly md: Memdisk;
  readonly bdev: BlockDevice;
  readonly mmSvc: Mm;
  readonly mm: MmStruct;
  /** Counter value. */
  vm(name: string): number;
  stop(): Promise<void>;
}

/** Options of {@link rig}. */
export interface RigOptions {
  readonly config?: Readonly<Record<string, unknown>>;
  readonly block?: Readonly<Record<string, unknown>>;
  readonly mm?: Readonly<Record<string, unknown>>;
  readonly disk?: MemdiskOptions;
}

/**
 * Builds a machine with mm, block and a memdisk.
 * @param o - options
 */
export async function rig(o: RigOptions = {}): Promise<TestRig> {
  const machine = await createMachine(
    {
      name: 'block-test',
      plugins: [
        { name: 'mm', params: { mem: '64m', thp: 'never', dirty_writeback_centisecs: 0, ...o.mm } },
        { name: 'block', params: { ...o.block } },
        { name: 'memdisk' },
      ],
      config: { ...o.config },
    },
    [mmPlugin, blockPlugin, memdiskPlugin(o.disk)],
    { logger: createLogger({ level: 'silent' }) },
  );
  const blk = machine.get<BlockLayer>(BlockLayer);
  const md = machine.get<Memdisk>(MemdiskId);
  const mmSvc = machine.get<Mm>(Mm);
  const bdev = blk.registry.lookup(md.disk.diskName);
  if (bdev === undefined) throw new Error('memdisk not registered');
  return {
    machine,
    blk,
    physMem: machine.get<PhysMem>(PhysMem),
    gup: machine.get<Gup>(Gup),
    sanitizer: machine.get<Sanitizer>(Sanitizer),
    md,
    bdev,
    mmSvc,
    mm: mmSvc.createMm('test'),
    vm: (name) => machine.counters.get(name)?.value ?? 0,
    stop: () => machine.stop(),
  };
}
