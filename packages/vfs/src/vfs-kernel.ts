/**
 * What per-process code (syscalls, aio, io_uring) reaches of the machine-wide vfs state.
 * @packageDocumentation
 */
import type { Scheduler } from '@stackemu/core';
import type { NameiContext } from './namei.js';
import type { Upstream } from './upstream.js';
import type { File } from './file.js';
import type { FileOperations } from './file-operations.js';

/**
 * The machine-wide vfs state a process's syscalls, AIO contexts and io_uring rings use (what the kernel
 * reaches through globals: the mount namespace, the anonymous inode, the clock).
 */
export interface VfsKernel extends NameiContext {
  /** Virtual time. */
  readonly scheduler: Scheduler;
  /** mm and block, resolved once. */
  readonly up: Upstream;
  /**
   * Models `anon_inode_getfile()` (fs/anon_inodes.c): a file on the shared anonymous inode.
   * @param name - `"[io_uring]"`
   * @param fops - its operations
   * @param priv - `private_data`
   */
  anonInodeGetfile(name: string, fops: FileOperations, priv: unknown): File;
}
