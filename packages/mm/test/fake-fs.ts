/**
 * A small in-memory "disk" filesystem for page-cache tests: `readFolio`/`writepages` with virtual-time delays,
 * optional `page_mkwrite` (block-fs style) or shmem behaviour.
 * @packageDocumentation
 */
import type { Scheduler } from '@stackemu/core';
import {
  folioEndWriteback,
  folioStartWriteback,
  folioUnlock,
  writeCachePages,
  type AddressSpace,
  type AddressSpaceOperations,
  type Mm,
  type MmapFile,
  type PhysMem,
  type WritebackControl,
} from '@stackemu/mm';

/** A file of the fake filesystem. */
export interface FakeFile {
  readonly mapping: AddressSpace;
  readonly mmapFile: MmapFile;
  /** The on-"disk" bytes per page index. */
  readonly disk: Map<number, Uint8Array>;
  /** Pages written back, in order. */
  readonly written: number[];
  /** Calls of page_mkwrite. */
  mkwrites: number;
  size: number;
}

/** Options of {@link fakeFile}. */
export interface FakeFileOptions {
  /** Bytes; default 64 KiB. */
  readonly size?: number;
  /** Give the mapping a page_mkwrite (ext4-like). Default true. */
  readonly pageMkwrite?: boolean;
  /** I/O latency in ns; default 1000. */
  readonly latencyNs?: number;
  /** Byte every page of the disk starts with; default 0x11. */
  readonly fill?: number;
}

/** Creates a file whose page cache reads from and writes to an in-memory disk. */
export function fakeFile(mm: Mm, mem: PhysMem, sched: Scheduler, opts: FakeFileOptions = {}): FakeFile {
  const lat = opts.latencyNs ?? 1000;
  const disk = new Map<number, Uint8Array>();
  const file: { -readonly [K in keyof FakeFile]: FakeFile[K] } = {
    disk,
    written: [],
    mkwrites: 0,
    size: opts.size ?? 65536,
  } as unknown as FakeFile;
  for (let i = 0; i * 4096 < file.size; i++) disk.set(i, new Uint8Array(4096).fill(opts.fill ?? 0x11));
  const aops: AddressSpaceOperations = {
    async readFolio(_m, pfn, index) {
      await sched.sleep(lat);
      mem.write(pfn * 4096, disk.get(index) ?? new Uint8Array(4096), 0, 4096);
      return 0;
    },
    writepages(mapping: AddressSpace, wbc: WritebackControl) {
      return writeCachePages(mapping, wbc, (pfn, index) => {
        folioStartWriteback(mapping, pfn);
        folioUnlock(mapping, pfn);
        const data = new Uint8Array(4096);
        mem.read(pfn * 4096, data, 0, 4096);
        sched.schedule(lat, () => {
          disk.set(index, data);
          file.written.push(index);
          folioEndWriteback(mapping, pfn);
        });
        return 0;
      });
    },
  };
  const mapping = mm.createAddressSpace(aops, file, { size: () => file.size });
  (file as { mapping: AddressSpace }).mapping = mapping;
  const mmapFile: MmapFile =
    opts.pageMkwrite === false
      ? { mapping }
      : {
          mapping,
          vmOps: {
            pageMkwrite: () => {
              file.mkwrites++;
              return 0;
            },
          },
        };
  (file as { mmapFile: MmapFile }).mmapFile = mmapFile;
  return file;
}
