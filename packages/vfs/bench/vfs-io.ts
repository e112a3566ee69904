/**
 * Wall-clock cost per I/O of the vfs paths on a real machine (mm + block + the test RAM disk + memfs):
 * - io_uring NOP round trips (submit + CQE + reap): the ring machinery alone;
 * - io_uring 4 KiB O_DIRECT READ on a filesystem whose read completes at once (no device): syscall, SQE
 *   decode, `import_ubuf`, kiocb, completion posting;
 * - the same READ_FIXED and READ through /dev/ram0 (bio, pins for READ, blk-mq, RAM-disk "DMA", completion),
 *   with a 0 ns device so virtual time costs nothing;
 * - psync-style pread 4 KiB O_DIRECT on /dev/ram0, and buffered pread 4 KiB hitting memfs's page cache.
 * Run: `npx tsc -p packages/vfs/bench && node packages/vfs/dist-bench/bench/vfs-io.js`.
 */
import { ContainerModule } from 'inversify';
import { capabilityId, createLogger, createMachine, definePlugin, type Machine } from '@stackemu/core';
import { MAP_ANONYMOUS, MAP_PRIVATE, PROT_READ, PROT_WRITE, mmPlugin } from '@stackemu/mm';
import { blockPlugin } from '@stackemu/block';
import {
  dMakeRoot,
  FileSystemTypes,
  FMODE_CAN_ODIRECT,
  IORING_OP_NOP,
  IORING_OP_READ,
  IORING_OP_READ_FIXED,
  IORING_REGISTER_BUFFERS,
  ioUringParams,
  O_CREAT,
  O_DIRECT,
  O_RDONLY,
  O_RDWR,
  S_IFDIR,
  Vfs,
  vfsPlugin,
  type FileSystemType,
  type IoUringRings,
  type Process,
  type SuperBlock,
  type VfsImpl,
} from '@stackemu/vfs';
import { memfsPlugin } from '../test/support/memfs.js';
import { ramdiskPlugin } from '../test/support/ramdisk.js';

/** A filesystem whose O_DIRECT reads complete at once without touching memory (vfs cost only). */
const fastfs: FileSystemType = {
  name: 'fastfs',
  fsFlags: 0,
  mount(source: string, flags: number, _d: string, fc): Promise<SuperBlock> {
    const sb = fc.allocSuper(fastfs, source, flags, undefined);
    const root = fc.newInode(sb, 1, S_IFDIR | 0o755);
    const file = fc.newInode(sb, 2, 0o100644);
    file.iFop = {
      open: (_i, f) => {
        f.fMode |= FMODE_CAN_ODIRECT;
        return 0;
      },
      readIter: (k, it) => {
        const n = it.count;
        it.count = 0;
        k.kiPos += n;
        return n;
      },
    };
    root.iOp = { lookup: () => Promise.resolve(file), create: () => Promise.resolve(file) };
    sb.sRoot = dMakeRoot(root);
    return Promise.resolve(sb);
  },
};

const fastfsPlugin = definePlugin({
  name: 'fastfs',
  version: '0.0.0',
  requires: ['vfs'],
  provides: [],
  contributes: ['fs'],
  module: new ContainerModule(({ bind }) => {
    bind(FileSystemTypes).toConstantValue(fastfs);
    bind(capabilityId('fs')).toConstantValue('fastfs');
  }),
});

const machine: Machine = await createMachine(
  {
    name: 'vfs-bench',
    plugins: [
      { name: 'mm', params: { mem: '256m', thp: 'never', dirty_writeback_centisecs: 0, sanitizer: false } },
      { name: 'block' },
      { name: 'ramdisk' },
      { name: 'memfs' },
      { name: 'fastfs' },
      {
        name: 'vfs',
        params: {
          mounts: [
            { source: 'mem0', target: '/', fstype: 'memfs' },
            { source: 'fast', target: '/fast', fstype: 'fastfs' },
          ],
        },
      },
    ],
  },
  [
    mmPlugin,
    blockPlugin,
    ramdiskPlugin([{ sizeBytes: 64 << 20, latencyNs: 0 }]),
    memfsPlugin({ readNs: 0, dioNs: 0 }),
    fastfsPlugin,
    vfsPlugin,
  ],
  { logger: createLogger({ level: 'silent' }) },
);
const sched = machine.scheduler;
const vfs = machine.get<VfsImpl>(Vfs);
const p: Process = vfs.spawn('bench');
const buf = p.sys.mmap(0, 64 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
p.mm.copyToUser(buf, new Uint8Array(64 * 4096).fill(1), 0, 64 * 4096);

const run = <T>(fn: () => Promise<T>): Promise<T> => sched.runUntil(fn());

const fastFd = await run(() => p.sys.open('/fast/f', O_RDWR | O_DIRECT));
const devFd = await run(() => p.sys.open('/dev/ram0', O_RDONLY | O_DIRECT));
const memFd = await run(() => p.sys.open('/m', O_CREAT | O_RDWR));
await run(() => p.sys.pwrite(memFd, buf, 64 * 4096, 0));

const ring = p.sys.ioUringSetup(64, ioUringParams());
const r = p.sys.ioUringRings(ring) as IoUringRings;
const reg = p.sys.ioUringRegister(ring, IORING_REGISTER_BUFFERS, [{ iovBase: buf, iovLen: 32 * 4096 }], 1);
if (reg !== 0) throw new Error(`bench: register ${reg}`);

async function ringLoop(op: number, fd: number, n: number, depth: number): Promise<number> {
  const t0 = performance.now();
  for (let done = 0; done < n; done += depth) {
    for (let i = 0; i < depth; i++) {
      const s = r.sqes[r.sqTail & r.sqMask];
      if (s === undefined) throw new Error('bench: ring');
      s.opcode = op;
      s.fd = fd;
      s.addr = buf + 4096 * i;
      s.len = 4096;
      s.off = 4096 * i;
      s.userData = i;
      s.bufIndex = 0;
      r.sqTail++;
    }
    const e = p.sys.ioUringEnter(ring, depth, depth, 1);
    if (typeof e !== 'number') await e;
    r.cqHead = r.cqTail;
  }
  return ((performance.now() - t0) * 1e6) / n;
}

async function preadLoop(fd: number, n: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const res = await p.sys.pread(fd, buf, 4096, 4096 * (i & 31));
    if (res !== 4096) throw new Error(`bench: pread ${res}`);
  }
  return ((performance.now() - t0) * 1e6) / n;
}

function line(name: string, ns: number): void {
  process.stdout.write(`${name}: ${ns.toFixed(0)} ns per I/O (${(1e3 / ns).toFixed(2)} M/s)\n`);
}

const cases: [string, () => Promise<number>][] = [
  ['io_uring NOP, depth 32', () => ringLoop(IORING_OP_NOP, -1, 200_000, 32)],
  ['io_uring READ 4k O_DIRECT, no device, depth 32', () => ringLoop(IORING_OP_READ, fastFd, 200_000, 32)],
  ['io_uring READ 4k O_DIRECT /dev/ram0 (pins), depth 32', () => ringLoop(IORING_OP_READ, devFd, 50_000, 32)],
  ['io_uring READ_FIXED 4k O_DIRECT /dev/ram0, depth 32', () => ringLoop(IORING_OP_READ_FIXED, devFd, 50_000, 32)],
  ['pread 4k O_DIRECT /dev/ram0 (psync)', () => preadLoop(devFd, 30_000)],
  ['pread 4k buffered, page-cache hit (memfs)', () => preadLoop(memFd, 50_000)],
];
for (const [name, fn] of cases) {
  await run(fn); // warm-up
  line(name, await run(fn));
}
await machine.stop();
