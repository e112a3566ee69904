/**
 * The inversify module of the fs-iomap plugin: the per-machine iomapfs context and the `iomapfs`
 * `FileSystemType` contributed to the vfs.
 * @packageDocumentation
 */
import { ContainerModule } from 'inversify';
import { capabilityId, Logger, PluginParams, Rng, Scheduler, type ParamValues } from '@stackemu/core';
import { BlockLayer, REQ_META, REQ_SYNC, type PageRefPolicy } from '@stackemu/block';
import { FileSystemTypes, VfsUpstream, type FileSystemType, type Inode, type Upstream } from '@stackemu/vfs';
import { iomapZeroRange } from './buffered-io.js';
import type { IomapDioOps } from './iomap.js';
import {
  PAGE_SIZE,
  filemapGetFolio,
  filemapWriteAndWaitRange,
  folioLock,
  folioUnlock,
  truncateInodePagesRange,
  type AddressSpace,
} from '@stackemu/mm';
import { BdevDev } from './iomapfs/bdev-dev.js';
import type { IomapfsContext, IomapfsPagecache } from './iomapfs/context.js';
import { iomapfsReadahead, iomapfsReadFolio, iomapfsWritepages } from './iomapfs/file-rw.js';
import { iomapfsDioWriteEndIo, iomapfsIomapOps } from './iomapfs/iomap-ops.js';
import { iomapfsFsType } from './iomapfs/super.js';
import type { fsIomapParamSpec } from './fs-iomap-params.js';

function mappingOf(inode: Inode): AddressSpace {
  return inode.iMapping;
}

/** Service id of the machine's {@link IomapfsContext}. */
export const IomapfsContextId = Symbol.for('stackemu.IomapfsContext');

/** The machine services {@link createIomapfsContext} builds from. */
export interface IomapfsContextDeps {
  /** Virtual time. */
  readonly scheduler: Scheduler;
  /** The fs-iomap random stream (`rng.fork('fs-iomap')`). */
  readonly rng: Rng;
  /** The plugin's logger. */
  readonly log: Logger;
  /** The block layer (era, CONFIG, default `dio_w` policy). */
  readonly blk: BlockLayer;
  /** The vfs's mm/block calls (buffered I/O). */
  readonly up: Upstream;
  /** The plugin's parameters. */
  readonly params: ParamValues<typeof fsIomapParamSpec>;
}

/**
 * The page-reference policy of iomap's direct-I/O call site (`iomap_dio_bio_iter` → `bio_iov_iter_get_pages`)
 * on one machine: converted (`'pin'`) when the plugin declares it so and `CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO`
 * is set, else FOLL_GET (`'gup'`). The block layer's era decides what `'pin'` means.
 * @param blk - the block layer
 * @param converted - the plugin's `converted` parameter
 */
export function iomapDioPolicy(blk: BlockLayer, converted: boolean): PageRefPolicy {
  return converted && blk.configPin ? 'pin' : 'gup';
}

/**
 * Builds the per-machine {@link IomapfsContext}.
 * @param deps - the machine's services
 * @returns the context (immutable)
 */
export function createIomapfsContext(deps: IomapfsContextDeps): IomapfsContext {
  const policy = iomapDioPolicy(deps.blk, deps.params.converted);
  const dioReadOps: IomapDioOps = Object.freeze({ pageRefPolicy: policy });
  const dioWriteOps: IomapDioOps = Object.freeze({ endIo: iomapfsDioWriteEndIo, pageRefPolicy: policy });
  const writeback: IomapfsPagecache = {
    writeAndWait: (inode, start, end) => filemapWriteAndWaitRange(mappingOf(inode), start, end),
    truncatePagecache: async (inode, newsize) => {
      // truncate_inode_pages(): whole pages past the new size go; the part of the page holding EOF that
      // lies past it is zeroed (truncate_inode_partial_folio()).
      const mapping = mappingOf(inode);
      const off = newsize % PAGE_SIZE;
      if (off !== 0 && mapping.nrpages > 0) {
        const pfn = filemapGetFolio(mapping, Math.floor(newsize / PAGE_SIZE), 0);
        if (pfn >= 0) {
          await folioLock(mapping, pfn);
          deps.blk.physMem.write(pfn * PAGE_SIZE + off, new Uint8Array(PAGE_SIZE - off), 0, PAGE_SIZE - off);
          folioUnlock(mapping, pfn);
          deps.blk.physMem.putPage(pfn);
        }
      }
      await truncateInodePagesRange(mapping, Math.ceil(newsize / PAGE_SIZE), Number.MAX_SAFE_INTEGER);
    },
    truncatePagecacheRange: (inode, start, end) =>
      truncateInodePagesRange(mappingOf(inode), Math.ceil(start / PAGE_SIZE), Math.floor((end + 1) / PAGE_SIZE) - 1),
    zeroRange: (inode, pos, len) => iomapZeroRange(inode, pos, len, iomapfsIomapOps),
    flushAll: async (sbi) => {
      for (const ii of [...sbi.inodes()]) {
        const inode = ii.vfsInode as Inode | undefined;
        if (inode !== undefined) await filemapWriteAndWaitRange(mappingOf(inode), 0, Number.MAX_SAFE_INTEGER);
      }
    },
  };
  const rng = deps.rng;
  const ctx: IomapfsContext = {
    now: () => deps.scheduler.now(),
    uuid: () => {
      const u = new Uint8Array(16);
      for (let i = 0; i < 16; i += 4) new DataView(u.buffer).setUint32(i, rng.nextU32(), true);
      return u;
    },
    log: deps.log,
    metaFlags: REQ_META | REQ_SYNC,
    openDev: (bdev, blockSize) => BdevDev.open(bdev, blockSize),
    aops: Object.freeze({
      readFolio: iomapfsReadFolio,
      readahead: iomapfsReadahead,
      writepages: iomapfsWritepages,
    }),
    writeback,
    bufferedIo: Object.freeze({ up: deps.up }),
    dioReadOps,
    dioWriteOps,
  };
  return Object.freeze(ctx);
}

/**
 * The fs-iomap module: binds the context (`IomapfsContextId`), contributes `iomapfs` at the vfs's
 * `FileSystemTypes` and binds capability `fs`.
 * @remarks Everything resolves lazily: the vfs mounts in its own `start`, before fs-iomap's hooks run.
 */
export const fsIomapModule = new ContainerModule(({ bind }) => {
  // services
  bind<IomapfsContext>(IomapfsContextId)
    .toDynamicValue((ctx) =>
      createIomapfsContext({
        scheduler: ctx.get<Scheduler>(Scheduler),
        rng: ctx.get<Rng>(Rng).fork('fs-iomap'),
        log: ctx.get<Logger>(Logger).child({ plugin: 'fs-iomap' }),
        blk: ctx.get<BlockLayer>(BlockLayer),
        up: ctx.get<Upstream>(VfsUpstream),
        params: ctx.get<ParamValues<typeof fsIomapParamSpec>>(PluginParams, { name: 'fs-iomap' }),
      }),
    )
    .inSingletonScope();
  // contributions
  bind<FileSystemType>(FileSystemTypes)
    .toDynamicValue((ctx) => iomapfsFsType(ctx.get<IomapfsContext>(IomapfsContextId)))
    .inSingletonScope();
  bind(capabilityId('fs')).toConstantValue('fs-iomap');
});
