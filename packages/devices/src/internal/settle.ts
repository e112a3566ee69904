/**
 * Driving virtual time from a lifecycle hook until a control-path process finishes.
 * @packageDocumentation
 */
import { EBUSY, Errno, type Scheduler } from '@stackemu/core';

/**
 * Runs the scheduler one event at a time until `p` settles, so a plugin's `start`/`stop` can wait for work done
 * in virtual time (probing a controller, shutting it down).
 * @returns what `p` resolves to.
 * @throws Errno EBUSY naming `what` if the scheduler goes idle while `p` is still pending (a deadlock).
 */
export async function settle<T>(sched: Scheduler, p: Promise<T>, what: string): Promise<T> {
  const st: { done: boolean; failed: boolean; value?: T; error?: unknown } = { done: false, failed: false };
  p.then(
    (v) => {
      st.done = true;
      st.value = v;
    },
    (e: unknown) => {
      st.done = true;
      st.failed = true;
      st.error = e;
    },
  );
  let idle = 0;
  while (!st.done) {
    const r = await sched.run({ maxEvents: 1 });
    if (r.events === 0) {
      if (++idle > 3) throw new Errno(EBUSY, `${what}: virtual time went idle before it finished`);
    } else idle = 0;
  }
  if (st.failed) throw st.error;
  return st.value as T;
}
