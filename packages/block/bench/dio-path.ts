/**
 * Wall-clock cost of the block layer's per-I/O path: `node packages/block/dist-bench/dio-path.js`.
 * Prints ns per 4 KiB direct I/O for (1) take-and-release pages through a bio, (2) a whole async
 * O_DIRECT read on a raw block device with a null driver (submit → blk-mq → queue_rq → completion →
 * unpin), in both eras.
 */
import { ContainerModule } from 'inversify';
import { capabilityId, createLogger, createMachine, definePlugin, type Machine } from '@stackemu/core';
import { Mm, mmPlugin, type MmStruct } from '@stackemu/mm';
import {
  BLK_STS_OK,
  BlockLayer,
  ITER_DEST,
  REQ_OP_READ,
  bioAlloc,
  bioIovIterGetPages,
  bioPut,
  bioReleasePages,
  blkMqAllocDisk,
  blkMqAllocTagSet,
  blkMqCompleteRequest,
  blkMqEndRequest,
  blkMqStartRequest,
  blkdevDirectIO,
  blockPlugin,
  iovIterUbuf,
  setCapacity,
  type BlkKiocb,
  type BlkMqOps,
  type BlockDevice,
  type IovIter,
  type Request,
} from '@stackemu/block';

/** A null_blk-like driver: completes each request 1 µs later. */
function nullPlugin(): ReturnType<typeof definePlugin> {
  return definePlugin({
    name: 'nullb',
    version: '0',
    requires: ['block'],
    provides: [],
    contributes: ['blockdev'],
    module: new ContainerModule(({ bind }) => {
      bind(capabilityId('blockdev')).toConstantValue('nullb');
    }),
    start(ctx) {
      const blk = ctx.container.get<BlockLayer>(BlockLayer);
      const sched = blk.scheduler;
      const irq = (rq: Request): void => {
        blkMqCompleteRequest(rq);
      };
      const ops: BlkMqOps = {
        queueRq(_h, bd) {
          blkMqStartRequest(bd.rq);
          sched.schedule(1000, irq, bd.rq);
          return BLK_STS_OK;
        },
        complete(rq) {
          blkMqEndRequest(rq, BLK_STS_OK);
        },
      };
      const set = { ops, nrHwQueues: 1, queueDepth: 256, flags: 0 };
      blkMqAllocTagSet(blk, set);
      const d = blkMqAllocDisk(set, { maxHwSectors: 2048, maxSegments: 256 });
      if (typeof d === 'number') throw new Error('alloc disk');
      d.diskName = 'nullb0';
      setCapacity(d, (1 << 30) / 512);
      blk.registry.addDisk(d);
    },
  });
}

async function machine(pin: boolean): Promise<{ m: Machine; blk: BlockLayer; bdev: BlockDevice; mm: MmStruct }> {
  const m = await createMachine(
    {
      plugins: [
        { name: 'mm', params: { mem: '256m', thp: 'never', dirty_writeback_centisecs: 0, sanitizer: false } },
        { name: 'block' },
        { name: 'nullb' },
      ],
      config: { CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO: pin },
    },
    [mmPlugin, blockPlugin, nullPlugin()],
    { logger: createLogger({ level: 'silent' }) },
  );
  const blk = m.get<BlockLayer>(BlockLayer);
  const mm = m.get<Mm>(Mm).createMm('bench');
  const bdev = blk.registry.lookup('nullb0');
  if (bdev === undefined) throw new Error('no disk');
  return { m, blk, bdev, mm };
}

function report(name: string, n: number, t0: number): void {
  const ns = ((performance.now() - t0) * 1e6) / n;
  best.set(name, Math.min(best.get(name) ?? Infinity, ns));
}
const best = new Map<string, number>();
function print(): void {
  for (const [name, ns] of best) {
    process.stdout.write(`${name.padEnd(58)} ${ns.toFixed(0).padStart(6)} ns/IO  ${(1e3 / ns).toFixed(2)} M IO/s\n`);
  }
}

async function main(): Promise<void> {
  const N = 200_000;
  for (const pin of [true, false]) {
    const { m, blk, bdev, mm } = await machine(pin);
    const era = `[${blk.era.name}, sanitizer off]`;
    const QD = 32;
    const bufs: number[] = [];
    for (let k = 0; k < QD; k++) {
      const a = mm.mmap(0x1000_0000 + k * 8192, 4096, 3, 0x22 | 0x100000);
      mm.copyToUser(a, new Uint8Array(4096), 0, 4096);
      bufs.push(a);
    }
    // (1) pages into a bio and back out.
    const iters: IovIter[] = bufs.map((a) => iovIterUbuf(ITER_DEST, mm, a, 4096));
    for (let w = 0; w < 4; w++) {
      const t0 = performance.now();
      for (let i = 0; i < N; i++) {
        const it = iters[i % QD] as IovIter;
        it.count = 4096;
        it.iovOffset = 0;
        const bio = bioAlloc(bdev, 1, REQ_OP_READ);
        bioIovIterGetPages(bio, it, 511);
        bioReleasePages(bio, true);
        bioPut(bio);
      }
      if (w > 0) report(`bio_iov_iter_get_pages + bio_release_pages ${era}`, N, t0);
    }
    // (2) whole async O_DIRECT reads, QD 32.
    let done = 0;
    const kio: BlkKiocb[] = bufs.map(() => ({ kiPos: 0, kiFlags: 1 << 17, kiIoprio: 0, kiComplete: () => done++ }));
    for (let w = 0; w < 4; w++) {
      const t0 = performance.now();
      let submitted = 0;
      done = 0;
      while (done < N) {
        while (submitted - done < QD && submitted < N) {
          const k = submitted % QD;
          const it = iters[k] as IovIter;
          it.count = 4096;
          it.iovOffset = 0;
          const kk = kio[k] as BlkKiocb;
          kk.kiPos = (submitted % 1000) * 4096;
          void blkdevDirectIO(kk, it, bdev);
          submitted++;
        }
        m.scheduler.runSync({ maxEvents: QD });
      }
      if (w > 0) report(`async O_DIRECT 4k read, null driver, QD${QD} ${era}`, N, t0);
    }
    await m.stop();
  }
}

await main();
process.stdout.write('best of 3 runs after a warm-up, wall clock (performance.now):\n');
print();
