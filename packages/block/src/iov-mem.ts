/**
 * The memory an iterator's operations reach: physical memory and GUP of one machine.
 * @packageDocumentation
 */
import type { Gup, PhysMem } from './internal/mm.js';

/**
 * The mm services that `lib/iov_iter.c` reaches through globals in the kernel (`get_user_pages_fast()`,
 * `get_page()`, kernel-page copies), gathered per machine.
 *
 * @remarks The kernel has one memory; a process here may run several machines, so iterator functions that
 * touch pages or bytes take this as their first argument. The block layer of a machine (`BlockLayer`)
 * is one; tests may pass any object with these two services.
 */
export interface IovMem {
  /** Pages and bytes. */
  readonly physMem: PhysMem;
  /** GUP and pins. */
  readonly gup: Gup;
}
