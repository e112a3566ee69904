/**
 * I/O buffer memory in the job's process (`memory.c`, `init_io_u_buffers()` of backend.c), and the small
 * malloc model fio's `malloc()` calls go through.
 * @packageDocumentation
 */
import { ENOMEM } from '@stackemu/core';
import { O_CREAT, O_RDWR } from '@stackemu/vfs';
import type { FioSyscalls } from './fio-host.js';
import { FIO_MEMALIGN, FIO_NOIO, FIO_RAWIO, tdIoengineFlagged } from './ioengines.js';
import type { ThreadData } from './thread-data.js';
import { tdMaxBs, tdRead, tdWrite } from './thread-options.js';

/** Models `PROT_READ` (mman.h). */
export const PROT_READ = 0x1;
/** Models `PROT_WRITE` (mman.h). */
export const PROT_WRITE = 0x2;
/** Models `MAP_SHARED` (mman.h). */
export const MAP_SHARED = 0x01;
/** Models `MAP_PRIVATE` (mman.h). */
export const MAP_PRIVATE = 0x02;
/** Models `MAP_ANONYMOUS` (mman.h). */
export const MAP_ANONYMOUS = 0x20;
/** glibc's `M_MMAP_THRESHOLD` default: larger allocations are served by `mmap()`. */
export const M_MMAP_THRESHOLD = 128 * 1024;
/** glibc's chunk header on 64-bit (`2 * SIZE_SZ`): the user pointer follows it. */
export const MALLOC_CHUNK_HEADER = 16;
/** Size of glibc's first heap (`brk`) extension. */
const ARENA_SIZE = 132 * 1024;

const PAGE_SIZE = 4096;

/**
 * A model of glibc `malloc()` in an emulated process: requests of at least `M_MMAP_THRESHOLD` get their own
 * `mmap()` and return its address + 16 (the chunk header); smaller ones are carved from 132 KiB arenas, each
 * preceded by a 16-byte header. Where a buffer lands in its page is what matters for pinning, and this
 * reproduces it for the sizes fio allocates.
 */
export class ProcessMalloc {
  private arena = 0;
  private arenaLeft = 0;

  /** @param sys - the process's syscalls */
  constructor(private readonly sys: FioSyscalls) {}

  /**
   * Models `malloc()`.
   * @returns the address, or `-ENOMEM`
   */
  malloc(size: number): number {
    if (size >= M_MMAP_THRESHOLD) {
      const len = Math.ceil((size + MALLOC_CHUNK_HEADER) / PAGE_SIZE) * PAGE_SIZE;
      const a = this.sys.mmap(0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      return a < 0 ? -ENOMEM : a + MALLOC_CHUNK_HEADER;
    }
    const need = Math.ceil((size + MALLOC_CHUNK_HEADER) / 16) * 16;
    if (need > this.arenaLeft) {
      const a = this.sys.mmap(0, ARENA_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (a < 0) return -ENOMEM;
      this.arena = a;
      this.arenaLeft = ARENA_SIZE;
    }
    const p = this.arena + MALLOC_CHUNK_HEADER;
    this.arena += need;
    this.arenaLeft -= need;
    return p;
  }
}

/** What {@link initIoUBuffers} made. */
export interface IoMem {
  /** `orig_buffer`. */
  readonly origBuffer: number;
  /** Bytes allocated. */
  readonly size: number;
  /** A descriptor to close (mmap:file), or -1. */
  readonly fd: number;
}

/**
 * Models `init_io_u_buffers()` (backend.c) with `allocate_io_mem()` (memory.c): `iodepth` buffers of
 * `max_bs`, plus `page_mask + mem_align` for O_DIRECT or mem_align, from malloc, shm (modelled as shared
 * anonymous memory), anonymous mmap or `mmap:FILE`; buffer i is at `PTR_ALIGN(orig, page_mask) + mem_align
 * + i * max_bs` when aligned, else at `orig + i * max_bs`. Write jobs fill every buffer once
 * (`io_u_fill_buffer()`).
 * @param td - the job (its process and io_us exist)
 * @returns 0 or an errno
 */
export async function initIoUBuffers(
  td: ThreadData,
  malloc: ProcessMalloc,
  fill: (td: ThreadData) => void,
): Promise<number> {
  const o = td.o;
  const maxBs = tdMaxBs(o);
  let size = maxBs * o.iodepth;
  const dataXfer = !tdIoengineFlagged(td, FIO_NOIO) && (tdRead(o) || tdWrite(o));
  const align = o.odirect || o.memAlign !== 0 || tdIoengineFlagged(td, FIO_RAWIO);
  if (align) size += PAGE_SIZE - 1 + o.memAlign;
  let orig = 0;
  let fd = -1;
  if (dataXfer) {
    // allocate_io_mem(): its own extra alignment room
    let total = size;
    if (o.odirect || o.memAlign !== 0 || tdIoengineFlagged(td, FIO_MEMALIGN)) {
      total += PAGE_SIZE - 1;
      if (o.memAlign > PAGE_SIZE) total += o.memAlign - PAGE_SIZE;
    }
    const sys = (td.proc as { readonly sys: FioSyscalls }).sys;
    if (o.memType === 'malloc') orig = malloc.malloc(total);
    else if (o.memType === 'shm')
      orig = sys.mmap(0, pageUp(total), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    else if (o.mmapfile === '') {
      orig = sys.mmap(0, pageUp(total), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    } else {
      fd = await sys.open(o.mmapfile, O_RDWR | O_CREAT, 0o644);
      if (fd < 0) {
        td.verror2(-fd, 'open mmap file');
        return -fd;
      }
      if (o.memType !== 'mmapshared') {
        const t = await sys.ftruncate(fd, total);
        if (t < 0) {
          td.verror2(-t, 'truncate mmap file');
          return -t;
        }
      }
      orig = sys.mmap(
        0,
        pageUp(total),
        PROT_READ | PROT_WRITE,
        o.memType === 'mmapshared' ? MAP_SHARED : MAP_PRIVATE,
        fd,
        0,
      );
    }
    if (orig < 0) {
      td.verror2(ENOMEM, 'iomem allocation');
      return ENOMEM;
    }
  }
  let p = align ? Math.ceil(orig / PAGE_SIZE) * PAGE_SIZE + o.memAlign : orig;
  for (const io of td.ioUAll) {
    io.buf = dataXfer ? p : 0;
    p += maxBs;
  }
  td.ioMem = { origBuffer: orig, size, fd };
  if (dataXfer && tdWrite(o)) fill(td);
  return 0;
}

function pageUp(n: number): number {
  return Math.ceil(n / PAGE_SIZE) * PAGE_SIZE;
}
