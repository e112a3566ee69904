/**
 * The plugins the `stackemu` command knows: every plugin the workspace packages export, as an explicit list
 * (there is no global registry).
 * @packageDocumentation
 */
import type { Plugin } from '@stackemu/core';
import { blockPlugin } from '@stackemu/block';
import { nvmePlugin } from '@stackemu/devices';
import { fsIomapPlugin } from '@stackemu/fs-iomap';
import { mmPlugin } from '@stackemu/mm';
import { vfsPlugin } from '@stackemu/vfs';

/**
 * The catalogue `stackemu` builds machines from: mm, block, the device plugins, the filesystem plugins and
 * vfs.
 * @returns the plugins, in a stable order
 */
export function catalogue(): readonly Plugin[] {
  return [mmPlugin, blockPlugin, nvmePlugin, fsIomapPlugin, vfsPlugin] as readonly Plugin[];
}
