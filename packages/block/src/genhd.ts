/**
 * The disk registry (block/genhd.c): `add_disk()`, `del_gendisk()`, lookup by name.
 * @packageDocumentation
 */
import { EEXIST, EINVAL, ENODEV, Errno } from '@stackemu/core';
import { Subject, type Observable } from 'rxjs';
import type { BlockDevice, Gendisk } from './blkdev.js';

/** Models `MINORBITS` (include/linux/kdev_t.h). */
export const MINORBITS = 20;
/** Models `BLOCK_EXT_MAJOR` (include/uapi/linux/major.h): the major of dynamically numbered disks. */
export const BLOCK_EXT_MAJOR = 259;

/**
 * Models `MKDEV()` (include/linux/kdev_t.h).
 * @param major - major number
 * @param minor - minor number
 * @returns the `dev_t`
 */
export function mkdev(major: number, minor: number): number {
  return major * 2 ** MINORBITS + minor;
}

/** Service id of the machine's {@link BlockDeviceRegistry}. */
export const BlockDeviceRegistry = Symbol.for('stackemu.BlockDeviceRegistry');

/**
 * Models the disk list of block/genhd.c (`add_disk()`, `del_gendisk()`, the `/dev` names): every disk of a
 * machine, by name.
 */
export interface BlockDeviceRegistry {
  /**
   * Models `add_disk()` (block/genhd.c): make the disk visible (`/dev/<name>`).
   * @param disk - a disk from `blkMqAllocDisk` with a name and capacity
   * @throws Errno `EEXIST` if the name is taken, `EINVAL` for an empty name
   */
  addDisk(disk: Gendisk): void;
  /**
   * Models `del_gendisk()` (block/genhd.c): remove the disk.
   * @param disk - a registered disk
   * @throws Errno `ENODEV` if it is not registered
   */
  delGendisk(disk: Gendisk): void;
  /** The whole-disk block device named `name` (`nvme0n1`, also `/dev/nvme0n1`). */
  lookup(name: string): BlockDevice | undefined;
  /** The block device with `bd_dev` `dev`. */
  lookupDev(dev: number): BlockDevice | undefined;
  /** Every registered disk's whole-disk device, in registration order. */
  list(): readonly BlockDevice[];
  /** Fires after a disk was added. */
  readonly onDidAddDisk: Observable<Gendisk>;
  /** Fires after a disk was removed. */
  readonly onDidRemoveDisk: Observable<Gendisk>;
}

/**
 * The registry of one machine.
 */
export class GenhdRegistry implements BlockDeviceRegistry {
  private readonly byName = new Map<string, BlockDevice>();
  private nextMinor = 0;
  private readonly added = new Subject<Gendisk>();
  private readonly removed = new Subject<Gendisk>();
  readonly onDidAddDisk: Observable<Gendisk> = this.added.asObservable();
  readonly onDidRemoveDisk: Observable<Gendisk> = this.removed.asObservable();

  addDisk(disk: Gendisk): void {
    if (disk.diskName === '') throw new Errno(EINVAL, 'block: add_disk: disk has no name');
    if (this.byName.has(disk.diskName)) {
      throw new Errno(EEXIST, `block: add_disk: a disk named ${disk.diskName} is already registered`);
    }
    if (disk.major === 0) {
      disk.major = BLOCK_EXT_MAJOR;
      disk.firstMinor = this.nextMinor++;
    }
    disk.part0.bdDev = mkdev(disk.major, disk.firstMinor);
    disk.live = true;
    this.byName.set(disk.diskName, disk.part0);
    if (this.added.observed) this.added.next(disk);
  }

  delGendisk(disk: Gendisk): void {
    if (this.byName.get(disk.diskName) !== disk.part0) {
      throw new Errno(ENODEV, `block: del_gendisk: ${disk.diskName} is not registered`);
    }
    this.byName.delete(disk.diskName);
    disk.live = false;
    if (this.removed.observed) this.removed.next(disk);
  }

  lookup(name: string): BlockDevice | undefined {
    return this.byName.get(name.startsWith('/dev/') ? name.slice(5) : name);
  }

  lookupDev(dev: number): BlockDevice | undefined {
    for (const b of this.byName.values()) if (b.bdDev === dev) return b;
    return undefined;
  }

  list(): readonly BlockDevice[] {
    return [...this.byName.values()];
  }

  /** Completes the notification streams (machine stop). */
  dispose(): void {
    this.added.complete();
    this.removed.complete();
  }
}
