/**
 * Backing-device information (`struct backing_dev_info`, include/linux/backing-dev-defs.h, mm/backing-dev.c):
 * the readahead sizes of the device behind a file, and the no-op bdi of filesystems that have none.
 * @packageDocumentation
 */
import { PAGE_SIZE, type BlockDevice } from './internal/deps.js';
import type { Inode } from './inode.js';
import type { SuperBlock } from './super.js';
import { sIsBlk } from './uapi/stat.js';

/** Models `VM_READAHEAD_PAGES` (include/linux/mm.h): the default readahead window, `SZ_128K / PAGE_SIZE`. */
export const VM_READAHEAD_PAGES = (128 * 1024) / PAGE_SIZE;

/**
 * Models the members of `struct backing_dev_info` (include/linux/backing-dev-defs.h) that readahead and
 * `posix_fadvise()` read.
 */
export interface BackingDevInfo {
  /** `dev_name`, for reports (`"noop"` for the no-op bdi). */
  readonly name: string;
  /** `ra_pages`: the readahead window in pages. */
  readonly raPages: number;
  /** `io_pages`: the largest I/O the device takes, in pages. */
  readonly ioPages: number;
}

/**
 * Models `noop_backing_dev_info` (mm/backing-dev.c): the bdi of pseudo filesystems (anonymous inodes, rootfs,
 * devtmpfs directories, any filesystem that neither sits on a block device nor sets one up). `posix_fadvise()`
 * ignores every valid advice on their files.
 */
export const noopBackingDevInfo: BackingDevInfo = Object.freeze({ name: 'noop', raPages: 0, ioPages: 0 });

/**
 * Models `disk->bdi` as `blk_apply_bdi_limits()` (block/blk-settings.c) sizes it from the queue limits:
 * `ra_pages = max(io_opt * 2 / PAGE_SIZE, VM_READAHEAD_PAGES)`, `io_pages = max_sectors >> (PAGE_SHIFT - 9)`.
 * The values follow the device's current limits.
 * @param bdev - a block device
 * @returns its disk's bdi
 */
export function bdevBdi(bdev: BlockDevice): BackingDevInfo {
  return {
    get name(): string {
      return bdev.bdDisk.diskName;
    },
    get raPages(): number {
      return Math.max(Math.floor((bdev.bdQueue.limits.ioOpt * 2) / PAGE_SIZE), VM_READAHEAD_PAGES);
    },
    get ioPages(): number {
      return Math.floor(bdev.bdQueue.limits.maxSectors / (PAGE_SIZE / 512));
    },
  };
}

/**
 * Models `super_setup_bdi()` (mm/backing-dev.c → `bdi_init()`): gives a filesystem that does not sit on a block
 * device (network, FUSE, in-memory test filesystems) a private bdi with the default readahead window
 * (`ra_pages = io_pages = VM_READAHEAD_PAGES`), so that `posix_fadvise()` and readahead act on its files.
 * @param sb - the superblock being set up
 * @param name - the bdi's name (default: the superblock's id)
 */
export function superSetupBdi(sb: SuperBlock, name: string = sb.sId): void {
  sb.sBdi = Object.freeze({ name, raPages: VM_READAHEAD_PAGES, ioPages: VM_READAHEAD_PAGES });
}

/**
 * Models `inode_to_bdi()` (mm/backing-dev.c): a block device's inode answers its disk's bdi (`sb_is_blkdev_sb()`:
 * `I_BDEV(inode)->bd_disk->bdi`), any other inode its superblock's `s_bdi`.
 * @param inode - the host of a page cache (`mapping->host`)
 * @returns the bdi
 */
export function inodeToBdi(inode: Inode): BackingDevInfo {
  if (sIsBlk(inode.iMode)) {
    const bdev = (inode.iPrivate as { readonly bdev?: BlockDevice } | undefined)?.bdev;
    if (bdev !== undefined) return bdevBdi(bdev);
  }
  return inode.iSb.sBdi;
}
