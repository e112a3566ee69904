/**
 * `@stackemu/vfs`: the virtual filesystem switch — processes and descriptor tables, path lookup and mounts,
 * inodes/dentries/files/superblocks, `kiocb`, the I/O syscalls (read/write/preadv/pwritev, `O_DIRECT`,
 * libaio, io_uring), generic buffered I/O through mm's page cache, and the ops tables filesystems fill.
 * @packageDocumentation
 */
export * from './uapi/fcntl.js';
export * from './uapi/fs.js';
export * from './uapi/falloc.js';
export * from './uapi/stat.js';
export * from './uapi/aio-abi.js';
export * from './uapi/io-uring.js';
export * from './uapi/fadvise.js';
export * from './kiocb.js';
export * from './file.js';
export * from './inode.js';
export * from './rwsem.js';
export * from './dentry.js';
export * from './super.js';
export * from './mount.js';
export * from './file-operations.js';
export * from './inode-operations.js';
export * from './super-operations.js';
export * from './filesystems.js';
export * from './fdtable.js';
export * from './namespace.js';
export * from './namei.js';
export * from './open.js';
export * from './read-write.js';
export * from './aio.js';
export * from './sync.js';
export * from './stat.js';
export * from './process.js';
export * from './syscalls.js';
export * from './io-uring/io-uring.js';
export * from './io-uring/rsrc.js';
export * from './io-uring/filetable.js';
export * from './blkdev-file.js';
export * from './vfs.js';
export * from './vfs-module.js';
export * from './vfs-plugin.js';
export * from './filemap.js';
export * from './backing-dev.js';
export * from './readahead.js';
export * from './fadvise.js';
export * from './upstream.js';
export * from './vfs-kernel.js';
/** mm's `AddressSpaceOperations`, re-exported for filesystems that import it from the vfs. */
export type { AddressSpaceOperations } from './internal/deps.js';
