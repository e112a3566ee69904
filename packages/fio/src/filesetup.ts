/**
 * Files of a job (`filesetup.c`): types and sizes, the I/O region of each file, laying files out before
 * the run, and opening and closing them through the engine.
 * @packageDocumentation
 */
import { ENOENT, ENOSPC, EIO } from '@stackemu/core';
import {
  O_CREAT,
  O_RDONLY,
  O_TRUNC,
  O_WRONLY,
  SEEK_END,
  S_IFBLK,
  S_IFCHR,
  S_IFMT,
  S_IFREG,
  type Stat,
} from '@stackemu/vfs';
import { Axmap } from './axmap.js';
import { FioFile, type FioFileType } from './fio-file.js';
import type { FioProcess, FioSyscalls } from './fio-host.js';
import { FIO_DISKLESSIO, FIO_NOEXTEND, tdIoengineFlagged, type IoEngineOps } from './ioengines.js';
import { ProcessMalloc } from './memory.js';
import type { ThreadData } from './thread-data.js';
import { tdMinBs, tdRandom, tdRead, tdWrite } from './thread-options.js';
import { fillBytes } from './verify.js';

/** Models `get_start_offset()` (filesetup.c). */
export function getStartOffset(td: ThreadData, f: FioFile): number {
  const o = td.o;
  if (o.fileAppend && f.filetype === 'file') return f.realFileSize;
  let align = false;
  let increment: number;
  if ('percent' in o.offsetIncrement) {
    increment = Math.trunc((o.offsetIncrement.percent * f.realFileSize) / 100);
    align = true;
  } else increment = o.offsetIncrement.bytes;
  let offset: number;
  if ('percent' in o.startOffset && o.startOffset.percent > 0) {
    offset = Math.trunc((f.realFileSize * o.startOffset.percent) / 100) + td.job.subjobNumber * increment;
    align = true;
  } else {
    offset = ('bytes' in o.startOffset ? o.startOffset.bytes : 0) + td.job.subjobNumber * increment;
  }
  if (align) {
    const alignBs = o.startOffsetAlign !== 0 ? o.startOffsetAlign : Math.min(o.minBs[0], o.minBs[1], o.minBs[2]);
    offset = (Math.trunc(offset / alignBs) + (offset % alignBs !== 0 ? 1 : 0)) * alignBs;
  }
  return offset;
}

/** Models `POSIX_FADV_DONTNEED` (include/uapi/linux/fadvise.h). */
export const POSIX_FADV_DONTNEED = 4;

/**
 * Models `__file_invalidate_cache()` (filesetup.c) for regular files: `posix_fadvise(POSIX_FADV_DONTNEED)`
 * over the range. If the stack's vfs has no fadvise, the pages stay cached and a note says so.
 */
export async function fileInvalidateCache(
  td: ThreadData,
  sys: FioSyscalls,
  f: FioFile,
  fd: number,
  off: number,
  len: number,
): Promise<void> {
  if (f.filetype !== 'file' || tdIoengineFlagged(td, FIO_DISKLESSIO)) return;
  if (sys.fadvise !== undefined) {
    const r = await sys.fadvise(fd, off, len, POSIX_FADV_DONTNEED);
    if (r < 0) td.notes.push(`posix_fadvise(${f.fileName}): error ${-r}`);
    return;
  }
  if (!td.invalidateNoted) {
    td.invalidateNoted = true;
    td.notes.push(
      'invalidate: the stack has no posix_fadvise(POSIX_FADV_DONTNEED); cached pages of job files were kept',
    );
  }
}

function emptyStat(): Stat {
  return { dev: 0, ino: 0, mode: 0, nlink: 0, rdev: 0, size: 0, blksize: 0, blocks: 0, mtimeNs: 0, ctimeNs: 0 } as Stat;
}

/** Models `get_file_type()` (filesetup.c): regular file unless `stat()` says device. */
export async function getFileType(sys: FioSyscalls, name: string): Promise<FioFileType> {
  const st = emptyStat();
  const r = await sys.stat(name, st);
  if (r < 0) return 'file';
  const fmt = st.mode & S_IFMT;
  if (fmt === S_IFBLK) return 'block';
  if (fmt === S_IFCHR) return 'char';
  if (fmt === S_IFREG) return 'file';
  return 'file';
}

/**
 * Models `get_file_size()` (filesetup.c): `stat()` for files (0 if missing), the device size (`lseek` to
 * the end, what `BLKGETSIZE64` returns) for block devices, unknown (-1) for character devices.
 * @returns 0 or an errno
 */
async function getFileSize(td: ThreadData, sys: FioSyscalls, f: FioFile): Promise<number> {
  if (f.sizeKnown) return 0;
  if (f.filetype === 'file') {
    const st = emptyStat();
    const r = await sys.stat(f.fileName, st);
    if (r < 0) {
      if (r !== -ENOENT) {
        td.verror2(-r, 'fstat');
        return -r;
      }
      f.realFileSize = 0;
    } else f.realFileSize = st.size;
  } else if (f.filetype === 'block') {
    const fd = await sys.open(f.fileName, O_RDONLY);
    if (fd < 0) {
      td.verror2(-fd, 'open');
      return -fd;
    }
    const end = await sys.lseek(fd, 0, SEEK_END);
    await sys.close(fd);
    if (end < 0) {
      td.verror2(-end, 'BLKGETSIZE64');
      return -end;
    }
    f.realFileSize = end;
  } else f.realFileSize = -1;
  f.sizeKnown = true;
  return 0;
}

/** Models `create_work_dirs()` (filesetup.c): `mkdir -p` of a file's parent directories. */
async function createWorkDirs(sys: FioSyscalls, name: string): Promise<void> {
  const parts = name.split('/').slice(0, -1);
  let path = name.startsWith('/') ? '' : '.';
  for (const part of parts) {
    if (part === '' || part === '.') continue;
    path = path === '.' ? part : `${path}/${part}`;
    await sys.mkdir(path.startsWith('/') ? path : `/${path}`, 0o755);
  }
}

/**
 * Models `extend_file()` (filesetup.c): lays a file out before the job runs. Reading jobs and
 * `overwrite=1` writers get a new layout (unlink, create, truncate to size, then `write()`s of
 * `max_bs[WRITE]` random data from a malloc'd buffer, then `fsync()` with create_fsync); other writers only
 * get the file created and preallocated (`fallocate()`), which is why a file fio only preallocated reads
 * back from unwritten extents.
 * @param parent - the process doing the layout (fio's main process)
 * @returns 0 or an errno
 */
async function extendFile(td: ThreadData, parent: FioProcess, malloc: ProcessMalloc, f: FioFile): Promise<number> {
  const o = td.o;
  const sys = parent.sys;
  let newLayout = false;
  let unlinkFile = false;
  if (tdRead(o) || (tdWrite(o) && o.overwrite && !o.fileAppend) || (tdWrite(o) && tdIoengineFlagged(td, FIO_NOEXTEND)))
    newLayout = true;
  if (tdWrite(o) && !o.overwrite && !o.fileAppend) unlinkFile = true;
  if (unlinkFile || newLayout) {
    const r = await sys.unlink(f.fileName);
    if (r < 0 && r !== -ENOENT) {
      td.verror2(-r, 'unlink');
      return -r;
    }
  }
  let flags = O_WRONLY;
  if (o.allowCreate) flags |= O_CREAT;
  if (newLayout) flags |= O_TRUNC;
  const fd = await sys.open(f.fileName, flags, 0o644);
  if (fd < 0) {
    td.verror2(-fd, 'open');
    return -fd;
  }
  // fallocate_file()
  if (!o.fillDevice) {
    if (o.fallocateMode === 'native' || o.fallocateMode === 'posix') await sys.fallocate(fd, 0, 0, f.realFileSize);
    else if (o.fallocateMode === 'keep') await sys.fallocate(fd, 1, 0, f.realFileSize);
    else if (o.fallocateMode === 'truncate') await sys.ftruncate(fd, f.realFileSize);
  }
  let err = 0;
  if (newLayout) {
    if (!o.fillDevice) {
      const r = await sys.ftruncate(fd, f.realFileSize);
      if (r < 0 && r !== -27) err = -r;
    }
    let left = f.realFileSize;
    let bs = Math.min(o.maxBs[1], left);
    const b = malloc.malloc(bs);
    const host = new Uint8Array(bs);
    while (err === 0 && left > 0 && !td.terminate) {
      if (bs > left) bs = left;
      fillBytes(td, host, bs);
      parent.mm.copyToUser(b, host, 0, bs);
      const r = await sys.write(fd, b, bs);
      if (r > 0) {
        left -= r;
        continue;
      }
      if (r < 0 && (r === -ENOSPC || r === -122) && o.fillDevice) break;
      err = r < 0 ? -r : EIO;
      td.verror2(err, 'write');
    }
    if (td.terminate) {
      await sys.close(fd);
      await sys.unlink(f.fileName);
      return 0;
    }
    if (err === 0 && o.createFsync) {
      const r = await sys.fsync(fd);
      if (r < 0) {
        err = -r;
        td.verror2(err, 'fsync');
      }
    }
  }
  // setup_files(): __file_invalidate_cache() of the extended range before closing
  if (err === 0) await fileInvalidateCache(td, sys, f, fd, 0, 0);
  await sys.close(fd);
  return err;
}

/**
 * Models `setup_files()` (filesetup.c): file types and sizes, each file's region (`size` split over the
 * files, `filesize`, `offset`, percentages), and the layout of files that must exist first
 * ("Laying out IO file").
 * @param td - the job
 * @param parent - the process that lays files out
 * @param log - where fio's normal-output lines go
 * @returns 0 or an errno
 */
export async function setupFiles(
  td: ThreadData,
  parent: FioProcess,
  malloc: ProcessMalloc,
  log: (line: string) => void,
): Promise<number> {
  const o = td.o;
  const sys = parent.sys;
  const diskless = tdIoengineFlagged(td, FIO_DISKLESSIO);
  if (td.files.length === 0) {
    for (const [i, name] of td.job.files.entries()) {
      const type = diskless ? 'file' : await getFileType(sys, name);
      td.files.push(new FioFile(name, i, type));
    }
  }
  for (const f of td.files) {
    if (diskless) {
      f.realFileSize = -1;
      continue;
    }
    if (f.fileName.includes('/')) await createWorkDirs(sys, f.fileName);
    const e = await getFileSize(td, sys, f);
    if (e !== 0) return e;
  }
  let totalSize = 0;
  for (const f of td.files) totalSize = f.realFileSize === -1 || totalSize === -1 ? -1 : totalSize + f.realFileSize;
  const sizeBytes = o.size !== undefined && 'bytes' in o.size ? o.size.bytes : 0;
  const sizePercent = o.size !== undefined && 'percent' in o.size ? o.size.percent : 0;
  if (
    (totalSize === 0 || totalSize === -1) &&
    sizeBytes === 0 &&
    !o.fillDevice &&
    !(o.nrFiles !== 0 && (o.fileSizeLow ?? 0) !== 0)
  ) {
    td.verror2(22, 'total_file_size');
    return failMsg(td, `${o.name}: you need to specify size=`);
  }
  const bs = tdMinBs(o);
  let fs = 0;
  let nrFsExtra = 0;
  if ((o.fileSizeLow ?? 0) === 0 && o.nrFiles !== 0) {
    fs = Math.trunc(sizeBytes / o.nrFiles);
    const all = fs * o.nrFiles;
    if (all < sizeBytes) nrFsExtra = Math.trunc((sizeBytes - all) / bs);
  }
  let extendSize = 0;
  let needExtend = 0;
  totalSize = 0;
  for (const f of td.files) {
    f.fileOffset = getStartOffset(td, f);
    const low = o.fileSizeLow ?? 0;
    const high = o.fileSizeHigh ?? low;
    if (low === 0) {
      f.ioSize = fs;
      if (nrFsExtra > 0) {
        nrFsExtra--;
        f.ioSize += bs;
      }
      if (f.ioSize === 0) {
        if (f.fileOffset > f.realFileSize) return failMsg(td, `${o.name}: you need to specify valid offset=`);
        f.ioSize = f.realFileSize - f.fileOffset;
      }
    } else if (f.realFileSize < low || f.realFileSize > high) {
      if (f.fileOffset > low) return failMsg(td, `${o.name}: you need to specify valid offset=`);
      f.ioSize =
        low === high
          ? low - f.fileOffset
          : low + Math.trunc(((high - low) * (td.nextFileState.rand32() / 2 ** 32)) / bs) * bs - f.fileOffset;
    } else f.ioSize = f.realFileSize - f.fileOffset;
    if (f.ioSize === -1 || (f.realFileSize === -1 && diskless)) {
      totalSize = -1;
      if (diskless) f.ioSize = sizeBytes !== 0 ? Math.trunc(sizeBytes / o.nrFiles) : f.ioSize;
    }
    if (totalSize !== -1) {
      if (sizePercent !== 0 && sizePercent !== 100) {
        const fileSize = f.ioSize + f.fileOffset;
        f.ioSize = Math.trunc((fileSize * sizePercent) / 100);
        if (f.ioSize > fileSize - f.fileOffset) f.ioSize = fileSize - f.fileOffset;
        f.ioSize -= f.ioSize % bs;
      }
      let ioSize = f.ioSize;
      if (o.ioSize !== undefined && 'percent' in o.ioSize && o.ioSize.percent !== 100)
        ioSize = Math.trunc((ioSize * o.ioSize.percent) / 100);
      totalSize += ioSize;
    }
    if (f.filetype === 'file' && f.ioSize + f.fileOffset > f.realFileSize) {
      if (!diskless && !o.createOnOpen) {
        needExtend++;
        extendSize += f.ioSize + f.fileOffset;
        f.extend = true;
      } else f.realFileSize = f.ioSize + f.fileOffset;
    }
    if (diskless) f.realFileSize = f.ioSize + f.fileOffset;
  }
  // o->size becomes the data-set size
  let size = sizeBytes;
  if (size === 0 || (totalSize > 0 && size > totalSize)) size = totalSize;
  td.setSize = size;
  if (size < tdMinBs(o) && size !== -1) return failMsg(td, 'fio: blocksize is larger than data set range');
  if (needExtend > 0) {
    log(
      `${o.name}: Laying out IO file${needExtend > 1 ? 's' : ''} (${needExtend} file${needExtend > 1 ? 's' : ''} / ${needExtend > 1 ? 'total ' : ''}${Math.trunc(extendSize / 1048576)}MiB)\n`,
    );
    for (const f of td.files) {
      if (!f.extend) continue;
      f.extend = false;
      f.realFileSize = f.ioSize + f.fileOffset;
      const e = await extendFile(td, parent, malloc, f);
      if (e !== 0) return e;
    }
  }
  const ioSizeBytes = o.ioSize !== undefined && 'bytes' in o.ioSize ? o.ioSize.bytes : 0;
  td.totalIoSize = (ioSizeBytes !== 0 ? ioSizeBytes : size) * o.loops;
  if (o.createOnly) td.done = true;
  return 0;
}

function failMsg(td: ThreadData, msg: string): number {
  td.logErr(`${msg}\n`);
  if (td.error === 0) {
    td.error = 22;
    td.verror = msg;
  }
  return 22;
}

/**
 * Models `init_random_map()` (filesetup.c): one bit per `min_bs` block of each file for random jobs.
 */
export function initRandomMap(td: ThreadData): void {
  const o = td.o;
  if (!tdRandom(o) || o.norandommap) return;
  const bs = tdMinBs(o);
  for (const f of td.files) {
    const size = Math.min(f.realFileSize, f.ioSize);
    const blocks = Math.ceil(size / bs);
    if (blocks > 0) f.axmap = new Axmap(blocks);
  }
}

/**
 * Models `td_io_open_file()` (ioengines.c): the engine's open, counted.
 * @returns 0 or an errno
 */
export async function tdIoOpenFile(td: ThreadData, f: FioFile): Promise<number> {
  const eng = td.engine as IoEngineOps;
  const r = await eng.openFile(td, f);
  if (r !== 0) return r;
  f.reset();
  f.open = true;
  td.nrOpenFiles++;
  if (td.o.invalidateCache && td.proc !== undefined)
    await fileInvalidateCache(td, td.proc.sys, f, f.fd, f.fileOffset, f.ioSize);
  return 0;
}

/**
 * Models `td_io_close_file()` + `put_file()` (filesetup.c): `fsync()` first with fsync_on_close.
 * @returns 0 or an errno
 */
export async function tdIoCloseFile(td: ThreadData, f: FioFile): Promise<number> {
  if (!f.open) return 0;
  if (td.o.fsyncOnClose && tdWrite(td.o) && !td.lastWasSync && f.fd >= 0) {
    await (td.proc as FioProcess).sys.fsync(f.fd);
  }
  const eng = td.engine as IoEngineOps;
  const r = await eng.closeFile(td, f);
  f.open = false;
  td.nrOpenFiles--;
  return r;
}

/** Models `close_files()` (filesetup.c). */
export async function closeFiles(td: ThreadData): Promise<void> {
  for (const f of td.files) if (f.open) await tdIoCloseFile(td, f);
}
