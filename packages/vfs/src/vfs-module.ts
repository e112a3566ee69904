/**
 * The vfs plugin's bindings.
 * @packageDocumentation
 */
import { bindContributionProvider, capabilityId, Scheduler, type ContributionProvider } from '@stackemu/core';
import { ContainerModule } from 'inversify';
import { FileSystemTypes, FileSystemTypesProvider, type FileSystemType } from './filesystems.js';
import type { Upstream } from './internal/deps.js';
import { createUpstream } from './internal/upstream.js';
import { blkdevFops } from './blkdev-file.js';
import { Vfs, VfsImpl } from './vfs.js';

/**
 * Service id of the mm/block calls the vfs makes (resolved once per machine). Tests may rebind it.
 * @internal
 */
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
    .toDynamicValue((ctx) => createUpstream((id) => ctx.get(id)))
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
