/**
 * `@stackemu/fs-iomap`: the iomap direct-I/O and buffered paths (`fs/iomap/`) and iomapfs, a small
 * extent-based filesystem built on them.
 * @packageDocumentation
 */
export * from './iomap.js';
export * from './iter.js';
export * from './iomapfs/iomapfs.js';
export * from './iomapfs/buffer.js';
export * from './iomapfs/mkfs.js';
export * from './iomapfs/fsck.js';
export * from './iomapfs/extents.js';
export * from './iomapfs/bitmap.js';
export * from './iomapfs/inode.js';
export * from './iomapfs/sb-info.js';
export * from './iomapfs/dir.js';
export * from './iomapfs/context.js';
export * from './iomapfs/iomap-ops.js';
export * from './direct-io.js';
export * from './buffered-io.js';
export * from './iomapfs/super.js';
export * from './iomapfs/namei.js';
export * from './iomapfs/file.js';
export * from './iomapfs/file-rw.js';
export * from './iomapfs/bdev-dev.js';
export * from './fs-iomap-params.js';
export * from './fs-iomap-module.js';
export * from './fs-iomap-plugin.js';
