/**
 * Processes (`struct task_struct` with its `files_struct` and `mm_struct`, kernel/fork.c, kernel/exit.c).
 * @packageDocumentation
 */
import type { KioCtx } from './aio.js';
import { FdTable } from './fdtable.js';
import type { MmStruct } from './internal/deps.js';
import type { Syscalls } from './syscalls.js';

/**
 * Models a `struct task_struct` (include/linux/sched.h) as far as storage needs: a pid, an address space,
 * a descriptor table, AIO contexts, and the syscalls it makes.
 *
 * @remarks Created by `Vfs.spawn()`. A process is driven by an async function that calls
 * {@link Process.sys}; blocking syscalls return promises that virtual time settles.
 */
export interface Process {
  /** `pid`. */
  readonly pid: number;
  /** `comm`: a name for reports. */
  readonly comm: string;
  /** `mm`: the address space. */
  readonly mm: MmStruct;
  /** `files`: the descriptor table. */
  readonly files: FdTable;
  /** `mm->ioctx_table`: AIO contexts by id. */
  readonly aioCtxs: Map<number, KioCtx>;
  /** The syscalls, bound to this process. */
  readonly sys: Syscalls;
  /** True once {@link Process.exit} finished. */
  readonly exited: boolean;
  /**
   * Models `do_exit()` (kernel/exit.c): destroys AIO contexts (`exit_aio`, waiting for their I/O), closes
   * every descriptor (io_uring rings wait for their I/O and drop their registered-buffer pins), then tears
   * down the address space (`exit_mm`). Idempotent.
   */
  exit(): Promise<void>;
}
