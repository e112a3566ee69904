/**
 * The `ramdisk` plugin (brd).
 * @packageDocumentation
 */
import { capabilityId, definePlugin, Errno, param } from '@stackemu/core';
import { BlockLayer } from '@stackemu/block';
import { PhysMem } from '@stackemu/mm';
import { ContainerModule } from 'inversify';
import { physMemPort } from '../internal/mm-adapter.js';
import { Brd } from './brd.js';

/** Service identifier of the RAM disks (`Brd[]`). */
export const RamdiskDevices = Symbol.for('stackemu.RamdiskDevices');

/** brd's module parameters. */
export const ramdiskParamSpec = {
  /** Size of each RAM disk in KiB (rd_size, CONFIG_BLK_DEV_RAM_SIZE). */
  rd_nr: param.int(1, 'RAM disks ram0… (rd_nr)', 1, 64),
  /** S bindings. * / export const ramdiskModule = new ContainerModule(({ bind }) => { bind(RamdiskDevices).toConstantValue([] as Brd[]); bind(capabilityId(. */
  rd_size: param.int(4096, 'size of each RAM disk in KiB (rd_size, CONFIG_BLK_DEV_RAM_SIZE)', 4),
};

/** The `ramdisk` plugin's bindings. */
export const ramdiskModule = new ContainerModule(({ bind }) => {
  bind(RamdiskDevices).toConstantValue([] as Brd[]);
  bind(capabilityId('blockdev:ramdisk')).toConstantValue('blockdev:ramdisk');
  bind(capabilityId('blockdev')).toConstantValue('blockdev:ramdisk');
});

/**
 * The `ramdisk` plugin: requires `mm` and `block`, provides `blockdev:ramdisk`, contributes `blockdev`. Registers
 * `ram0`…, zero-latency disks whose data lives in (sparse) memory.
 */
export const ramdiskPlugin = definePlugin({
  name: 'ramdisk',
  version: '0.1.0',
  description: 'RAM disks ram0… (brd)',
  requires: ['mm', 'block'],
  provides: ['blockdev:ramdisk'],
  contributes: ['blockdev'],
  params: ramdiskParamSpec,
  module: ramdiskModule,
  start(ctx) {
    const blk = ctx.container.get<BlockLayer>(BlockLayer);
    const mem = physMemPort(ctx.container.get<PhysMem>(PhysMem));
    const list = ctx.container.get<Brd[]>(RamdiskDevices);
    for (let i = 0; i < ctx.params.rd_nr; i++) {
      const d = new Brd(blk, mem, i, ctx.params.rd_size * 1024);
      const r = d.add();
      if (r < 0) throw new Errno(-r, `brd: ram${i}: add failed`);
      list.push(d);
    }
  },
  stop(ctx) {
    const list = ctx.container.get<Brd[]>(RamdiskDevices);
    for (const d of list) d.remove();
    list.length = 0;
  },
});
