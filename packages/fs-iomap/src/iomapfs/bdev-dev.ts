/**
 * iomapfs metadata I/O on a block device: {@link IomapfsDev} with bios (the role `submit_bh()` and
 * `blkdev_issue_flush()` play for ext2), through kernel pages of the machine's memory.
 * @packageDocumentation
 */
import { EINVAL, EIO } from '@stackemu/core';
import {
  BIO_MAX_VECS,
  REQ_OP_READ,
  REQ_OP_WRITE,
  REQ_PREFLUSH,
  REQ_SYNC,
  SECTOR_SIZE,
  __bioAddPage,
  bdevLogicalBlockSize,
  bdevNrBytes,
  bioAlloc,
  bioPut,
  submitBioWait,
  type BlockDevice,
  type BlockLayer,
} from '@stackemu/block';
import type { IomapfsDev } from './buffer.js';

const PAGE_SIZE = 4096;

/**
 * Metadata I/O of one mounted iomapfs (or of mkfs/fsck) on `bdev`, in blocks of `blockSize` bytes.
 * @remarks Each request borrows kernel pages from a small pool (allocated on first use, returned with
 * {@link BdevDev.close}), builds bios of at most `BIO_MAX_VECS` pages, submits them and waits in virtual
 * time. Data moves between those pages and the caller's bytes by copies (the buffer cache's memcpy).
 */
export class BdevDev implements IomapfsDev {
  readonly blocksCount: number;
  private readonly pool: number[] = [];
  private readonly blk: BlockLayer;

  /**
   * @param bdev - the device
   * @param blockSize - filesystem block size (a multiple of the device's logical block size, ≤ 4096)
   */
  constructor(
    readonly bdev: BlockDevice,
    readonly blockSize: number,
  ) {
    this.blk = bdev.bdDisk.blk;
    this.blocksCount = Math.floor(bdevNrBytes(bdev) / blockSize);
  }

  /**
   * Opens `bdev` with a block size, as `sb_set_blocksize()` checks it.
   * @returns the device, or `-EINVAL` (not a power of two in 512…4096, or below the logical block size)
   */
  static open(bdev: BlockDevice, blockSize: number): BdevDev | number {
    if (blockSize < 512 || blockSize > PAGE_SIZE || (blockSize & (blockSize - 1)) !== 0) return -EINVAL;
    if (blockSize < bdevLogicalBlockSize(bdev)) return -EINVAL;
    return new BdevDev(bdev, blockSize);
  }

  /** Takes `n` pages from the pool (allocating when it is empty). @returns the pages or `-ENOMEM` */
  private take(n: number): number[] | number {
    const out: number[] = [];
    while (out.length < n) {
      const pfn = this.pool.pop() ?? this.blk.physMem.allocPages(0);
      if (pfn < 0) {
        this.pool.push(...out);
        return pfn;
      }
      out.push(pfn);
    }
    return out;
  }

  private async io(op: number, block: number, count: number, buf: Uint8Array): Promise<number> {
    if (block < 0 || count <= 0 || block + count > this.blocksCount) return -EIO;
    const bytes = count * this.blockSize;
    const mem = this.blk.physMem;
    let done = 0;
    let err = 0;
    while (done < bytes) {
      const chunk = Math.min(bytes - done, BIO_MAX_VECS * PAGE_SIZE);
      const nPages = Math.ceil(chunk / PAGE_SIZE);
      const pages = this.take(nPages);
      if (typeof pages === 'number') return pages;
      const bio = bioAlloc(this.bdev, nPages, op);
      bio.biIter.biSector = (block * this.blockSize + done) / SECTOR_SIZE;
      for (let p = 0; p < nPages; p++) {
        const pfn = pages[p] as number;
        const len = Math.min(PAGE_SIZE, chunk - p * PAGE_SIZE);
        if ((op & 1) !== 0) mem.write(pfn * PAGE_SIZE, buf, done + p * PAGE_SIZE, len);
        __bioAddPage(bio, pfn, len, 0);
      }
      const r = await submitBioWait(bio);
      bioPut(bio);
      if (r === 0 && (op & 1) === 0) {
        for (let p = 0; p < nPages; p++) {
          const len = Math.min(PAGE_SIZE, chunk - p * PAGE_SIZE);
          mem.read((pages[p] as number) * PAGE_SIZE, buf, done + p * PAGE_SIZE, len);
        }
      }
      this.pool.push(...pages);
      if (r < 0) {
        err = r;
        break;
      }
      done += chunk;
    }
    return err;
  }

  /** Reads whole blocks (`REQ_OP_READ | REQ_SYNC`). @returns 0 or `-errno` */
  readBlocks(block: number, count: number, dst: Uint8Array): Promise<number> {
    return this.io(REQ_OP_READ | REQ_SYNC, block, count, dst);
  }

  /** Writes whole blocks (`REQ_OP_WRITE | REQ_SYNC | opFlags`). @returns 0 or `-errno` */
  writeBlocks(block: number, count: number, src: Uint8Array, opFlags: number): Promise<number> {
    return this.io(REQ_OP_WRITE | REQ_SYNC | opFlags, block, count, src);
  }

  /** Models `blkdev_issue_flush()` (block/blk-flush.c): an empty `REQ_PREFLUSH` write. */
  async flush(): Promise<number> {
    const bio = bioAlloc(this.bdev, 0, REQ_OP_WRITE | REQ_PREFLUSH | REQ_SYNC);
    const r = await submitBioWait(bio);
    bioPut(bio);
    return r;
  }

  /** Gives the pool's pages back. */
  close(): void {
    for (const pfn of this.pool) this.blk.physMem.putPage(pfn);
    this.pool.length = 0;
  }
}
