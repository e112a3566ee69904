import { EIOCBQUEUED, type Machine } from '@stackemu/core';
import { BlockLayer, bdevDmaAlignment, importIovec, type IovIter, type Iovec } from '@stackemu/block';
import { dioConformanceCases, type DioConformanceTarget, type DioIoOpts, type DioKitMm } from '@stackemu/block/testing';
import { NvmeDevices } from '@stackemu/devices';
import { O_CREAT, O_DIRECT, O_RDWR, Kiocb, callRwIter, type File } from '@stackemu/vfs';
import { iomapfsI } from '@stackemu/fs-iomap';
import { iomapfsMachine, run, shutdown, spawn } from './helpers/machine.js';

const SIZE = 4 << 20;
const PATH = '/dio';

const drivers = new WeakMap<Machine, { waiting: number; loop: Promise<void> | undefined }>();

/**
 * Runs virtual time until `p` settles (the kit awaits results directly, several at once for concurrent
 * I/O: one loop per machine drives them all).
 */
async function drive<T>(m: Machine, p: Promise<T> | T): Promise<T> {
  let d = drivers.get(m);
  if (d === undefined) {
    d = { waiting: 0, loop: undefined };
    drivers.set(m, d);
  }
  const st = d;
  st.waiting++;
  const settled = Promise.resolve(p).finally(() => {
    st.waiting--;
  });
  st.loop ??= (async () => {
    while (st.waiting > 0) {
      await m.scheduler.run();
      await new Promise((r) => setImmediate(r));
    }
    st.loop = undefined;
  })();
  const v = await settled;
  // Return only once the loop has stopped, so that the kit may run the scheduler itself afterwards.
  const running = (): Promise<void> | undefined => st.loop;
  for (let l = running(); l !== undefined; l = running()) await l;
  return v;
}

function rwIter(m: Machine, file: File, iter: IovIter, rw: 0 | 1, pos: number, opts?: DioIoOpts): Promise<number> {
  const iocb = new Kiocb(file);
  iocb.kiPos = pos;
  iocb.kiFlags = file.fIocbFlags;
  if (opts?.async !== true) return drive(m, callRwIter(iocb, iter as never, rw));
  const box: { resolve: (v: number) => void } = { resolve: () => undefined };
  const done = new Promise<number>((r) => {
    box.resolve = r;
  });
  iocb.kiComplete = (_k, res) => {
    box.resolve(res);
  };
  return drive(
    m,
    (async () => {
      const r = await callRwIter(iocb, iter, rw);
      if (r !== -EIOCBQUEUED) return r;
      await opts.onSubmitted?.();
      return done;
    })(),
  );
}

function rwUser(
  m: Machine,
  file: File,
  mm: DioKitMm,
  rw: 0 | 1,
  iov: readonly Iovec[],
  pos: number,
  opts?: DioIoOpts,
): Promise<number> {
  const iter = importIovec(rw === 0 ? 0 : 1, mm as never, iov, iov.length);
  if (typeof iter === 'number') return Promise.resolve(iter);
  return rwIter(m, file, iter, rw, pos, opts);
}

/** Machines of the kit: iomapfs on NVMe, a 4 MiB file written with zeroes, opened `O_DIRECT`. */
function target(name: string, options: string): DioConformanceTarget {
  const files = new WeakMap<Machine, File>();
  return {
    name,
    async createMachine(config) {
      const m = await iomapfsMachine({ config, options, capacity: '64m' });
      await run(m, async () => {
        const p = spawn(m, 'setup');
        const fd = await p.sys.open(PATH, O_CREAT | O_RDWR | O_DIRECT);
        const buf = p.mm.mmap(0, 1 << 20, 3, 0x22);
        p.mm.copyToUser(buf, new Uint8Array(1 << 20), 0, 1 << 20);
        for (let off = 0; off < SIZE; off += 1 << 20) {
          const w = await p.sys.pwrite(fd, buf, 1 << 20, off);
          if (w !== 1 << 20) throw new Error(`setup write: ${w}`);
        }
        await p.sys.close(fd);
        await p.exit();
      });
      // Stop unmounts in virtual time (the vfs's stop does not drive the scheduler).
      return new Proxy(m, {
        get(t, prop) {
          if (prop === 'stop') return () => shutdown(t);
          const v: unknown = Reflect.get(t, prop, t);
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
        },
      });
    },
    async open(m, mm) {
      const p = spawn(m, 'dio');
      const fd = await drive(m, p.sys.open(PATH, O_RDWR | O_DIRECT));
      const file = p.sys.file(fd) as File;
      files.set(m, file);
      const bdev = m.get<BlockLayer>(BlockLayer).registry.lookup('nvme0n1');
      if (bdev === undefined) throw new Error('no nvme0n1');
      return {
        size: SIZE,
        blockSize: 512,
        memAlign: bdevDmaAlignment(bdev) + 1,
        preadv: (iov, pos, opts) => rwUser(m, file, mm, 0, iov, pos, opts),
        pwritev: (iov, pos, opts) => rwUser(m, file, mm, 1, iov, pos, opts),
        readIter: (iter, pos, opts) => rwIter(m, file, iter, 0, pos, opts),
        writeIter: (iter, pos, opts) => rwIter(m, file, iter, 1, pos, opts),
        close: async () => {
          await drive(m, p.sys.close(fd));
        },
      };
    },
    injectFault(m, fault) {
      // The kit's sector is a file offset: map it through the file's extents to the device LBA.
      const file = files.get(m);
      if (file === undefined) throw new Error('fault before open');
      const ii = iomapfsI(file.fInode);
      const bs = ii.sbi.blockSize;
      const pos = fault.sector * 512;
      const e = ii.extMap.extents.find((x) => pos >= x.lblk * bs && pos < (x.lblk + x.len) * bs);
      if (e === undefined) throw new Error(`fault at file offset ${pos}: not allocated`);
      const lba = (e.pblk * bs + (pos - e.lblk * bs)) / 512;
      const ctrl = m.get<NvmeDevices>(NvmeDevices).controllers[0];
      if (ctrl === undefined) throw new Error('no nvme controller');
      ctrl.inject({ type: 'media_error', nsid: 1, lba, count: 8, atNs: 0 });
      ctrl.inject({ type: 'write_fault', nsid: 1, lba, count: 8, atNs: 0 });
    },
  };
}

const expectPins: Record<string, number> = {
  'aligned sync write+read 4k': 2,
  'aligned async write+read 4k': 2,
  'unaligned buffer (offset 512) 4k read spans 2 pages': 4,
  'vectored: two 2k iovecs in one page': 3,
  'large 1m write+read': 512,
  'write from never-touched memory (zero page)': 16,
};

for (const [name, options] of [
  ['iomapfs (4 KiB blocks)', ''],
  ['iomapfs (1 KiB blocks)', 'blocksize=1024'],
] as const) {
  describe(`block conformance kit: ${name}`, function () {
    this.timeout(60_000);
    for (const c of dioConformanceCases(target(name, options), { expectPins })) {
      it(c.title, async function () {
        const r = await c.run();
        if (!r.ran) this.skip();
      });
    }
  });
}
