/**
 * The on-disk format of iomapfs (the counterpart of `fs/ext2/ext2.h`): superblock, inode, extent and directory
 * entry layouts, with encoders and decoders over little-endian bytes.
 *
 * @remarks Layout on the block device, in filesystem blocks of `blockSize` bytes (1024, 2048 or 4096):
 *
 * | blocks | content |
 * | --- | --- |
 * | 0 | superblock (the first {@link IOMAPFS_SB_SIZE} bytes) |
 * | `blockBitmapStart` … | block allocation bitmap, one bit per filesystem block |
 * | `inodeBitmapStart` … | inode allocation bitmap, one bit per inode (bit 0 = inode 1) |
 * | `inodeTableStart` … | inode table, {@link IOMAPFS_INODE_SIZE} bytes per inode |
 * | `firstDataBlock` … | file data, directory blocks and extent overflow blocks |
 *
 * A file's data is a sorted list of extents (logical block, length, physical block, unwritten flag): up to
 * {@link IOMAPFS_INLINE_EXTENTS} live in the inode, the rest in a chain of extent blocks. Directories are files
 * whose blocks hold fixed-size entries ({@link IOMAPFS_DIRENT_SIZE} bytes).
 * @packageDocumentation
 */

/** Magic number of an iomapfs superblock (`"IOMF"` read as a little-endian u32). */
export const IOMAPFS_SUPER_MAGIC = 0x464d4f49;
/** Magic number of an extent overflow block (`"IOME"`). */
export const IOMAPFS_EXTENT_MAGIC = 0x454d4f49;
/** On-disk format version written by mkfs. */
export const IOMAPFS_VERSION = 1;
/** Bytes of the superblock at the start of block 0. */
export const IOMAPFS_SB_SIZE = 512;
/** Bytes per on-disk inode. */
export const IOMAPFS_INODE_SIZE = 256;
/** Extents stored inside the inode before an extent block is needed. */
export const IOMAPFS_INLINE_EXTENTS = 12;
/** Bytes per on-disk extent. */
export const IOMAPFS_EXTENT_SIZE = 16;
/** Bytes of an extent block's header. */
export const IOMAPFS_EXTENT_HDR_SIZE = 16;
/** Bytes per directory entry. */
export const IOMAPFS_DIRENT_SIZE = 64;
/** Longest name a directory entry holds (`NAME_MAX` of iomapfs). */
export const IOMAPFS_NAME_LEN = 56;
/** Inode number of the root directory (as ext2's `EXT2_ROOT_INO`). */
export const IOMAPFS_ROOT_INO = 2;
/** First inode number handed out to files (1 is reserved, 2 is the root). */
export const IOMAPFS_FIRST_INO = 3;
/** Longest extent, in blocks (the length field's top bit is the unwritten flag). */
export const IOMAPFS_MAX_EXTENT_LEN = 0x7fffffff;
/** Unwritten flag in an on-disk extent's length field. */
export const IOMAPFS_EXTENT_UNWRITTEN = 0x80000000;
/** Largest file, in blocks (logical block numbers are u32). */
export const IOMAPFS_MAX_FILE_BLOCKS = 0xffffffff;

/** Superblock `state`: cleanly unmounted (ext2's `EXT2_VALID_FS`). */
export const IOMAPFS_VALID_FS = 1;
/** Superblock `state`: errors detected (ext2's `EXT2_ERROR_FS`). */
export const IOMAPFS_ERROR_FS = 2;

/** Directory entry file type: unknown (`DT_UNKNOWN`). */
export const IOMAPFS_FT_UNKNOWN = 0;
/** Directory entry file type: regular file (as `DT_REG`). */
export const IOMAPFS_FT_REG_FILE = 8;
/** Directory entry file type: directory (as `DT_DIR`). */
export const IOMAPFS_FT_DIR = 4;

/** The superblock, decoded. Block numbers are filesystem blocks. */
export interface IomapfsSuperBlock {
  /** {@link IOMAPFS_SUPER_MAGIC}. */
  magic: number;
  /** {@link IOMAPFS_VERSION}. */
  version: number;
  /** Filesystem block size in bytes. */
  blockSize: number;
  /** Bytes per on-disk inode. */
  inodeSize: number;
  /** Filesystem blocks on the device. */
  blocksCount: number;
  /** Inodes in the inode table. */
  inodesCount: number;
  /** Free blocks (a hint; fsck recomputes it from the bitmap). */
  freeBlocksCount: number;
  /** Free inodes (a hint; fsck recomputes it). */
  freeInodesCount: number;
  /** First block of the block bitmap. */
  blockBitmapStart: number;
  /** Blocks of the block bitmap. */
  blockBitmapBlocks: number;
  /** First block of the inode bitmap. */
  inodeBitmapStart: number;
  /** Blocks of the inode bitmap. */
  inodeBitmapBlocks: number;
  /** First block of the inode table. */
  inodeTableStart: number;
  /** Blocks of the inode table. */
  inodeTableBlocks: number;
  /** First block that may hold data. */
  firstDataBlock: number;
  /** Inode number of the root directory. */
  rootIno: number;
  /** {@link IOMAPFS_VALID_FS} when cleanly unmounted, 0 while mounted, {@link IOMAPFS_ERROR_FS} after errors. */
  state: number;
  /** Mounts since mkfs. */
  mountCount: number;
  /** Virtual time (ns) of mkfs. */
  mkfsTime: number;
  /** Virtual time (ns) of the last superblock write. */
  writeTime: number;
  /** 16-byte volume id, from the machine's random stream. */
  uuid: Uint8Array;
}

/** One extent of a file, decoded. */
export interface IomapfsExtent {
  /** First file block. */
  lblk: number;
  /** Length in blocks (1 … {@link IOMAPFS_MAX_EXTENT_LEN}). */
  len: number;
  /** First device block. */
  pblk: number;
  /** Allocated but never written: reads as zeroes (`IOMAP_UNWRITTEN`). */
  unwritten: boolean;
}

/** An inode, decoded (without its overflow extents, which live in extent blocks). */
export interface IomapfsDiskInode {
  /** `i_mode`: type and permission bits; 0 = free. */
  mode: number;
  /** Hard links (`i_nlink`). */
  links: number;
  /** Inode flags (none defined yet; must be 0). */
  flags: number;
  /** File size in bytes. */
  size: number;
  /** Blocks held: data blocks plus extent blocks. */
  blocks: number;
  /** Access, modification and change times (virtual ns). */
  atime: number;
  /** Modification time (virtual ns). */
  mtime: number;
  /** Change time (virtual ns). */
  ctime: number;
  /** Generation number. */
  generation: number;
  /** Extents in total (inline plus overflow). */
  nextents: number;
  /** First extent overflow block, 0 if none. */
  extentBlock: number;
  /** The inline extents (at most {@link IOMAPFS_INLINE_EXTENTS}). */
  extents: IomapfsExtent[];
}

/** One directory entry, decoded. */
export interface IomapfsDirent {
  /** Inode number; 0 = unused slot. */
  ino: number;
  /** `IOMAPFS_FT_*`. */
  fileType: number;
  /** The name (1 … {@link IOMAPFS_NAME_LEN} bytes of UTF-8). */
  name: string;
}

/** An extent block's header, decoded. */
export interface IomapfsExtentBlockHeader {
  /** {@link IOMAPFS_EXTENT_MAGIC}. */
  magic: number;
  /** Extents in this block. */
  count: number;
  /** Next extent block, 0 at the end of the chain. */
  next: number;
}

function getU64(v: DataView, off: number): number {
  return v.getUint32(off, true) + v.getUint32(off + 4, true) * 0x100000000;
}

function setU64(v: DataView, off: number, x: number): void {
  v.setUint32(off, x >>> 0, true);
  v.setUint32(off + 4, Math.floor(x / 0x100000000) >>> 0, true);
}

function view(buf: Uint8Array, off: number, len: number): DataView {
  return new DataView(buf.buffer, buf.byteOffset + off, len);
}

const CRC_TABLE: Uint32Array = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/**
 * Models `crc32_le()` (lib/crc32.c) with the usual `~0` seed and final inversion (the zlib CRC-32).
 * @param buf - bytes
 * @param off - first byte
 * @param len - byte count
 * @returns the checksum as an unsigned 32-bit number
 */
export function iomapfsCrc32(buf: Uint8Array, off: number, len: number): number {
  let c = 0xffffffff;
  for (let i = off; i < off + len; i++) c = (CRC_TABLE[(c ^ (buf[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const SB_CSUM_OFF = IOMAPFS_SB_SIZE - 4;

/**
 * Encodes a superblock into the first {@link IOMAPFS_SB_SIZE} bytes of `buf` (the rest is left alone), with
 * its checksum in the last 4 bytes.
 * @param sb - the superblock
 * @param buf - at least {@link IOMAPFS_SB_SIZE} bytes
 */
export function iomapfsEncodeSuper(sb: IomapfsSuperBlock, buf: Uint8Array): void {
  buf.fill(0, 0, IOMAPFS_SB_SIZE);
  const v = view(buf, 0, IOMAPFS_SB_SIZE);
  v.setUint32(0, sb.magic, true);
  v.setUint32(4, sb.version, true);
  v.setUint32(8, sb.blockSize, true);
  v.setUint32(12, sb.inodeSize, true);
  setU64(v, 16, sb.blocksCount);
  v.setUint32(24, sb.inodesCount, true);
  v.setUint32(28, sb.freeInodesCount, true);
  setU64(v, 32, sb.freeBlocksCount);
  setU64(v, 40, sb.blockBitmapStart);
  v.setUint32(48, sb.blockBitmapBlocks, true);
  v.setUint32(52, sb.inodeBitmapBlocks, true);
  setU64(v, 56, sb.inodeBitmapStart);
  setU64(v, 64, sb.inodeTableStart);
  v.setUint32(72, sb.inodeTableBlocks, true);
  v.setUint32(76, sb.rootIno, true);
  setU64(v, 80, sb.firstDataBlock);
  v.setUint16(88, sb.state, true);
  v.setUint16(90, 0, true);
  v.setUint32(92, sb.mountCount, true);
  setU64(v, 96, sb.mkfsTime);
  setU64(v, 104, sb.writeTime);
  buf.set(sb.uuid.subarray(0, 16), 112);
  v.setUint32(SB_CSUM_OFF, iomapfsCrc32(buf, 0, SB_CSUM_OFF), true);
}

/**
 * Decodes the superblock at the start of `buf`.
 * @param buf - at least {@link IOMAPFS_SB_SIZE} bytes
 * @returns the superblock, or a string saying why these bytes are not an iomapfs superblock
 */
export function iomapfsDecodeSuper(buf: Uint8Array): IomapfsSuperBlock | string {
  if (buf.length < IOMAPFS_SB_SIZE) return 'short superblock';
  const v = view(buf, 0, IOMAPFS_SB_SIZE);
  const magic = v.getUint32(0, true);
  if (magic !== IOMAPFS_SUPER_MAGIC) return `bad magic 0x${magic.toString(16)}`;
  const csum = v.getUint32(SB_CSUM_OFF, true);
  if (csum !== iomapfsCrc32(buf, 0, SB_CSUM_OFF)) return 'superblock checksum mismatch';
  return {
    magic,
    version: v.getUint32(4, true),
    blockSize: v.getUint32(8, true),
    inodeSize: v.getUint32(12, true),
    blocksCount: getU64(v, 16),
    inodesCount: v.getUint32(24, true),
    freeInodesCount: v.getUint32(28, true),
    freeBlocksCount: getU64(v, 32),
    blockBitmapStart: getU64(v, 40),
    blockBitmapBlocks: v.getUint32(48, true),
    inodeBitmapBlocks: v.getUint32(52, true),
    inodeBitmapStart: getU64(v, 56),
    inodeTableStart: getU64(v, 64),
    inodeTableBlocks: v.getUint32(72, true),
    rootIno: v.getUint32(76, true),
    firstDataBlock: getU64(v, 80),
    state: v.getUint16(88, true),
    mountCount: v.getUint32(92, true),
    mkfsTime: getU64(v, 96),
    writeTime: getU64(v, 104),
    uuid: buf.slice(112, 128),
  };
}

/**
 * Encodes one extent at `off` of `buf`.
 * @param e - the extent
 * @param buf - destination
 * @param off - byte offset ({@link IOMAPFS_EXTENT_SIZE} bytes are written)
 */
export function iomapfsEncodeExtent(e: IomapfsExtent, buf: Uint8Array, off: number): void {
  const v = view(buf, off, IOMAPFS_EXTENT_SIZE);
  v.setUint32(0, e.lblk, true);
  v.setUint32(4, (e.len | (e.unwritten ? IOMAPFS_EXTENT_UNWRITTEN : 0)) >>> 0, true);
  setU64(v, 8, e.pblk);
}

/**
 * Decodes one extent at `off` of `buf`.
 * @param buf - source
 * @param off - byte offset
 * @returns the extent
 */
export function iomapfsDecodeExtent(buf: Uint8Array, off: number): IomapfsExtent {
  const v = view(buf, off, IOMAPFS_EXTENT_SIZE);
  const raw = v.getUint32(4, true);
  return {
    lblk: v.getUint32(0, true),
    len: raw & IOMAPFS_MAX_EXTENT_LEN,
    pblk: getU64(v, 8),
    unwritten: (raw & IOMAPFS_EXTENT_UNWRITTEN) !== 0,
  };
}

const INODE_EXTENTS_OFF = IOMAPFS_INODE_SIZE - IOMAPFS_INLINE_EXTENTS * IOMAPFS_EXTENT_SIZE;

/**
 * Encodes an inode at `off` of `buf` (its first {@link IOMAPFS_INLINE_EXTENTS} extents inline).
 * @param ino - the inode
 * @param buf - destination (an inode-table block)
 * @param off - byte offset of the inode in `buf`
 */
export function iomapfsEncodeInode(ino: IomapfsDiskInode, buf: Uint8Array, off: number): void {
  buf.fill(0, off, off + IOMAPFS_INODE_SIZE);
  const v = view(buf, off, IOMAPFS_INODE_SIZE);
  v.setUint16(0, ino.mode, true);
  v.setUint16(2, ino.links, true);
  v.setUint32(4, ino.flags, true);
  setU64(v, 8, ino.size);
  setU64(v, 16, ino.blocks);
  setU64(v, 24, ino.atime);
  setU64(v, 32, ino.mtime);
  setU64(v, 40, ino.ctime);
  v.setUint32(48, ino.generation, true);
  v.setUint32(52, ino.nextents, true);
  setU64(v, 56, ino.extentBlock);
  const n = Math.min(ino.extents.length, IOMAPFS_INLINE_EXTENTS);
  for (let i = 0; i < n; i++) {
    iomapfsEncodeExtent(ino.extents[i] as IomapfsExtent, buf, off + INODE_EXTENTS_OFF + i * IOMAPFS_EXTENT_SIZE);
  }
}

/**
 * Decodes the inode at `off` of `buf`; `extents` holds the inline ones only.
 * @param buf - an inode-table block
 * @param off - byte offset of the inode in `buf`
 * @returns the inode
 */
export function iomapfsDecodeInode(buf: Uint8Array, off: number): IomapfsDiskInode {
  const v = view(buf, off, IOMAPFS_INODE_SIZE);
  const nextents = v.getUint32(52, true);
  const inline = Math.min(nextents, IOMAPFS_INLINE_EXTENTS);
  const extents: IomapfsExtent[] = [];
  for (let i = 0; i < inline; i++) {
    extents.push(iomapfsDecodeExtent(buf, off + INODE_EXTENTS_OFF + i * IOMAPFS_EXTENT_SIZE));
  }
  return {
    mode: v.getUint16(0, true),
    links: v.getUint16(2, true),
    flags: v.getUint32(4, true),
    size: getU64(v, 8),
    blocks: getU64(v, 16),
    atime: getU64(v, 24),
    mtime: getU64(v, 32),
    ctime: getU64(v, 40),
    generation: v.getUint32(48, true),
    nextents,
    extentBlock: getU64(v, 56),
    extents,
  };
}

/**
 * Extents one extent block holds.
 * @param blockSize - filesystem block size
 * @returns `(blockSize - header) / 16`
 */
export function iomapfsExtentsPerBlock(blockSize: number): number {
  return Math.floor((blockSize - IOMAPFS_EXTENT_HDR_SIZE) / IOMAPFS_EXTENT_SIZE);
}

/**
 * Encodes an extent block: header plus `extents` (at most {@link iomapfsExtentsPerBlock}).
 * @param extents - the extents of this block
 * @param next - the next block of the chain, 0 for none
 * @param buf - one filesystem block
 */
export function iomapfsEncodeExtentBlock(extents: readonly IomapfsExtent[], next: number, buf: Uint8Array): void {
  buf.fill(0);
  const v = view(buf, 0, IOMAPFS_EXTENT_HDR_SIZE);
  v.setUint32(0, IOMAPFS_EXTENT_MAGIC, true);
  v.setUint32(4, extents.length, true);
  setU64(v, 8, next);
  for (let i = 0; i < extents.length; i++) {
    iomapfsEncodeExtent(extents[i] as IomapfsExtent, buf, IOMAPFS_EXTENT_HDR_SIZE + i * IOMAPFS_EXTENT_SIZE);
  }
}

/**
 * Decodes an extent block's header.
 * @param buf - one filesystem block
 * @returns the header
 */
export function iomapfsDecodeExtentBlockHeader(buf: Uint8Array): IomapfsExtentBlockHeader {
  const v = view(buf, 0, IOMAPFS_EXTENT_HDR_SIZE);
  return { magic: v.getUint32(0, true), count: v.getUint32(4, true), next: getU64(v, 8) };
}

const utf8 = new TextEncoder();
const utf8d = new TextDecoder();

/**
 * Encodes a name for a directory entry.
 * @param name - the name
 * @returns its UTF-8 bytes
 */
export function iomapfsNameBytes(name: string): Uint8Array {
  return utf8.encode(name);
}

/**
 * Encodes one directory entry at `off` of `buf`.
 * @param d - the entry (ino 0 clears the slot)
 * @param buf - a directory block
 * @param off - byte offset
 */
export function iomapfsEncodeDirent(d: IomapfsDirent, buf: Uint8Array, off: number): void {
  buf.fill(0, off, off + IOMAPFS_DIRENT_SIZE);
  if (d.ino === 0) return;
  const name = utf8.encode(d.name);
  const v = view(buf, off, 8);
  v.setUint32(0, d.ino, true);
  v.setUint8(4, d.fileType);
  v.setUint8(5, name.length);
  buf.set(name.subarray(0, IOMAPFS_NAME_LEN), off + 8);
}

/**
 * Decodes the directory entry at `off` of `buf`.
 * @param buf - a directory block
 * @param off - byte offset
 * @returns the entry; `ino` 0 for a free slot
 */
export function iomapfsDecodeDirent(buf: Uint8Array, off: number): IomapfsDirent {
  const v = view(buf, off, 8);
  const ino = v.getUint32(0, true);
  if (ino === 0) return { ino: 0, fileType: 0, name: '' };
  const len = Math.min(v.getUint8(5), IOMAPFS_NAME_LEN);
  return { ino, fileType: v.getUint8(4), name: utf8d.decode(buf.subarray(off + 8, off + 8 + len)) };
}

/** The block layout mkfs chooses for a device size and block size. */
export interface IomapfsGeometry {
  /** Filesystem block size. */
  readonly blockSize: number;
  /** Filesystem blocks. */
  readonly blocksCount: number;
  /** Inodes. */
  readonly inodesCount: number;
  /** First block of the block bitmap (always 1). */
  readonly blockBitmapStart: number;
  /** Blocks of the block bitmap. */
  readonly blockBitmapBlocks: number;
  /** First block of the inode bitmap. */
  readonly inodeBitmapStart: number;
  /** Blocks of the inode bitmap. */
  readonly inodeBitmapBlocks: number;
  /** First block of the inode table. */
  readonly inodeTableStart: number;
  /** Blocks of the inode table. */
  readonly inodeTableBlocks: number;
  /** First data block. */
  readonly firstDataBlock: number;
}

/**
 * Computes the layout of a filesystem (as `mke2fs` does from the device size).
 * @param blockSize - 1024, 2048 or 4096
 * @param blocksCount - filesystem blocks on the device
 * @param inodesCount - inodes wanted; 0 picks one inode per 16 KiB of space (at least 16)
 * @returns the layout, or a string saying why the device is too small
 */
export function iomapfsGeometry(blockSize: number, blocksCount: number, inodesCount: number): IomapfsGeometry | string {
  const bitsPerBlock = blockSize * 8;
  let inodes = inodesCount > 0 ? inodesCount : Math.max(16, Math.floor((blocksCount * blockSize) / 16384));
  const inodesPerBlock = blockSize / IOMAPFS_INODE_SIZE;
  inodes = Math.ceil(inodes / inodesPerBlock) * inodesPerBlock;
  if (inodes > 0xfffffff0) return `too many inodes (${inodes})`;
  const blockBitmapBlocks = Math.ceil(blocksCount / bitsPerBlock);
  const inodeBitmapBlocks = Math.ceil(inodes / bitsPerBlock);
  const inodeTableBlocks = inodes / inodesPerBlock;
  const blockBitmapStart = 1;
  const inodeBitmapStart = blockBitmapStart + blockBitmapBlocks;
  const inodeTableStart = inodeBitmapStart + inodeBitmapBlocks;
  const firstDataBlock = inodeTableStart + inodeTableBlocks;
  // The root directory needs one data block; leave room for at least a few more.
  if (firstDataBlock + 8 > blocksCount) {
    return `device too small: ${blocksCount} blocks of ${blockSize} bytes, metadata alone needs ${firstDataBlock}`;
  }
  return {
    blockSize,
    blocksCount,
    inodesCount: inodes,
    blockBitmapStart,
    blockBitmapBlocks,
    inodeBitmapStart,
    inodeBitmapBlocks,
    inodeTableStart,
    inodeTableBlocks,
    firstDataBlock,
  };
}
