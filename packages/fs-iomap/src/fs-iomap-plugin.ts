/**
 * The `fs-iomap` plugin: contributes capability `fs` and the `iomapfs` filesystem type to the vfs.
 * @packageDocumentation
 */
import { definePlugin } from '@stackemu/core';
import { fsIomapModule } from './fs-iomap-module.js';
import { fsIomapParamSpec } from './fs-iomap-params.js';

/**
 * The fs-iomap plugin (capability `fs`): iomap direct and buffered I/O and the `iomapfs` filesystem.
 * Requires mm, block and vfs; the vfs mounts `iomapfs` from its `mounts` parameter (`mkfs: true` runs
 * iomapfs's mkfs first).
 */
export const fsIomapPlugin = definePlugin({
  name: 'fs-iomap',
  version: '0.1.0',
  description: 'iomap direct-I/O and buffered paths (fs/iomap) and iomapfs, an extent filesystem with mkfs and fsck',
  requires: ['mm', 'block', 'vfs'],
  provides: [],
  contributes: ['fs'],
  params: fsIomapParamSpec,
  module: fsIomapModule,
});
