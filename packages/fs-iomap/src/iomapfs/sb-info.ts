/**
 * The in-core state of a mounted iomapfs (the counterpart of `struct ext2_sb_info` with `fs/ext2/balloc.c`,
 * `ialloc.c` and the inode I/O of `inode.c`): superblock, allocation bitmaps, inode cache, block and inode
 * allocation, inode write-back and `sync_fs`.
 * @packageDocumentation
 */
import { EINVAL, EIO, ENOSPC } from '@stackemu/core';
import type { BlockDevice } from '../internal/upstream.js';
import type { IomapfsContext } from './context.js';
import { BufferHead, IomapfsBufferCache, type IomapfsDev } from './buffer.js';
import { IomapfsBitmap } from './bitmap.js';
import type { BlockRun } from './extents.js';
import { IomapfsInode, I_DIRTY_DATASYNC, I_DIRTY_SYNC } from './inode.js';
import {
  IOMAPFS_EXTENT_MAGIC,
  IOMAPFS_FIRST_INO,
  IOMAPFS_INLINE_EXTENTS,
  IOMAPFS_INODE_SIZE,
  IOMAPFS_SUPER_MAGIC,
  IOMAPFS_VALID_FS,
  IOMAPFS_VERSION,
  iomapfsDecodeExtent,
  iomapfsDecodeExtentBlockHeader,
  iomapfsDecodeInode,
  iomapfsDecodeSuper,
  iomapfsEncodeExtentBlock,
  iomapfsEncodeInode,
  iomapfsEncodeSuper,
  iomapfsExtentsPerBlock,
  IOMAPFS_EXTENT_HDR_SIZE,
  IOMAPFS_EXTENT_SIZE,
  type IomapfsDiskInode,
  type IomapfsExtent,
  type IomapfsSuperBlock,
} from './iomapfs.js';

/**
 * Checks a decoded superblock against the device it was read from.
 * @returns undefined when sane, else what is wrong
 */
export function iomapfsCheckSuper(sb: IomapfsSuperBlock, devBytes: number): string | undefined {
  if (sb.version !== IOMAPFS_VERSION) return `unsupported version ${sb.version}`;
  if (sb.blockSize !== 1024 && sb.blockSize !== 2048 && sb.blockSize !== 4096) return `bad block size ${sb.blockSize}`;
  if (sb.inodeSize !== IOMAPFS_INODE_SIZE) return `bad inode size ${sb.inodeSize}`;
  if (sb.blocksCount * sb.blockSize > devBytes) {
    return `filesystem (${sb.blocksCount} blocks) larger than the device (${devBytes} bytes)`;
  }
  const bits = sb.blockSize * 8;
  if (sb.blockBitmapStart !== 1 || sb.blockBitmapBlocks !== Math.ceil(sb.blocksCount / bits))
    return 'bad block bitmap location';
  if (
    sb.inodeBitmapStart !== sb.blockBitmapStart + sb.blockBitmapBlocks ||
    sb.inodeBitmapBlocks !== Math.ceil(sb.inodesCount / bits)
  ) {
    return 'bad inode bitmap location';
  }
  const perBlock = sb.blockSize / IOMAPFS_INODE_SIZE;
  if (
    sb.inodeTableStart !== sb.inodeBitmapStart + sb.inodeBitmapBlocks ||
    sb.inodeTableBlocks * perBlock !== sb.inodesCount
  ) {
    return 'bad inode table location';
  }
  if (sb.firstDataBlock !== sb.inodeTableStart + sb.inodeTableBlocks || sb.firstDataBlock >= sb.blocksCount) {
    return 'bad first data block';
  }
  if (sb.rootIno < 1 || sb.rootIno > sb.inodesCount) return `bad root inode ${sb.rootIno}`;
  return undefined;
}

/**
 * Reads and checks the superblock of an iomapfs on `dev`.
 * @param dev - the device, opened with any block size (the superblock lies in the first 512 bytes)
 * @returns the superblock, or `-EINVAL` (not iomapfs or inconsistent) / `-EIO`
 */
export async function iomapfsReadSuper(dev: IomapfsDev): Promise<IomapfsSuperBlock | number> {
  const buf = new Uint8Array(dev.blockSize);
  const r = await dev.readBlocks(0, 1, buf);
  if (r < 0) return r;
  const sb = iomapfsDecodeSuper(buf);
  if (typeof sb === 'string') return -EINVAL;
  if (sb.magic !== IOMAPFS_SUPER_MAGIC) return -EINVAL;
  if (iomapfsCheckSuper(sb, dev.blocksCount * dev.blockSize) !== undefined) return -EINVAL;
  return sb;
}

/**
 * A mounted iomapfs: what `s_fs_info` points to.
 * @remarks Both bitmaps are read whole at mount and live in the buffer cache; inodes are read on first use
 * with every extent block, so mapping, allocation and freeing never wait for the device. Metadata reaches
 * the device in {@link IomapfsSbInfo.syncFs} (fsync, sync, unmount).
 */
export class IomapfsSbInfo {
  /** The in-core inodes. */
  private readonly icache = new Map<number, IomapfsInode>();
  private readonly dirtyInodes = new Set<IomapfsInode>();
  private sbDirty = false;
  /** The buffer cache of the filesystem's metadata. */
  readonly bufs: IomapfsBufferCache;
  /** The superblock (in-core copy, written back by {@link IomapfsSbInfo.commitSuper}). */
  readonly sb: IomapfsSuperBlock;
  /** The block allocation bitmap. */
  readonly blockBitmap: IomapfsBitmap;
  /** The inode allocation bitmap (bit `n` is inode `n + 1`). */
  readonly inodeBitmap: IomapfsBitmap;
  /** The block device data I/O goes to (`iomap.bdev`). */
  readonly bdev: BlockDevice | undefined;
  /** The machine's services. */
  readonly ctx: IomapfsContext;

  private constructor(
    bufs: IomapfsBufferCache,
    sb: IomapfsSuperBlock,
    blockBitmap: IomapfsBitmap,
    inodeBitmap: IomapfsBitmap,
    bdev: BlockDevice | undefined,
    ctx: IomapfsContext,
  ) {
    this.bufs = bufs;
    this.sb = sb;
    this.blockBitmap = blockBitmap;
    this.inodeBitmap = inodeBitmap;
    this.bdev = bdev;
    this.ctx = ctx;
    this.now = ctx.now;
    this.metaFlags = ctx.metaFlags;
  }

  /** The clock (virtual ns). */
  readonly now: () => number;
  /** `REQ_*` flags of metadata writes. */
  readonly metaFlags: number;

  /**
   * Loads a filesystem: superblock, both bitmaps.
   * @param dev - the device, opened with the filesystem's block size
   * @param bdev - the block device data I/O goes to (`iomap.bdev`)
   * @param ctx - the machine's services
   * @returns the state, or `-EINVAL` (bad superblock, block size mismatch) / `-EIO`
   */
  static async load(
    dev: IomapfsDev,
    bdev: BlockDevice | undefined,
    ctx: IomapfsContext,
  ): Promise<IomapfsSbInfo | number> {
    const sb = await iomapfsReadSuper(dev);
    if (typeof sb === 'number') return sb;
    if (sb.blockSize !== dev.blockSize) return -EINVAL;
    const bufs = new IomapfsBufferCache(dev);
    const bb = await loadBitmap(bufs, sb.blockBitmapStart, sb.blockBitmapBlocks, sb.blocksCount);
    if (typeof bb === 'number') return bb;
    const ib = await loadBitmap(bufs, sb.inodeBitmapStart, sb.inodeBitmapBlocks, sb.inodesCount);
    if (typeof ib === 'number') return ib;
    const sbh = await bufs.bread(0).catch(() => undefined);
    if (sbh === undefined) return -EIO;
    return new IomapfsSbInfo(bufs, sb, bb, ib, bdev, ctx);
  }

  /** Filesystem block size. */
  get blockSize(): number {
    return this.sb.blockSize;
  }

  // ---- inodes ----------------------------------------------------------------------------------

  private itableLoc(ino: number): { block: number; off: number } {
    const perBlock = this.sb.blockSize / IOMAPFS_INODE_SIZE;
    const idx = ino - 1;
    return { block: this.sb.inodeTableStart + Math.floor(idx / perBlock), off: (idx % perBlock) * IOMAPFS_INODE_SIZE };
  }

  /** Every in-core inode (for writeback of the whole filesystem). */
  inodes(): IterableIterator<IomapfsInode> {
    return this.icache.values();
  }

  /**
   * The cached inode, if loaded (no I/O).
   * @param ino - inode number
   */
  cached(ino: number): IomapfsInode | undefined {
    return this.icache.get(ino);
  }

  /**
   * Models `ext2_iget()` (fs/ext2/inode.c): the in-core inode, read with its extent chain on first use.
   * @param ino - inode number
   * @returns the inode, or `-ESTALE` (free inode), `-EINVAL` (number out of range) or `-EIO`
   */
  async iget(ino: number): Promise<IomapfsInode | number> {
    const hit = this.icache.get(ino);
    if (hit !== undefined) return hit;
    if (!Number.isInteger(ino) || ino < 1 || ino > this.sb.inodesCount) return -EINVAL;
    if (!this.inodeBitmap.test(ino - 1)) return -EIO;
    const loc = this.itableLoc(ino);
    let bh: BufferHead;
    try {
      bh = await this.bufs.bread(loc.block);
    } catch {
      return -EIO;
    }
    const again = this.icache.get(ino);
    if (again !== undefined) return again;
    const d = iomapfsDecodeInode(bh.data, loc.off);
    if (d.mode === 0) return -EIO;
    const chain = await this.readExtentChain(d);
    if (typeof chain === 'number') return chain;
    const raced = this.icache.get(ino);
    if (raced !== undefined) return raced;
    const inode = new IomapfsInode(this, ino, d, chain.extents, chain.blocks);
    this.icache.set(ino, inode);
    return inode;
  }

  private async readExtentChain(d: IomapfsDiskInode): Promise<{ extents: IomapfsExtent[]; blocks: number[] } | number> {
    const extents = d.extents.slice();
    const blocks: number[] = [];
    let next = d.nextents > IOMAPFS_INLINE_EXTENTS ? d.extentBlock : 0;
    const per = iomapfsExtentsPerBlock(this.sb.blockSize);
    while (next !== 0) {
      if (next < this.sb.firstDataBlock || next >= this.sb.blocksCount || blocks.includes(next)) return -EIO;
      let bh: BufferHead;
      try {
        bh = await this.bufs.bread(next);
      } catch {
        return -EIO;
      }
      const h = iomapfsDecodeExtentBlockHeader(bh.data);
      if (h.magic !== IOMAPFS_EXTENT_MAGIC || h.count > per) return -EIO;
      for (let i = 0; i < h.count; i++) {
        extents.push(iomapfsDecodeExtent(bh.data, IOMAPFS_EXTENT_HDR_SIZE + i * IOMAPFS_EXTENT_SIZE));
      }
      blocks.push(next);
      next = h.next;
    }
    if (extents.length !== d.nextents) return -EIO;
    return { extents, blocks };
  }

  /**
   * Models `ext2_new_inode()` (fs/ext2/ialloc.c): allocates an inode number and a fresh in-core inode.
   * @param mode - `S_IF*` and permission bits
   * @returns the inode (dirty), or `-ENOSPC` when no inode is free
   */
  newInode(mode: number): IomapfsInode | number {
    const bit = this.inodeBitmap.findNextZero(IOMAPFS_FIRST_INO - 1, this.sb.inodesCount);
    if (bit < 0) return -ENOSPC;
    this.inodeBitmap.set(bit);
    this.sb.freeInodesCount--;
    this.sbDirty = true;
    const ino = bit + 1;
    const t = this.now();
    const d: IomapfsDiskInode = {
      mode,
      links: 1,
      flags: 0,
      size: 0,
      blocks: 0,
      atime: t,
      mtime: t,
      ctime: t,
      generation: 0,
      nextents: 0,
      extentBlock: 0,
      extents: [],
    };
    const inode = new IomapfsInode(this, ino, d, [], []);
    this.icache.set(ino, inode);
    this.markInodeDirty(inode, I_DIRTY_DATASYNC);
    return inode;
  }

  /**
   * Models `ext2_free_inode()` + `ext2_truncate_blocks()`: frees every block of `inode` and its number.
   * @param inode - an inode with no links and no users
   */
  freeInode(inode: IomapfsInode): void {
    for (const r of inode.extMap.remove(0, inode.extMap.end())) this.freeBlocks(r.pblk, r.len);
    for (const b of inode.extentBlocks) this.freeBlocks(b, 1);
    inode.extentBlocks = [];
    inode.mode = 0;
    inode.links = 0;
    inode.size = 0;
    this.inodeBitmap.clear(inode.ino - 1);
    this.sb.freeInodesCount++;
    this.sbDirty = true;
    // The record on disk is rewritten as free so that fsck and a later iget see mode 0.
    this.markInodeDirty(inode, I_DIRTY_DATASYNC);
    this.icache.delete(inode.ino);
  }

  /**
   * Models `mark_inode_dirty()` / `__mark_inode_dirty()` (fs/fs-writeback.c).
   * @param inode - the inode
   * @param flags - `I_DIRTY_SYNC` (times) and/or `I_DIRTY_DATASYNC` (size, block map)
   */
  markInodeDirty(inode: IomapfsInode, flags: number): void {
    inode.dirty |= flags;
    this.dirtyInodes.add(inode);
  }

  /**
   * Models `ext2_write_inode()` (fs/ext2/inode.c): encodes the inode and its extent chain into their buffers
   * (allocating or freeing extent blocks as the extent count changed) and dirties them.
   * @param inode - the inode
   * @returns the buffer blocks it dirtied, or `-ENOSPC` (no block for the extent chain) / `-EIO`
   */
  async writeInode(inode: IomapfsInode): Promise<number[] | number> {
    const touched: number[] = [];
    if (inode.mode !== 0) {
      const per = iomapfsExtentsPerBlock(this.sb.blockSize);
      const n = inode.extMap.count;
      const need = n > IOMAPFS_INLINE_EXTENTS ? Math.ceil((n - IOMAPFS_INLINE_EXTENTS) / per) : 0;
      while (inode.extentBlocks.length > need) {
        const b = inode.extentBlocks.pop() as number;
        this.freeBlocks(b, 1);
      }
      while (inode.extentBlocks.length < need) {
        const goal = inode.extentBlocks[inode.extentBlocks.length - 1] ?? inode.extMap.lastPblk();
        const r = this.allocBlocks(goal < 0 ? -1 : goal + 1, 1);
        if (typeof r === 'number') return r;
        inode.extentBlocks.push(r.pblk);
      }
      const all = inode.extMap.extents;
      for (let k = 0; k < need; k++) {
        const block = inode.extentBlocks[k] as number;
        const bh = this.bufs.getblkZeroed(block);
        const from = IOMAPFS_INLINE_EXTENTS + k * per;
        iomapfsEncodeExtentBlock(all.slice(from, Math.min(n, from + per)), inode.extentBlocks[k + 1] ?? 0, bh.data);
        this.bufs.markBufferDirty(bh);
        touched.push(block);
      }
    }
    const loc = this.itableLoc(inode.ino);
    let bh: BufferHead;
    try {
      bh = await this.bufs.bread(loc.block);
    } catch {
      return -EIO;
    }
    if (inode.mode === 0) bh.data.fill(0, loc.off, loc.off + IOMAPFS_INODE_SIZE);
    else iomapfsEncodeInode(inode.toDisk(), bh.data, loc.off);
    this.bufs.markBufferDirty(bh);
    touched.push(loc.block);
    inode.dirty = 0;
    this.dirtyInodes.delete(inode);
    return touched;
  }

  // ---- blocks ----------------------------------------------------------------------------------

  /**
   * Models `ext2_new_blocks()` (fs/ext2/balloc.c): up to `want` contiguous free blocks at or after `goal`
   * (wrapping around), marked in use.
   * @param goal - preferred first block, or -1 for none (first fit from the data area's start)
   * @param want - blocks wanted (≥ 1); fewer are returned when the free run is shorter
   * @returns the run, or `-ENOSPC`
   */
  allocBlocks(goal: number, want: number): BlockRun | number {
    const first = this.sb.firstDataBlock;
    const end = this.sb.blocksCount;
    // Without a goal (a file's first block), first fit from the start of the data area, as ext2 starts
    // at the beginning of the inode's block group.
    const g = goal >= first && goal < end ? goal : first;
    let start = this.blockBitmap.findNextZero(g, end);
    if (start < 0) start = this.blockBitmap.findNextZero(first, g);
    if (start < 0) return -ENOSPC;
    const len = this.blockBitmap.zeroRun(start, want);
    for (let i = start; i < start + len; i++) this.blockBitmap.set(i);
    this.sb.freeBlocksCount -= len;
    this.sbDirty = true;
    return { pblk: start, len };
  }

  /**
   * Models `ext2_free_blocks()` (fs/ext2/balloc.c).
   * @param pblk - first block
   * @param len - blocks
   */
  freeBlocks(pblk: number, len: number): void {
    for (let i = pblk; i < pblk + len; i++) {
      if (this.blockBitmap.test(i)) {
        this.blockBitmap.clear(i);
        this.sb.freeBlocksCount++;
      }
      this.bufs.forget(i);
    }
    this.sbDirty = true;
  }

  // ---- sync ------------------------------------------------------------------------------------

  /** True if inodes, buffers or the superblock wait for write-back. */
  get hasDirty(): boolean {
    return this.dirtyInodes.size > 0 || this.bufs.nrDirty > 0 || this.sbDirty;
  }

  /**
   * Writes the superblock into its buffer.
   * @param state - the `state` field to record
   */
  async commitSuper(state: number): Promise<number> {
    this.sb.state = state;
    this.sb.writeTime = this.now();
    let bh: BufferHead;
    try {
      bh = await this.bufs.bread(0);
    } catch {
      return -EIO;
    }
    iomapfsEncodeSuper(this.sb, bh.data);
    this.bufs.markBufferDirty(bh);
    this.sbDirty = false;
    return 0;
  }

  /**
   * Models `ext2_fsync()` metadata part for one inode: writes the inode (and its extent chain, and the
   * bitmaps and superblock it changed) to the device.
   * @param inode - the inode
   * @param datasync - fdatasync: skip an inode whose only change is its timestamps
   * @returns 0 or `-errno`
   */
  async syncInode(inode: IomapfsInode, datasync: boolean): Promise<number> {
    if (inode.dirty !== 0 && (!datasync || (inode.dirty & I_DIRTY_DATASYNC) !== 0)) {
      const r = await this.writeInode(inode);
      if (typeof r === 'number') return r;
    } else if (inode.dirty === I_DIRTY_SYNC && datasync) {
      // fdatasync: timestamps may wait.
    }
    if (this.sbDirty) {
      const r = await this.commitSuper(this.sb.state);
      if (r < 0) return r;
    }
    return this.bufs.syncDirtyBuffers(this.metaFlags);
  }

  /**
   * Models `ext2_sync_fs()` (fs/ext2/super.c): writes every dirty inode, the bitmaps and the superblock.
   * @param state - superblock state to record (`IOMAPFS_VALID_FS` at unmount, 0 while mounted)
   * @returns 0 or the first `-errno`
   */
  async syncFs(state: number): Promise<number> {
    let err = 0;
    for (const inode of [...this.dirtyInodes]) {
      const r = await this.writeInode(inode);
      if (typeof r === 'number' && err === 0) err = r;
    }
    const c = await this.commitSuper(state);
    if (c < 0 && err === 0) err = c;
    const s = await this.bufs.syncDirtyBuffers(this.metaFlags);
    if (s < 0 && err === 0) err = s;
    return err;
  }

  /** Drops every cached inode and buffer (after the final sync at unmount). */
  release(): void {
    this.icache.clear();
    this.dirtyInodes.clear();
    this.bufs.invalidate();
  }

  /** Records that the filesystem was mounted: state 0 ("not clean"), one more mount. */
  markMounted(): void {
    this.sb.mountCount++;
    this.sb.state = this.sb.state === IOMAPFS_VALID_FS ? 0 : this.sb.state;
    this.sbDirty = true;
  }
}

async function loadBitmap(
  bufs: IomapfsBufferCache,
  start: number,
  nblocks: number,
  nbits: number,
): Promise<IomapfsBitmap | number> {
  const bs = bufs.dev.blockSize;
  const bits = new Uint8Array(nblocks * bs);
  const r = await bufs.dev.readBlocks(start, nblocks, bits);
  if (r < 0) return r;
  const heads: BufferHead[] = [];
  for (let k = 0; k < nblocks; k++) {
    const bh = new BufferHead(start + k, bits.subarray(k * bs, (k + 1) * bs));
    bufs.install(bh);
    heads.push(bh);
  }
  return new IomapfsBitmap(bits, nbits, heads, bufs);
}
