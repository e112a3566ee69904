/**
 * The `null_blk` plugin.
 * @packageDocumentation
 */
import { capabilityId, definePlugin, Errno, param } from '@stackemu/core';
import { BlockLayer } from '@stackemu/block';
import { PhysMem } from '@stackemu/mm';
import { ContainerModule } from 'inversify';
import { physMemPort } from '../internal/mm-adapter.js';
import { NullBlk } from './null-blk.js';

/** Service identifier of the null_blk devices (`NullBlk[]`). */
export const NullBlkDevices = Symbol.for('stackemu.NullBlkDevices');

/** The `null_blk` module parameters (upstream defaults, except `gb` 250 → `size`). */
export const nullBlkParamSpec = {
  /** Size of each device (gb=250). */
  nr_devices: param.int(1, 'devices nullb0…', 1, 64),
  /** Size of each device (gb=250). */
  size: param.size(250 * 2 ** 30, 'size of each device (gb=250)', 4096),
  /** Submission queues. */
  bs: param.int(512, 'block size', 512, 4096),
  /** Queue depth of each hardware queue. */
  submit_queues: param.int(1, 'submission queues', 1, 1024),
  /** Completion: 0 none (inline), 1 softirq, 2 timer. */
  hw_queue_depth: param.int(64, 'queue depth of each hardware queue', 1, 10240),
  /** Completion: 0 none (inline), 1 softirq, 2 timer. */
  irqmode: param.int(1, 'completion: 0 none (inline), 1 softirq, 2 timer', 0, 2),
  /** Store data in memory (else no data is moved). */
  completion_nsec: param.int(10_000, 'completion delay for irqmode=2 (ns)', 0),
  /** Queue mode: 2 = blk-mq (0 = bio-based is not modelled). */
  memory_backed: param.bool(false, 'store data in memory (else no data is moved)'),
  /** S bindings. * / export const nullBlkModule = new ContainerModule(({ bind }) => { bind(NullBlkDevices).toConstantValue([] as NullBlk[]); bind(capabilityId(. */
  queue_mode: param.int(2, 'queue mode: 2 = blk-mq (0 = bio-based is not modelled)', 0, 2),
};

/** The `null_blk` plugin's bindings. */
export const nullBlkModule = new ContainerModule(({ bind }) => {
  bind(NullBlkDevices).toConstantValue([] as NullBlk[]);
  bind(capabilityId('blockdev:null_blk')).toConstantValue('blockdev:null_blk');
  bind(capabilityId('blockdev')).toConstantValue('blockdev:null_blk');
});

/**
 * The `null_blk` plugin: requires `mm` and `block`, provides `blockdev:null_blk`, contributes `blockdev`. Registers
 * `nullb0`… — the cheapest stack bottom (no DMA, no data unless memory-backed).
 */
export const nullBlkPlugin = definePlugin({
  name: 'null_blk',
  version: '0.1.0',
  description: 'null_blk disks nullb0… (blk-mq, configurable completion, optional memory backing)',
  requires: ['mm', 'block'],
  provides: ['blockdev:null_blk'],
  contributes: ['blockdev'],
  params: nullBlkParamSpec,
  module: nullBlkModule,
  init(ctx) {
    if (ctx.params.queue_mode !== 2)
      throw new Errno(
        95,
        `null_blk: queue_mode=${ctx.params.queue_mode} (bio/legacy) is not supported; use 2 (blk-mq)`,
      );
  },
  start(ctx) {
    const p = ctx.params;
    const blk = ctx.container.get<BlockLayer>(BlockLayer);
    const mem = physMemPort(ctx.container.get<PhysMem>(PhysMem));
    const list = ctx.container.get<NullBlk[]>(NullBlkDevices);
    for (let i = 0; i < p.nr_devices; i++) {
      const d = new NullBlk(blk, mem, {
        sizeBytes: p.size,
        blockSize: p.bs,
        submitQueues: p.submit_queues,
        hwQueueDepth: p.hw_queue_depth,
        irqmode: p.irqmode,
        completionNsec: p.completion_nsec,
        memoryBacked: p.memory_backed,
        index: i,
      });
      const r = d.add();
      if (r < 0) throw new Errno(-r, `null_blk: nullb${i}: add failed`);
      list.push(d);
    }
  },
  stop(ctx) {
    const list = ctx.container.get<NullBlk[]>(NullBlkDevices);
    for (const d of list) d.remove();
    list.length = 0;
  },
});
