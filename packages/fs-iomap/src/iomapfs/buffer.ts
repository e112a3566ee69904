/**
 * Metadata block I/O for iomapfs: a small buffer cache in the manner of `fs/buffer.c` (`__bread()`,
 * `mark_buffer_dirty()`, `sync_dirty_buffer()`), over an {@link IomapfsDev}.
 * @packageDocumentation
 */
import { EIO, Errno } from '@stackemu/core';

/**
 * The device side of iomapfs metadata I/O: whole filesystem blocks read and written through the block layer.
 *
 * @remarks The mounted filesystem implements it with bios on the block device (`bdev-dev.ts`); every metadata
 * byte iomapfs keeps reaches the device through it, so data and metadata survive unmount and remount.
 */
export interface IomapfsDev {
  /** Filesystem block size in bytes. */
  readonly blockSize: number;
  /** Filesystem blocks on the device. */
  readonly blocksCount: number;
  /**
   * Reads `count` blocks starting at `block` into `dst` (`count * blockSize` bytes).
   * @returns 0, or `-errno` (`-EIO` when the device fails the read)
   */
  readBlocks(block: number, count: number, dst: Uint8Array): Promise<number>;
  /**
   * Writes `count` blocks starting at `block` from `src`, with extra `REQ_*` flags (`REQ_FUA`, `REQ_META`).
   * @returns 0, or `-errno`
   */
  writeBlocks(block: number, count: number, src: Uint8Array, opFlags: number): Promise<number>;
  /**
   * Flushes the device's volatile write cache (`blkdev_issue_flush()`).
   * @returns 0, or `-errno`
   */
  flush(): Promise<number>;
  /** (optional) Releases what the device handle holds (kernel pages of its I/O buffers). */
  close?(): void;
}

/** One cached metadata block (`struct buffer_head`, one block per buffer). */
export class BufferHead {
  /** True when `data` differs from the device (`BH_Dirty`). */
  dirty = false;

  /**
   * @param blocknr - filesystem block number (`b_blocknr`)
   * @param data - the block's bytes (`b_data`)
   */
  constructor(
    readonly blocknr: number,
    readonly data: Uint8Array,
  ) {}
}

/**
 * The buffer cache of one mounted iomapfs: metadata blocks read once, kept, written back when synced.
 * @remarks Every metadata block stays cached while mounted (the metadata of a model filesystem is small);
 * `syncDirtyBuffers` writes dirty ones in block order.
 */
export class IomapfsBufferCache {
  private readonly cache = new Map<number, BufferHead>();
  private readonly dirtyList = new Set<BufferHead>();
  private readonly inflight = new Map<number, Promise<BufferHead>>();

  /** @param dev - the device */
  constructor(readonly dev: IomapfsDev) {}

  /**
   * Models `__bread()` (fs/buffer.c): the cached block, read from the device on first use.
   * @param block - filesystem block number
   * @returns the buffer
   * @throws Errno `EIO` if the device fails the read or the block is past the end of the device
   */
  async bread(block: number): Promise<BufferHead> {
    const bh = this.cache.get(block);
    if (bh !== undefined) return bh;
    let p = this.inflight.get(block);
    if (p === undefined) {
      p = this.readIn(block);
      this.inflight.set(block, p);
    }
    try {
      return await p;
    } finally {
      this.inflight.delete(block);
    }
  }

  private async readIn(block: number): Promise<BufferHead> {
    if (!(block >= 0 && block < this.dev.blocksCount)) {
      throw new Errno(EIO, `iomapfs: metadata block ${block} beyond the device (${this.dev.blocksCount} blocks)`);
    }
    const data = new Uint8Array(this.dev.blockSize);
    const r = await this.dev.readBlocks(block, 1, data);
    if (r < 0) throw new Errno(-r, `iomapfs: reading metadata block ${block} failed`);
    const bh = this.cache.get(block) ?? new BufferHead(block, data);
    this.cache.set(block, bh);
    return bh;
  }

  /**
   * Models `sb_getblk()` + zeroing: a cached buffer for a block whose old contents do not matter (newly
   * allocated metadata), without reading it.
   * @param block - filesystem block number
   * @returns the zeroed buffer
   */
  getblkZeroed(block: number): BufferHead {
    let bh = this.cache.get(block);
    if (bh === undefined) {
      bh = new BufferHead(block, new Uint8Array(this.dev.blockSize));
      this.cache.set(block, bh);
    } else {
      bh.data.fill(0);
    }
    return bh;
  }

  /**
   * The cached buffer of `block`, if any (no I/O).
   * @param block - filesystem block number
   */
  peek(block: number): BufferHead | undefined {
    return this.cache.get(block);
  }

  /**
   * Puts a buffer whose data the caller already holds into the cache (bitmaps read in one go at mount).
   * @param bh - the buffer
   */
  install(bh: BufferHead): void {
    this.cache.set(bh.blocknr, bh);
  }

  /**
   * Models `mark_buffer_dirty()` (fs/buffer.c).
   * @param bh - the buffer
   */
  markBufferDirty(bh: BufferHead): void {
    bh.dirty = true;
    this.dirtyList.add(bh);
  }

  /**
   * Drops a block from the cache without writing it (the block was freed: `bforget()`).
   * @param block - filesystem block number
   */
  forget(block: number): void {
    const bh = this.cache.get(block);
    if (bh === undefined) return;
    bh.dirty = false;
    this.dirtyList.delete(bh);
    this.cache.delete(block);
  }

  /** Dirty buffers waiting for writeback. */
  get nrDirty(): number {
    return this.dirtyList.size;
  }

  /**
   * Models `sync_dirty_buffer()` on every dirty buffer (in block order, adjacent blocks in one write), then
   * waits for all of them.
   * @param opFlags - extra `REQ_*` flags for the writes (`REQ_META`, `REQ_SYNC`)
   * @param only - if given, only these blocks are written
   * @returns 0, or the first `-errno`
   */
  async syncDirtyBuffers(opFlags: number, only?: ReadonlySet<number>): Promise<number> {
    const list = [...this.dirtyList].filter((b) => only === undefined || only.has(b.blocknr));
    if (list.length === 0) return 0;
    list.sort((a, b) => a.blocknr - b.blocknr);
    const bs = this.dev.blockSize;
    const writes: Promise<number>[] = [];
    let i = 0;
    while (i < list.length) {
      let j = i + 1;
      while (
        j < list.length &&
        (list[j] as BufferHead).blocknr === (list[j - 1] as BufferHead).blocknr + 1 &&
        j - i < 64
      ) {
        j++;
      }
      const run = list.slice(i, j);
      const first = run[0] as BufferHead;
      let src: Uint8Array;
      if (run.length === 1) {
        src = first.data.slice();
      } else {
        src = new Uint8Array(run.length * bs);
        run.forEach((b, k) => {
          src.set(b.data, k * bs);
        });
      }
      for (const b of run) {
        b.dirty = false;
        this.dirtyList.delete(b);
      }
      writes.push(
        this.dev.writeBlocks(first.blocknr, run.length, src, opFlags).then((r) => {
          if (r < 0) for (const b of run) this.markBufferDirty(b);
          return r;
        }),
      );
      i = j;
    }
    const results = await Promise.all(writes);
    for (const r of results) if (r < 0) return r;
    return 0;
  }

  /** Empties the cache (after unmount). Dirty buffers are dropped: sync first. */
  invalidate(): void {
    this.cache.clear();
    this.dirtyList.clear();
  }
}
