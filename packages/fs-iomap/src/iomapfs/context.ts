/**
 * The machine services iomapfs reaches while mounted, gathered once per machine by the fs-iomap module.
 * @packageDocumentation
 */
import type { Logger } from '@stackemu/core';
import type { BufferedIo, Inode } from '@stackemu/vfs';
import type { IomapDioOps } from '../iomap.js';
import type { BlockDevice } from '../internal/upstream.js';
import type { AddressSpaceOperations } from '../internal/upstream.js';
import type { IomapfsDev } from './buffer.js';
import type { IomapfsSbInfo } from './sb-info.js';

/**
 * The page-cache operations iomapfs needs from mm (`filemap_write_and_wait_range()`,
 * `truncate_pagecache()`, `sync_inodes_sb()`), bound to one machine.
 */
export interface IomapfsPagecache {
  /**
   * Models `filemap_write_and_wait_range()` (mm/filemap.c): writes back dirty page-cache pages of
   * `[start, end]` and waits.
   * @returns 0 or `-errno`
   */
  writeAndWait(inode: Inode, start: number, end: number): Promise<number>;
  /**
   * Models `truncate_pagecache()` (mm/truncate.c): drops cached pages past `newsize` (the partial page is
   * kept).
   */
  truncatePagecache(inode: Inode, newsize: number): Promise<void>;
  /**
   * Models `truncate_pagecache_range()` (mm/truncate.c): drops cached pages of `[start, end]` (whole pages).
   */
  truncatePagecacheRange(inode: Inode, start: number, end: number): Promise<void>;
  /**
   * Models `iomap_zero_range()` (fs/iomap/buffered-io.c): zeroes `[pos, pos + len)` through the page cache
   * (holes and unwritten extents are skipped).
   * @returns 0 or `-errno`
   */
  zeroRange(inode: Inode, pos: number, len: number): Promise<number>;
  /**
   * Models `sync_inodes_sb()` (fs/fs-writeback.c): writes back every dirty page of the filesystem and waits.
   */
  flushAll(sbi: IomapfsSbInfo): Promise<void>;
}

/** Per-machine services of iomapfs. */
export interface IomapfsContext {
  /** Virtual time in ns. */
  readonly now: () => number;
  /** 16 random bytes for a new volume id (from the machine's `Rng.fork('fs-iomap')`). */
  uuid(): Uint8Array;
  /** The plugin's logger. */
  readonly log: Logger;
  /** `REQ_*` flags of metadata writes (`REQ_META | REQ_SYNC`). */
  readonly metaFlags: number;
  /**
   * Opens `bdev` for metadata I/O in blocks of `blockSize` bytes.
   * @returns the device, or `-EINVAL` when `blockSize` is below the device's logical block size
   */
  openDev(bdev: BlockDevice, blockSize: number): IomapfsDev | number;
  /** The address-space operations of iomapfs files (`ext2_aops`). */
  readonly aops: AddressSpaceOperations;
  /** Page-cache operations. */
  readonly writeback: IomapfsPagecache;
  /** The vfs's buffered-I/O context (`generic_file_read_iter()` reaches the page cache through it). */
  readonly bufferedIo: BufferedIo;
  /** The direct-I/O hooks of reads: only the declared page-reference policy. */
  readonly dioReadOps: IomapDioOps;
  /** The direct-I/O hooks of writes: `endIo` (unwritten conversion, size) and the policy. */
  readonly dioWriteOps: IomapDioOps;
}
