/**
 * Wall-clock cost of the vfs's own per-I/O work: io_uring NOP round trips (submit + CQE + reap), and
 * O_DIRECT reads through io_uring on a filesystem whose readIter completes at once (no device model),
 * so the figure is syscall + SQE decode + kiocb + completion posting only.
 * Run: `npx tsc -p packages/vfs/bench && node packages/vfs/dist-bench/io-uring-nop.js`.
 */
import { VirtualScheduler } from '@stackemu/core';
import {
  blkdevFops,
  dMakeRoot,
  FMODE_CAN_ODIRECT,
  IORING_OP_NOP,
  IORING_OP_READ,
  ioUringParams,
  newInode,
  O_CREAT,
  O_DIRECT,
  O_RDWR,
  S_IFDIR,
  VfsImpl,
  type FileSystemType,
  type Inode,
  type IoUringRings,
  type Kiocb,
  type SuperBlock,
  type Upstream,
} from '@stackemu/vfs';

const iter = { count: 0, iterType: 0, dataSource: false };
const up = {
  importUbuf: (_d: number, _m: unknown, _b: number, len: number) => ((iter.count = len), iter),
  createMm: () => ({ exit: () => undefined }),
  createAddressSpace: (_a: unknown, host: unknown) => ({ host }),
  listBdevs: () => [],
  lookupBdev: () => undefined,
} as unknown as Upstream;

let ino = 0;
const fastfs: FileSystemType = {
  name: 'fastfs',
  fsFlags: 0,
  mount(source: string, flags: number, _d: string, fc): Promise<SuperBlock> {
    const sb = fc.allocSuper(fastfs, source, flags, undefined);
    const root = newInode(sb, ++ino, S_IFDIR | 0o755);
    const file = newInode(sb, ++ino, 0o100644);
    file.iFop = {
      open: (_i: Inode, f) => ((f.fMode |= FMODE_CAN_ODIRECT), 0),
      readIter: (k: Kiocb, it) => {
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

const sched = new VirtualScheduler();
const vfs = new VfsImpl(sched, up, () => [fastfs], blkdevFops(up));
await vfs.init();
await vfs.mount('x', '/', 'fastfs');
const p = vfs.spawn('bench');
const fd = await p.sys.open('/f', O_CREAT | O_RDWR | O_DIRECT);
const ring = p.sys.ioUringSetup(64, ioUringParams());
const r = p.sys.ioUringRings(ring) as IoUringRings;

function run(op: number, n: number, depth: number): number {
  const t0 = performance.now();
  for (let done = 0; done < n; done += depth) {
    for (let i = 0; i < depth; i++) {
      const s = r.sqes[r.sqTail & r.sqMask];
      if (s === undefined) throw new Error('bench: ring');
      s.opcode = op;
      s.fd = fd;
      s.addr = 0x100000;
      s.len = 4096;
      s.off = 4096 * i;
      s.userData = i;
      r.sqTail++;
    }
    p.sys.ioUringEnter(ring, depth, 0, 0);
    r.cqHead = r.cqTail;
  }
  return ((performance.now() - t0) * 1e6) / n;
}

for (const [name, op] of [
  ['NOP', IORING_OP_NOP],
  ['READ 4k O_DIRECT (no device)', IORING_OP_READ],
] as const) {
  run(op, 200_000, 32);
  const ns = run(op, 1_000_000, 32);
  process.stdout.write(`io_uring ${name}, depth 32: ${ns.toFixed(0)} ns per I/O (${(1e3 / ns).toFixed(2)} M/s)\n`);
}
