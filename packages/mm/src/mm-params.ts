/**
 * The `mm` plugin's parameters.
 * @packageDocumentation
 */
import { param, type ParamValues } from '@stackemu/core';

/**
 * The `mm` plugin's parameter table (what the kernel takes from the command line and `/proc/sys/vm`).
 */
export const mmParamSpec = {
  /** Models `mem=`: memory size; allocated lazily, so 64 GiB costs what is touched. */
  mem: param.size(4 * 2 ** 30, 'memory size (mem=), a multiple of 4 MiB; allocated lazily', 4 * 2 ** 20),
  /** Models `movablecore=`: the size of ZONE_MOVABLE at the top of memory. */
  movablecore: param.size(0, 'size of ZONE_MOVABLE (movablecore=), a multiple of 4 MiB', 4 * 2 ** 20),
  /** Models `/sys/kernel/mm/transparent_hugepage/enabled`. */
  thp: param.enum(['always', 'madvise', 'never'] as const, 'always', 'transparent hugepages for anonymous memory'),
  /** The pin sanitizer. */
  sanitizer: param.bool(true, 'pin sanitizer: attribute every page reference and report misuse'),
  /** Record a JS call stack with each reference and report (slow). */
  sanitizer_stacks: param.bool(false, 'pin sanitizer: record call stacks of references and offenders'),
  /** Models `vm.dirty_expire_centisecs`. */
  dirty_expire_centisecs: param.int(3000, 'age at which dirty data is written back (vm.dirty_expire_centisecs)', 0),
  /** Models `vm.dirty_writeback_centisecs`. */
  dirty_writeback_centisecs: param.int(500, 'flusher wakeup interval (vm.dirty_writeback_centisecs); 0 = off', 0),
  /** Models `vm.dirty_background_ratio`. */
  dirty_background_ratio: param.int(
    10,
    'percent of dirtyable memory dirty before background writeback (vm.dirty_background_ratio)',
    0,
    100,
  ),
  /**
   * CPU copy bandwidth in bytes per second (memcpy between user memory and the page cache), charged in virtual
   * time to buffered reads and writes; 0: copies are free.
   */
  copy_bandwidth: param.size(
    8 * 10 ** 9,
    'CPU copy bandwidth in bytes/s charged to buffered reads and writes (user <-> page cache); 0 = free',
  ),
  /** Models `vm.dirty_ratio`. */
  dirty_ratio: param.int(
    20,
    'percent of dirtyable memory dirty at which writers are throttled (vm.dirty_ratio)',
    1,
    100,
  ),
} as const;

/** Parsed values of {@link mmParamSpec}. */
export type MmParams = ParamValues<typeof mmParamSpec>;
