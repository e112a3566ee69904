/**
 * fio's generic workqueue (`workqueue.c`, `workqueue.h`): a fixed set of worker threads, each with its own
 * list of work items, fed round-robin (an idle worker first, else the one given work longest ago). Here a
 * worker is an async process of the job's emulated process, woken through the scheduler.
 * @packageDocumentation
 */
import type { Deferred, Scheduler } from '@stackemu/core';

/** Models `SW_F_IDLE` (workqueue.c). */
export const SW_F_IDLE = 1 << 0;
/** Models `SW_F_RUNNING` (workqueue.c). */
export const SW_F_RUNNING = 1 << 1;
/** Models `SW_F_EXIT` (workqueue.c). */
export const SW_F_EXIT = 1 << 2;
/** Models `SW_F_ERROR` (workqueue.c). */
export const SW_F_ERROR = 1 << 4;

/** Models `struct submit_worker` (workqueue.h). */
export class SubmitWorker<W, P> {
  /** `SW_F_*`. */
  flags = 0;
  /** When it was last given work (`seq`). */
  seq = 0;
  /** Its work list. */
  work: W[] = [];
  /** Its private data (`priv`): for rated submission, the worker's own thread data. */
  priv: P | undefined;
  /** The wakeup it waits on (`cond`). */
  cond: Deferred<undefined> | undefined;
  /** Its loop, settled when the worker has exited. */
  done: Promise<void> = Promise.resolve();

  /** @param index - its index in the queue */
  constructor(readonly index: number) {}
}

/** Models `struct workqueue_ops` (workqueue.h). Optional members are `?`. */
export interface WorkqueueOps<W, P> {
  /** Handles one work item (`fn`). */
  fn(sw: SubmitWorker<W, P>, work: W): Promise<void>;
  /** Before going idle: does the worker have something to flush? (optional) */
  preSleepFlush?(sw: SubmitWorker<W, P>): boolean;
  /** Flushes before going idle (optional). */
  preSleep?(sw: SubmitWorker<W, P>): Promise<void>;
  /** After each batch of work: hands the worker's counters to the owner (optional). */
  updateAcct?(sw: SubmitWorker<W, P>): void;
  /**
   * Sets the worker up (optional).
   * @returns 0, or non-zero on failure
   */
  initWorker?(sw: SubmitWorker<W, P>): Promise<number>;
  /** Tears the worker down, summing its statistics into the owner (optional). */
  exitWorker?(sw: SubmitWorker<W, P>): Promise<void>;
}

/** Models `struct workqueue` (workqueue.h) and its functions. */
export class Workqueue<W = unknown, P = unknown> {
  /** The workers. */
  readonly workers: SubmitWorker<W, P>[] = [];
  private nextFreeWorker = 0;
  private workSeq = 0;
  private wakeIdle = false;
  private flushCond: Deferred<undefined> | undefined;

  /**
   * @param sched - virtual time (wakeups)
   * @param ops - what workers do
   * @param maxWorkers - how many (`max_workers`)
   */
  constructor(
    private readonly sched: Scheduler,
    private readonly ops: WorkqueueOps<W, P>,
    private readonly maxWorkers: number,
  ) {}

  /**
   * Models `workqueue_init()`: starts the workers and waits until each is initialised.
   * @returns 0, or 1 when a worker failed to initialise (the queue is then torn down)
   */
  async init(): Promise<number> {
    for (let i = 0; i < this.maxWorkers; i++) {
      const sw = new SubmitWorker<W, P>(i);
      sw.flags = SW_F_IDLE;
      this.workers.push(sw);
      sw.done = this.workerThread(sw);
    }
    for (;;) {
      const running = this.workers.filter((w) => (w.flags & SW_F_RUNNING) !== 0).length;
      const error = this.workers.some((w) => (w.flags & SW_F_ERROR) !== 0);
      if (error) {
        await this.exit();
        return 1;
      }
      if (running === this.workers.length) return 0;
      await this.waitFlush();
    }
  }

  /** Models `get_submit_worker()`: an idle worker from the cursor on, else the one given work longest ago. */
  private getSubmitWorker(): SubmitWorker<W, P> {
    const next = this.nextFreeWorker;
    let best: SubmitWorker<W, P> | undefined;
    const scan = (start: number, end: number): SubmitWorker<W, P> | undefined => {
      for (let i = start; i <= end; i++) {
        const sw = this.workers[i] as SubmitWorker<W, P>;
        if ((sw.flags & SW_F_IDLE) !== 0) return sw;
        if (best === undefined || sw.seq < best.seq) best = sw;
      }
      return undefined;
    };
    let sw = scan(next, this.workers.length - 1);
    if (sw === undefined && next !== 0) sw = scan(0, next - 1);
    sw ??= best as SubmitWorker<W, P>;
    if (sw.index === this.nextFreeWorker) {
      this.nextFreeWorker = sw.index + 1 < this.workers.length ? sw.index + 1 : 0;
    }
    return sw;
  }

  /** Models `workqueue_enqueue()`: hands `work` to a worker and wakes it. */
  enqueue(work: W): void {
    const sw = this.getSubmitWorker();
    sw.work.push(work);
    sw.seq = ++this.workSeq;
    sw.flags &= ~SW_F_IDLE;
    const c = sw.cond;
    sw.cond = undefined;
    c?.resolve(undefined);
  }

  /** Models `workqueue_flush()`: waits until every worker is idle. */
  async flush(): Promise<void> {
    this.wakeIdle = true;
    while (!this.workers.every((w) => (w.flags & SW_F_IDLE) !== 0)) await this.waitFlush();
    this.wakeIdle = false;
  }

  /** Models `workqueue_exit()`: tells every worker to exit, waits for them, and tears each down. */
  async exit(): Promise<void> {
    for (const sw of this.workers) {
      sw.flags |= SW_F_EXIT;
      const c = sw.cond;
      sw.cond = undefined;
      c?.resolve(undefined);
    }
    for (const sw of this.workers) {
      await sw.done;
      await this.ops.exitWorker?.(sw);
    }
    this.workers.length = 0;
  }

  private waitFlush(): Promise<undefined> {
    this.flushCond ??= this.sched.defer<undefined>();
    return this.flushCond.promise;
  }

  private signalFlush(): void {
    const c = this.flushCond;
    this.flushCond = undefined;
    c?.resolve(undefined);
  }

  /** Models `worker_thread()`: runs work until told to exit, going idle (and flushing first) when out of it. */
  private async workerThread(sw: SubmitWorker<W, P>): Promise<void> {
    const ret = this.ops.initWorker === undefined ? 0 : await this.ops.initWorker(sw);
    sw.flags |= SW_F_RUNNING;
    if (ret !== 0) sw.flags |= SW_F_ERROR;
    this.signalFlush();
    if ((sw.flags & SW_F_ERROR) !== 0) return;
    for (;;) {
      if (sw.work.length === 0) {
        if ((sw.flags & SW_F_EXIT) !== 0) break;
        if (this.ops.preSleepFlush?.(sw) === true && this.ops.preSleep !== undefined) await this.ops.preSleep(sw);
      }
      if (sw.work.length === 0) {
        if ((sw.flags & SW_F_EXIT) !== 0) break;
        if ((sw.flags & SW_F_IDLE) === 0) {
          sw.flags |= SW_F_IDLE;
          this.nextFreeWorker = sw.index;
          if (this.wakeIdle) this.signalFlush();
        }
      }
      let local: W[] = [];
      if (sw.work.length === 0) {
        if ((sw.flags & SW_F_EXIT) !== 0) break;
        const d = this.sched.defer<undefined>();
        sw.cond = d;
        await d.promise;
      } else {
        local = sw.work;
        sw.work = [];
      }
      for (const w of local) await this.ops.fn(sw, w);
      this.ops.updateAcct?.(sw);
    }
  }
}
