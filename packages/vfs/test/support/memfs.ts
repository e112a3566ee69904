/**
 * A test-only in-memory filesystem ("memfs") on the real page cache: each regular file's "disk" is a byte
 * array; buffered I/O goes through the vfs's generic paths and mm's page cache (`readFolio` fills a folio
 * from the array, `writepages` writes dirty folios back to it); O_DIRECT copies between the array and the
 * iterator with 512-byte alignment rules and completes after a virtual-time latency.
 */
import { ContainerModule } from 'inversify';
import {
  capabilityId,
  definePlugin,
  EEXIST,
  EINVAL,
  EIOCBQUEUED,
  ENOSPC,
  ENOTEMPTY,
  Scheduler,
  type Plugin,
} from '@stackemu/core';
import { copyFromIter, copyToIter, iovIterAlignment, type IovIter } from '@stackemu/block';
import {
  PAGE_SIZE,
  filemapWriteAndWaitRange,
  folioEndWriteback,
  folioStartWriteback,
  folioUnlock,
  writeCachePages,
  type AddressSpace,
  type AddressSpaceOperations,
  type WritebackControl,
} from '@stackemu/mm';
import {
  dMakeRoot,
  FALLOC_FL_KEEP_SIZE,
  FileSystemTypes,
  FMODE_CAN_ODIRECT,
  genericFileMmap,
  genericFileReadIter,
  genericFileWriteIter,
  IOCB_DIRECT,
  S_IFDIR,
  superSetupBdi,
  type BufferedIo,
  type File,
  type FileOperations,
  type FileSystemType,
  type FsContext,
  type Iattr,
  type Inode,
  type InodeOperations,
  type Kiocb,
  type SuperBlock,
} from '@stackemu/vfs';

/** Per-file state: the file's "disk" and counters. */
export interface MemFile {
  /** What writeback and direct writes stored (beyond its length reads as zeros). */
  data: Uint8Array;
  /** `fsync` calls. */
  fsyncs: number;
  /** Folios written back. */
  writebacks: number;
  /** Folios read in. */
  reads: number;
}

/** Options of {@link memfsType}. */
export interface MemfsOptions {
  /** Refuse O_DIRECT (no FMODE_CAN_ODIRECT). */
  readonly nodio?: boolean;
  /** Capacity of one file in bytes (ENOSPC past it). */
  readonly capacity?: number;
  /** Virtual ns a direct I/O takes (default 1000). */
  readonly dioNs?: number;
  /** Virtual ns `readFolio` takes (default 2000). */
  readonly readNs?: number;
  /** Virtual ns writing back one folio takes (default 3000). */
  readonly writebackNs?: number;
  /** Virtual ns `mount` and `mkfs` take (default 0: they complete at once). */
  readonly mountNs?: number;
  /** `readFolio` fails with this errno (e.g. -EIO). */
  readonly readError?: number;
  /**
   * `writepages` returns once each folio's writeback has started and ends the writeback `writebackNs` later, as
   * block filesystems do (iomap); by default it waits for each folio's writeback to end.
   */
  readonly asyncWriteback?: boolean;
}

interface MemSb {
  readonly fc: FsContext;
  readonly io: BufferedIo;
  readonly sched: Scheduler;
  readonly opts: MemfsOptions;
  ino: number;
}

function sbi(inode: Inode): MemSb {
  return inode.iSb.sFsInfo as MemSb;
}

function memFile(inode: Inode): MemFile {
  return inode.iPrivate as MemFile;
}

function grow(mf: MemFile, end: number): void {
  if (end <= mf.data.length) return;
  const d = new Uint8Array(Math.max(end, mf.data.length * 2));
  d.set(mf.data);
  mf.data = d;
}

const memfsAops: AddressSpaceOperations = {
  async readFolio(mapping: AddressSpace, pfn: number, index: number): Promise<number> {
    const inode = mapping.host as Inode;
    const s = sbi(inode);
    const mf = memFile(inode);
    await s.sched.sleep(s.opts.readNs ?? 2000);
    if (s.opts.readError !== undefined) return s.opts.readError;
    mf.reads++;
    const page = new Uint8Array(PAGE_SIZE);
    const start = index * PAGE_SIZE;
    if (start < mf.data.length) page.set(mf.data.subarray(start, Math.min(start + PAGE_SIZE, mf.data.length)));
    s.io.up.physMem.write(pfn * PAGE_SIZE, page, 0, PAGE_SIZE);
    return 0;
  },
  writepages(mapping: AddressSpace, wbc: WritebackControl): Promise<number> {
    const inode = mapping.host as Inode;
    const s = sbi(inode);
    const mf = memFile(inode);
    const buf = new Uint8Array(PAGE_SIZE);
    return writeCachePages(mapping, wbc, async (pfn, index) => {
      folioStartWriteback(mapping, pfn);
      folioUnlock(mapping, pfn);
      const start = index * PAGE_SIZE;
      const len = Math.max(0, Math.min(PAGE_SIZE, inode.iSize - start));
      s.io.up.physMem.read(pfn * PAGE_SIZE, buf, 0, len);
      grow(mf, start + len);
      mf.data.set(buf.subarray(0, len), start);
      mf.writebacks++;
      const done = s.sched.sleep(s.opts.writebackNs ?? 3000);
      if (s.opts.asyncWriteback === true) {
        void done.then(() => {
          folioEndWriteback(mapping, pfn);
        });
        return 0;
      }
      await done;
      folioEndWriteback(mapping, pfn);
      return 0;
    });
  },
};

/** memfs's `direct_IO`: copies between the file's array and the iterator; does not move `kiPos`. */
function memfsDirectIO(iocb: Kiocb, iter: IovIter): number | Promise<number> {
  const inode = iocb.kiFilp.fInode;
  const s = sbi(inode);
  const mf = memFile(inode);
  const blk = s.io.up.blk;
  const pos = iocb.kiPos;
  if (((pos | iter.count) & 511) !== 0 || (iovIterAlignment(iter) & 511) !== 0) return -EINVAL;
  let done: number;
  if (iter.dataSource) {
    const end = pos + iter.count;
    if (s.opts.capacity !== undefined && end > s.opts.capacity) return -ENOSPC;
    grow(mf, end);
    done = copyFromIter(blk, mf.data, pos, iter.count, iter);
  } else {
    if (pos >= inode.iSize) return 0;
    const n = Math.min(iter.count, inode.iSize - pos);
    const src = new Uint8Array(n);
    src.set(mf.data.subarray(pos, Math.min(pos + n, mf.data.length)));
    done = copyToIter(blk, src, 0, n, iter);
  }
  const ns = s.opts.dioNs ?? 1000;
  const complete = iocb.kiComplete;
  if (complete === undefined) return s.sched.sleep(ns).then(() => done);
  // The filesystem owns `iocb.private` while the I/O is in flight and, like iomap's inline read completion,
  // clears it before `ki_complete`: submitters must not keep their request there.
  iocb.private = mf;
  s.sched.schedule(ns, () => {
    iocb.private = undefined;
    iocb.kiPos += done;
    if (iter.dataSource && iocb.kiPos > inode.iSize) inode.iSize = iocb.kiPos;
    complete(iocb, done);
  });
  return -EIOCBQUEUED;
}

const memfsFops: FileOperations = {
  open(inode: Inode, file: File): number {
    if (sbi(inode).opts.nodio !== true) file.fMode |= FMODE_CAN_ODIRECT;
    return 0;
  },
  readIter(iocb: Kiocb, iter: IovIter): Promise<number> {
    return genericFileReadIter(sbi(iocb.kiFilp.fInode).io, iocb, iter, memfsDirectIO);
  },
  writeIter(iocb: Kiocb, iter: IovIter): Promise<number> {
    if (iocb.kiFlags & IOCB_DIRECT) {
      const cap = sbi(iocb.kiFilp.fInode).opts.capacity;
      if (cap !== undefined && iocb.kiPos + iter.count > cap) return Promise.resolve(-ENOSPC);
    }
    return genericFileWriteIter(sbi(iocb.kiFilp.fInode).io, iocb, iter, memfsDirectIO);
  },
  async fsync(file: File, start: number, end: number): Promise<number> {
    memFile(file.fInode).fsyncs++;
    return filemapWriteAndWaitRange(file.fInode.iMapping, start, end);
  },
  fallocate(file: File, mode: number, offset: number, len: number): Promise<number> {
    const inode = file.fInode;
    if (!(mode & FALLOC_FL_KEEP_SIZE) && offset + len > inode.iSize) inode.iSize = offset + len;
    return Promise.resolve(0);
  },
  mmap: genericFileMmap,
};

const memfsFileIops: InodeOperations = {
  async setattr(inode: Inode, attr: Iattr): Promise<number> {
    const old = inode.iSize;
    inode.iSize = attr.iaSize;
    if (attr.iaSize < old) {
      const mf = memFile(inode);
      if (mf.data.length > attr.iaSize) mf.data.fill(0, attr.iaSize);
      await inode.iSb.sMappings.truncatePagecache(inode, attr.iaSize);
    }
    return 0;
  },
};

function newFile(dir: Inode, mode: number): Inode {
  const s = sbi(dir);
  const i = s.fc.newInode(dir.iSb, ++s.ino, mode, memfsAops);
  i.iFop = memfsFops;
  i.iOp = memfsFileIops;
  i.iPrivate = { data: new Uint8Array(0), fsyncs: 0, writebacks: 0, reads: 0 } satisfies MemFile;
  return i;
}

const memfsDirIops: InodeOperations = {
  lookup(dir: Inode, name: string): Promise<Inode | undefined> {
    return Promise.resolve((dir.iPrivate as Map<string, Inode>).get(name));
  },
  create(dir: Inode, name: string, mode: number): Promise<Inode | number> {
    const m = dir.iPrivate as Map<string, Inode>;
    if (m.has(name)) return Promise.resolve(-EEXIST);
    const i = newFile(dir, mode);
    m.set(name, i);
    return Promise.resolve(i);
  },
  mkdir(dir: Inode, name: string, mode: number): Promise<Inode | number> {
    const s = sbi(dir);
    const i = s.fc.newInode(dir.iSb, ++s.ino, mode);
    i.iOp = memfsDirIops;
    i.iPrivate = new Map<string, Inode>();
    (dir.iPrivate as Map<string, Inode>).set(name, i);
    return Promise.resolve(i);
  },
  unlink(dir: Inode, name: string): Promise<number> {
    (dir.iPrivate as Map<string, Inode>).delete(name);
    return Promise.resolve(0);
  },
  rmdir(dir: Inode, name: string, inode: Inode): Promise<number> {
    if ((inode.iPrivate as Map<string, Inode>).size > 0) return Promise.resolve(-ENOTEMPTY);
    (dir.iPrivate as Map<string, Inode>).delete(name);
    return Promise.resolve(0);
  },
};

/** The memfs type, with the calls it saw. */
export type MemfsType = FileSystemType & { readonly mkfsCalls: string[]; readonly mounts: SuperBlock[] };

/**
 * Builds the memfs type of one machine.
 * @param sched - the machine's scheduler
 * @param opts - behaviour
 */
export function memfsType(sched: Scheduler, opts: MemfsOptions = {}): MemfsType {
  const mkfsCalls: string[] = [];
  const mounts: SuperBlock[] = [];
  const t: MemfsType = {
    name: 'memfs',
    fsFlags: 0,
    mkfsCalls,
    mounts,
    async mount(source: string, flags: number, _data: string, fc: FsContext): Promise<SuperBlock> {
      if ((opts.mountNs ?? 0) > 0) await sched.sleep(opts.mountNs ?? 0);
      const sb = fc.allocSuper(t, source, flags, undefined);
      superSetupBdi(sb);
      sb.sFsInfo = { fc, io: fc.bufferedIo, sched, opts, ino: 1 } satisfies MemSb;
      const root = fc.newInode(sb, 1, S_IFDIR | 0o755);
      root.iOp = memfsDirIops;
      root.iPrivate = new Map<string, Inode>();
      sb.sRoot = dMakeRoot(root);
      mounts.push(sb);
      return sb;
    },
    async mkfs(source: string): Promise<number> {
      if ((opts.mountNs ?? 0) > 0) await sched.sleep(opts.mountNs ?? 0);
      mkfsCalls.push(source);
      return 0;
    },
  };
  return t;
}

/** Service id of the test machine's memfs type. */
export const MemfsId = Symbol('test.Memfs');

/**
 * The `memfs` test plugin: contributes the memfs `FileSystemType` (capability `fs`).
 * @param opts - behaviour
 */
export function memfsPlugin(opts: MemfsOptions = {}): Plugin {
  return definePlugin({
    name: 'memfs',
    version: '0.0.0',
    requires: ['vfs'],
    provides: [],
    contributes: ['fs'],
    module: new ContainerModule(({ bind }) => {
      bind(MemfsId)
        .toDynamicValue((ctx) => memfsType(ctx.get<Scheduler>(Scheduler), opts))
        .inSingletonScope();
      bind(FileSystemTypes).toService(MemfsId);
      bind(capabilityId('fs')).toConstantValue('memfs');
    }),
  });
}
