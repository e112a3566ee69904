/**
 * The built-in stack configs of the `stackemu` command.
 * @packageDocumentation
 */
import type { StackConfig } from '@stackemu/core';

/** A built-in stack with a one-line description for `stackemu stacks`. */
export interface BuiltinStack {
  /** Its name (`--stack default`). */
  readonly name: string;
  /** One line. */
  readonly description: string;
  /** The config. */
  readonly config: StackConfig;
}

/**
 * The default stack: an NVMe SSD (nvme0) with two namespaces — nvme0n1 (64 GiB, 512-byte LBAs, as common NVMe SSDs) holding the
 * iomap filesystem mounted at `/`, where relative file names land, and nvme0n2 (1 GiB, 512-byte LBAs), a
 * raw scratch device that job paths naming a block device the stack lacks (`/dev/sda`, `/dev/XXX`) are
 * mapped to — over blk-mq and mm with upstream 6.18's `CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO=y`.
 * Media is sparse: memory grows with the data written, not with the capacity.
 */
export const defaultStack: StackConfig = {
  name: 'default',
  seed: 0,
  plugins: [
    { name: 'mm' },
    { name: 'block' },
    {
      name: 'nvme',
      params: {
        namespaces: [
          { nsid: 1, capacity: '64g', lba_size: 512 },
          { nsid: 2, capacity: '1g', lba_size: 512 },
        ],
      },
    },
    { name: 'fs-iomap' },
    { name: 'vfs', params: { mounts: [{ source: 'nvme0n1', target: '/', fstype: 'iomapfs', mkfs: true }] } },
  ],
  config: { CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO: 'y' },
};

/** The same stack with the DIO conversion reverted (`CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO=n`: FOLL_GET). */
export const gupStack: StackConfig = {
  ...defaultStack,
  name: 'default-gup',
  config: { CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO: 'n' },
};

/** The same devices with no filesystem: only raw block devices (`--filename=/dev/nvme0n1`). */
export const rawNvmeStack: StackConfig = {
  name: 'raw-nvme',
  seed: 0,
  plugins: [
    { name: 'mm' },
    { name: 'block' },
    { name: 'nvme', params: { namespaces: [{ nsid: 1, capacity: '64g', lba_size: 512 }] } },
    { name: 'vfs' },
  ],
  config: { CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO: 'y' },
};

/** Every built-in stack. */
export const builtinStacks: readonly BuiltinStack[] = [
  {
    name: 'default',
    description: 'NVMe SSD (nvme0n1 64 GiB + nvme0n2 1 GiB scratch), blk-mq, iomapfs at /, pin_user_pages DIO',
    config: defaultStack,
  },
  {
    name: 'default-gup',
    description: 'the default stack with CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO=n (get_user_pages DIO)',
    config: gupStack,
  },
  {
    name: 'raw-nvme',
    description: 'one NVMe namespace (64 GiB, 512 B LBAs), no filesystem: raw /dev/nvme0n1',
    config: rawNvmeStack,
  },
];
