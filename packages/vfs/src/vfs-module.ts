/**
 * The vfs plugin's bindings.
 * @packageDocumentation
 */
import { bindContributionProvider, capabilityId, Scheduler, type ContributionProvider } from '@stackemu/core';
import { BlockLayer } from '@stackemu/block';
import { Gup, Mm, PhysMem } from '@stackemu/mm';
import { ContainerModule } from 'inversify';
import { FileSystemTypes, FileSystemTypesProvider, type FileSystemType } from './filesystems.js';
import { createUpstream, type Upstream } from './upstream.js';
import { blkdevFops } from './blkdev-file.js';
import { Vfs, VfsImpl } from './vfs.js';

/** Service id of the machine's {@link Upstream}: the mm and block services the vfs resolved once. */
export const VfsUpstream = Symbol.for('stackemu.VfsUpstream');

/**
 * The vfs plugin's container module: the {@link Vfs} service, the filesystem-type contribution provider and
 * the `vfs` capability.
 */
export const vfsModule = new ContainerModule(({ bind }) => {
  // contributions
  bindContributionProvider<FileSystemType>(bind, FileSystemTypes, FileSystemTypesProvider);
  // services
  bind(VfsUpstream)
    .toDynamicValue((ctx) =>
      createUpstream({
        mmService: ctx.get<Mm>(Mm),
        gup: ctx.get<Gup>(Gup),
        physMem: ctx.get<PhysMem>(PhysMem),
        blk: ctx.get<BlockLayer>(BlockLayer),
      }),
    )
    .inSingletonScope();
  bind(Vfs)
    .toDynamicValue((ctx) => {
      const provider = ctx.get<ContributionProvider<FileSystemType>>(FileSystemTypesProvider);
      const up = ctx.get<Upstream>(VfsUpstream);
      return new VfsImpl(ctx.get<Scheduler>(Scheduler), up, () => provider.getContributions(), blkdevFops(up));
    })
    .inSingletonScope();
  bind(capabilityId('vfs')).toService(Vfs);
});
