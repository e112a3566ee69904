/**
 * The raw block-device direct-I/O path as a conformance target: mm + block + memdisk, I/O through
 * `blkdevDirectIO()` (block/fops.c).
 */
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
import type { DioConformanceTarget, DioIoOpts, DioKitMm, DioTarget } from '@stackemu/block/testing';
import { Memdisk, MemdiskId, memdiskPlugin, type MemdiskOptions } from './memdisk.js';

const IOCB_DIRECT = 1 << 17;

async function run(
  machine: Machine,
  it: IovIter,
  pos: number,
  write: boolean,
  opts: DioIoOpts | undefined,
  disk: string,
): Promise<number> {
  const blk = machine.get<BlockLayer>(BlockLayer);
  const bdev = blk.registry.lookup(disk);
  if (bdev === undefined) return -19;
  const k: BlkKiocb = { kiPos: pos, kiFlags: IOCB_DIRECT, kiIoprio: 0 };
  if (opts?.async === true) {
    const d = machine.scheduler.defer<number>();
    k.kiComplete = (_k, res) => {
      d.resolve(res);
    };
    const ret = await (write ? blkdevWriteIter(k, it, bdev) : blkdevReadIter(k, it, bdev));
    if (ret !== -EIOCBQUEUED) return ret;
    await opts.onSubmitted?.();
    return d.promise;
  }
  return write ? blkdevWriteIter(k, it, bdev) : blkdevReadIter(k, it, bdev);
}

/**
 * A conformance target for `/dev/<memdisk>` opened O_DIRECT.
 * @param disk - memdisk options
 */
export function rawBlockDeviceTarget(
  disk: MemdiskOptions = {},
  block: Readonly<Record<string, string | number | boolean>> = {},
): DioConformanceTarget {
  const name = disk.name ?? 'memdisk0';
  return {
    name: `raw block device /dev/${name}${block['era'] !== undefined ? ` (era ${String(block['era'])})` : ''}`,
    createMachine(config) {
      return createMachine(
        {
          name: 'dio-conformance',
          plugins: [
            { name: 'mm', params: { mem: '64m', thp: 'never', dirty_writeback_centisecs: 0 } },
            { name: 'block', params: block },
            { name: 'memdisk' },
          ],
          config,
        },
        [mmPlugin, blockPlugin, memdiskPlugin({ sizeBytes: 8 << 20, ...disk })],
        { logger: createLogger({ level: 'silent' }) },
      );
    },
    open(machine: Machine, mm: DioKitMm): Promise<DioTarget> {
      const md = machine.get<Memdisk>(MemdiskId);
      const lim = md.disk.queue.limits;
      const userMm = mm as unknown as Parameters<typeof importIovec>[1];
      const vec = (dir: 0 | 1, iov: readonly Iovec[]): IovIter => {
        const i = importIovec(dir, userMm, iov, iov.length);
        if (typeof i === 'number') throw new Error(`import_iovec: ${i}`);
        return i;
      };
      return Promise.resolve({
        size: md.store.length,
        blockSize: lim.logicalBlockSize,
        memAlign: lim.dmaAlignment + 1,
        preadv: (iov, pos, opts) => run(machine, vec(ITER_DEST, iov), pos, false, opts, name),
        pwritev: (iov, pos, opts) => run(machine, vec(ITER_SOURCE, iov), pos, true, opts, name),
        readIter: (it, pos, opts) => run(machine, it, pos, false, opts, name),
        writeIter: (it, pos, opts) => run(machine, it, pos, true, opts, name),
        close: () => Promise.resolve(),
      });
    },
    injectFault(machine, fault) {
      machine.get<Memdisk>(MemdiskId).faults.push({ sector: fault.sector, once: fault.once ?? true });
    },
  };
}
