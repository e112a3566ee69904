/**
 * A test-only in-memory filesystem ("memfs") over the fakes: directories, regular files held in byte
 * arrays, O_DIRECT with 512-byte alignment rules and async completion after 1 µs of virtual time.
 */
import { EEXIST, EINVAL, EIOCBQUEUED, ENOSPC, ENOTEMPTY, type Scheduler } from '@stackemu/core';
import {
  dMakeRoot,
  FMODE_CAN_ODIRECT,
  IOCB_APPEND,
  IOCB_DIRECT,
  newInode,
  S_IFDIR,
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
import { copyFromIter, copyToIter, type FakeIter } from './fakes.js';

/** Per-file data. */
export interface MemFile {
  data: Uint8Array;
  fsyncs: number;
}

/** Options of {@link memfsType}. */
export interface MemfsOptions {
  /** Refuse O_DIRECT (no FMODE_CAN_ODIRECT). */
  readonly nodio?: boolean;
  /** Capacity in bytes (ENOSPC past it). */
  readonly capacity?: number;
  /** Virtual ns a direct I/O takes. */
  readonly dioNs?: number;
}

/** Builds the memfs type. */
export function memfsType(sched: Scheduler, opts: MemfsOptions = {}): FileSystemType & { mkfsCalls: string[] } {
  const dioNs = opts.dioNs ?? 1000;
  let ino = 0;
  const fops: FileOperations = {
    open(_inode: Inode, file: File): number {
      if (opts.nodio !== true) file.fMode |= FMODE_CAN_ODIRECT;
      return 0;
    },
    readIter(iocb: Kiocb, it: unknown): number | Promise<number> {
      const iter = it as FakeIter;
      const inode = iocb.kiFilp.fInode;
      const mf = inode.iPrivate as MemFile;
      const direct = (iocb.kiFlags & IOCB_DIRECT) !== 0;
      if (direct && ((iocb.kiPos | iter.count) % 512 !== 0 || iter.firstAddr % 512 !== 0)) return -EINVAL;
      const pos = iocb.kiPos;
      if (pos >= inode.iSize) return 0;
      const n = Math.min(iter.count, inode.iSize - pos);
      const done = copyToIter(mf.data.subarray(pos, pos + n), iter);
      iocb.kiPos += done;
      if (!direct) return done;
      const complete = iocb.kiComplete;
      if (complete !== undefined) {
        sched.schedule(dioNs, () => complete(iocb, done));
        return -EIOCBQUEUED;
      }
      return sched.sleep(dioNs).then(() => done);
    },
    writeIter(iocb: Kiocb, it: unknown): number | Promise<number> {
      const iter = it as FakeIter;
      const inode = iocb.kiFilp.fInode;
      const mf = inode.iPrivate as MemFile;
      const direct = (iocb.kiFlags & IOCB_DIRECT) !== 0;
      if (direct && ((iocb.kiPos | iter.count) % 512 !== 0 || iter.firstAddr % 512 !== 0)) return -EINVAL;
      if (iocb.kiFlags & IOCB_APPEND) iocb.kiPos = inode.iSize;
      const pos = iocb.kiPos;
      const end = pos + iter.count;
      if (opts.capacity !== undefined && end > opts.capacity) return -ENOSPC;
      if (end > mf.data.length) {
        const d = new Uint8Array(Math.max(end, mf.data.length * 2));
        d.set(mf.data);
        mf.data = d;
      }
      const done = copyFromIter(mf.data.subarray(pos, end), iter);
      iocb.kiPos += done;
      if (iocb.kiPos > inode.iSize) inode.iSize = iocb.kiPos;
      if (!direct) return done;
      const complete = iocb.kiComplete;
      if (complete !== undefined) {
        sched.schedule(dioNs, () => complete(iocb, done));
        return -EIOCBQUEUED;
      }
      return sched.sleep(dioNs).then(() => done);
    },
    async fsync(file: File): Promise<number> {
      await sched.sleep(500);
      (file.fInode.iPrivate as MemFile).fsyncs++;
      return 0;
    },
    fallocate(file: File, _mode: number, offset: number, len: number): Promise<number> {
      const inode = file.fInode;
      if (offset + len > inode.iSize) inode.iSize = offset + len;
      return Promise.resolve(0);
    },
    mmap(): number {
      return 0;
    },
  };
  const dirOps: InodeOperations = {
    lookup(dir: Inode, name: string): Promise<Inode | undefined> {
      return Promise.resolve((dir.iPrivate as Map<string, Inode>).get(name));
    },
    create(dir: Inode, name: string, mode: number): Promise<Inode | number> {
      const m = dir.iPrivate as Map<string, Inode>;
      if (m.has(name)) return Promise.resolve(-EEXIST);
      const i = newInode(dir.iSb, ++ino, mode);
      i.iFop = fops;
      i.iOp = fileOps;
      i.iPrivate = { data: new Uint8Array(0), fsyncs: 0 } satisfies MemFile;
      m.set(name, i);
      return Promise.resolve(i);
    },
    mkdir(dir: Inode, name: string, mode: number): Promise<Inode | number> {
      const m = dir.iPrivate as Map<string, Inode>;
      const i = newInode(dir.iSb, ++ino, mode);
      i.iOp = dirOps;
      i.iPrivate = new Map<string, Inode>();
      m.set(name, i);
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
  const fileOps: InodeOperations = {
    setattr(inode: Inode, attr: Iattr): Promise<number> {
      inode.iSize = attr.iaSize;
      return Promise.resolve(0);
    },
  };
  const t = {
    name: 'memfs',
    fsFlags: 0,
    mkfsCalls: [] as string[],
    mount(source: string, flags: number, _data: string, fc: FsContext): Promise<SuperBlock> {
      const sb = fc.allocSuper(t, source, flags, undefined);
      const root = fc.newInode(sb, ++ino, S_IFDIR | 0o755);
      root.iOp = dirOps;
      root.iPrivate = new Map<string, Inode>();
      sb.sRoot = dMakeRoot(root);
      return Promise.resolve(sb);
    },
    mkfs(source: string): Promise<number> {
      t.mkfsCalls.push(source);
      return Promise.resolve(0);
    },
  };
  return t;
}
