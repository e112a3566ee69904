/**
 * The superblock operations table (`struct super_operations`, include/linux/fs.h).
 * @packageDocumentation
 */
import type { Inode } from './inode.js';
import type { SuperBlock } from './super.js';

/**
 * Models `struct super_operations` (include/linux/fs.h). All members optional.
 */
export interface SuperOperations {
  /**
   * Models `->sync_fs()`: write the filesystem's metadata (called at unmount and by `syncfs`).
   * @returns 0 or `-errno`
   */
  syncFs?(sb: SuperBlock, wait: boolean): Promise<number>;
  /**
   * Models `->put_super()`: release the filesystem's private state at unmount, after `syncFs`.
   */
  putSuper?(sb: SuperBlock): Promise<void>;
  /**
   * Models `->evict_inode()`: the inode has no links and no users; free its blocks.
   */
  evictInode?(inode: Inode): Promise<void>;
  /**
   * Models `->write_inode()`: write the inode's metadata back.
   * @returns 0 or `-errno`
   */
  writeInode?(inode: Inode, sync: boolean): Promise<number>;
}
