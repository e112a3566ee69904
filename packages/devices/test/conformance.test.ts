/**
 * The block layer's direct-I/O conformance kit on the raw nvme0n1 and vda devices.
 */
import { expect } from 'chai';
import { createLogger, createMachine, EIOCBQUEUED, type Machine } from '@stackemu/core';
import { mmPlugin } from '@stackemu/mm';
import {
  BlockLayer,
  ITER_DEST,
  ITER_SOURCE,
  blkdevReadIter,
  blkdevWriteIter,
  blockPlugin,
  importIovec,
  type BlkKiocb,
  type IovIter,
  type Iovec,
} from '@stackemu/block';
import {
  dioConformanceCases,
  type DioConformanceTarget,
  type DioIoOpts,
  type DioKitMm,
  type DioTarget,
} from '@stackemu/block/testing';
import { NvmeDevices, VirtioBlkDevices, nvmePlugin, virtioBlkPlugin } from '@stackemu/devices';

async function run(
  m: Machine,
  disk: string,
  it: IovIter,
  pos: number,
  write: boolean,
  opts: DioIoOpts | undefined,
): Promise<number> {
  const bdev = m.get<BlockLayer>(BlockLayer).registry.lookup(disk);
  if (bdev === undefined) return -19;
  const k: BlkKiocb = { kiPos: pos, kiFlags: 1 << 17, kiIoprio: 0 };
  if (opts?.async === true) {
    const d = m.scheduler.defer<number>();
    k.kiComplete = (_k, res) => {
      d.resolve(res);
    };
    const ret = await (write ? blkdevWriteIter(k, it, bdev) : blkdevReadIter(k, it, bdev));
    if (ret !== -EIOCBQUEUED) return ret;
    await opts.onSubmitted?.();
    return d.promise;
  }
  // The kit's io() runs virtual time until idle, then awaits this.
  return write ? blkdevWriteIter(k, it, bdev) : blkdevReadIter(k, it, bdev);
}

function rawTarget(
  disk: 'nvme0n1' | 'vda',
  device: { name: string; params: Record<string, unknown> },
): DioConformanceTarget {
  return {
    name: `raw /dev/${disk}`,
    createMachine(config) {
      return createMachine(
        {
          name: 'dio-conformance',
          plugins: [
            { name: 'mm', params: { mem: '64m', thp: 'never', dirty_writeback_centisecs: 0 } },
            { name: 'block' },
            device,
          ],
          config,
        },
        [mmPlugin, blockPlugin, nvmePlugin, virtioBlkPlugin],
        { logger: createLogger({ level: 'silent' }) },
      );
    },
    open(m: Machine, mm: DioKitMm): Promise<DioTarget> {
      const bdev = m.get<BlockLayer>(BlockLayer).registry.lookup(disk);
      if (bdev === undefined) throw new Error(`no ${disk}`);
      const lim = bdev.bdQueue.limits;
      const vec = (dir: 0 | 1, iov: readonly Iovec[]): IovIter => {
        const i = importIovec(dir, mm as unknown as Parameters<typeof importIovec>[1], iov, iov.length);
        if (typeof i === 'number') throw new Error(`import_iovec: ${i}`);
        return i;
      };
      return Promise.resolve({
        size: bdev.bdNrSectors * 512,
        blockSize: lim.logicalBlockSize,
        memAlign: lim.dmaAlignment + 1,
        preadv: (iov, pos, opts) => run(m, disk, vec(ITER_DEST, iov), pos, false, opts),
        pwritev: (iov, pos, opts) => run(m, disk, vec(ITER_SOURCE, iov), pos, true, opts),
        readIter: (it, pos, opts) => run(m, disk, it, pos, false, opts),
        writeIter: (it, pos, opts) => run(m, disk, it, pos, true, opts),
        close: () => Promise.resolve(),
      });
    },
    injectFault(m, fault) {
      if (disk === 'nvme0n1') {
        const c = m.get<NvmeDevices>(NvmeDevices).controllers[0];
        c?.inject({ type: 'media_error', nsid: 1, lba: fault.sector, count: 1, atNs: 0 });
        c?.inject({ type: 'write_fault', nsid: 1, lba: fault.sector, count: 1, atNs: 0 });
      } else {
        const d = m.get<VirtioBlkDevices>(VirtioBlkDevices).devices[0];
        d?.hw.markBadSectors(fault.sector, 1);
        d?.hw.markWriteFault(fault.sector, 1);
      }
    },
  };
}

const targets: [string, DioConformanceTarget][] = [
  ['nvme0n1', rawTarget('nvme0n1', { name: 'nvme', params: { capacity: '32m' } })],
  [
    'nvme0n1 behind a strict IOMMU',
    rawTarget('nvme0n1', { name: 'nvme', params: { capacity: '32m', 'dma.iommu': 'strict', 'dma.debug': true } }),
  ],
  ['vda', rawTarget('vda', { name: 'virtio-blk', params: { capacity: '32m' } })],
];

for (const [name, t] of targets) {
  describe(`direct-I/O conformance kit on raw ${name}`, () => {
    for (const c of dioConformanceCases(t)) {
      it(c.title, async () => {
        const res = await c.run();
        if (!res.ran) expect(res.skipped).to.match(/block size above|target accepts byte-aligned/);
      });
    }
  });
}
