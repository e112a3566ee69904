/**
 * How job file paths are mapped onto a stack (documented rule; see the package README).
 * @packageDocumentation
 */
import type { FioHost, FioInvocation } from '@stackemu/fio';
import type { Stat } from '@stackemu/vfs';

/** The raw scratch namespace of the default stack that missing device paths map to. */
export const SCRATCH_DEVICE = '/dev/nvme0n2';

function emptyStat(): Stat {
  return { dev: 0, ino: 0, mode: 0, nlink: 0, rdev: 0, size: 0, blksize: 0, blocks: 0, mtimeNs: 0, ctimeNs: 0 } as Stat;
}

/**
 * The mapping rule for job paths:
 * - a path the stack has (any file, or a `/dev` node such as `/dev/nvme0n1`) is used as is;
 * - a `/dev/...` path the stack lacks (a block device of the host the job was written for: `/dev/sda`,
 *   `/dev/fioa`, `/dev/XXX`) is mapped to the stack's raw scratch device `/dev/nvme0n2` when it has one,
 *   else left as is (fio then fails to open it, naming it);
 * - relative paths resolve in `/` (the default stack's filesystem), and directories in paths are created.
 * @returns the mapping function fio applies to each job file name
 */
export async function mapDevicePaths(host: FioHost, inv: FioInvocation): Promise<(name: string) => string> {
  const names = new Set<string>();
  for (const j of inv.jobs.jobs) for (const f of j.files) if (f.startsWith('/dev/')) names.add(f);
  if (names.size === 0) return (n) => n;
  const p = host.spawn('stackemu-probe');
  const exists = new Map<string, boolean>();
  const probe = async (): Promise<void> => {
    for (const n of [...names, SCRATCH_DEVICE]) exists.set(n, (await p.sys.stat(n, emptyStat())) >= 0);
    await p.exit();
  };
  const done = probe();
  // stat does not wait on devices; run the scheduler until the probe settles.
  const st = { settled: false };
  void done.then(() => {
    st.settled = true;
  });
  while (!st.settled) await host.scheduler.run();
  await done;
  const scratch = exists.get(SCRATCH_DEVICE) === true;
  return (n) => (n.startsWith('/dev/') && exists.get(n) === false && scratch ? SCRATCH_DEVICE : n);
}
