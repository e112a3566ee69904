/**
 * The machine's virtual-time scheduler: a binary heap of events ordered by (time ns, sequence).
 * @packageDocumentation
 */
import { Subscription, type SchedulerAction, type SchedulerLike } from 'rxjs';

/** Callback run by the scheduler at an event's virtual time. */
export type EventFn<A> = (arg: A) => void;

/**
 * A pending event, returned by {@link Scheduler.schedule} so it can be cancelled.
 * @remarks Treat as opaque; `cancelled` is readable for diagnostics.
 */
export interface TimerHandle {
  /** Virtual time (ns) at which the event fires. */
  readonly time: number;
  /** True once cancelled or fired. */
  readonly done: boolean;
}

/** Limits for {@link Scheduler.run}. */
export interface RunOptions {
  /** Stop before running any event later than this virtual time (ns); `now()` is advanced to it. */
  readonly until?: number;
  /** Stop after this many events. */
  readonly maxEvents?: number;
}

/** What {@link Scheduler.run} did. */
export interface RunResult {
  /** Events run by this call. */
  readonly events: number;
  /** Virtual time (ns) when it returned. */
  readonly now: number;
  /** Why it returned: no events left, `until` reached, or `maxEvents` reached. */
  readonly reason: 'idle' | 'until' | 'maxEvents';
}

/** Service identifier of the machine's {@link Scheduler}. */
export const Scheduler = Symbol.for('stackemu.Scheduler');

/**
 * Deterministic virtual time for one machine.
 *
 * @remarks Events at equal times run in the order they were scheduled. Processes are async functions:
 * a promise that an event resolves must come from {@link Scheduler.defer} or {@link Scheduler.sleep}, so
 * that `run()` lets the awakened process continue before it runs the next event.
 */
export interface Scheduler {
  /** Current virtual time in ns. */
  now(): number;
  /** Run `fn(arg)` `delayNs` from now (≥ 0). */
  schedule<A>(delayNs: number, fn: EventFn<A>, arg: A): TimerHandle;
  /** Run `fn()` `delayNs` from now (≥ 0). */
  schedule(delayNs: number, fn: EventFn<undefined>): TimerHandle;
  /** Run `fn(arg)` at absolute virtual time `timeNs` (≥ now). */
  scheduleAt<A>(timeNs: number, fn: EventFn<A>, arg: A): TimerHandle;
  /** Cancel a pending event; no effect on one that fired or was cancelled. @returns true if it was pending. */
  cancel(handle: TimerHandle): boolean;
  /** A promise resolved `ns` of virtual time from now. */
  sleep(ns: number): Promise<void>;
  /** A promise plus its resolve/reject, for a waiter an event wakes (see remarks on {@link Scheduler}). */
  defer<T>(): Deferred<T>;
  /** Run events in order until idle or a limit; awakened processes run between events. */
  run(opts?: RunOptions): Promise<RunResult>;
  /** Run events without letting async processes continue (pure callback worlds, benches). */
  runSync(opts?: RunOptions): RunResult;
  /** Events waiting. */
  readonly pending: number;
  /** Events run since creation. */
  readonly executed: number;
  /** An RxJS scheduler whose time unit is `unitNs` virtual ns (default 1), for `delay`, `timer`, `interval`. */
  rx(unitNs?: number): SchedulerLike;
}

/** A promise with its settle functions. */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(reason: unknown): void;
}

class HeapEvent implements TimerHandle {
  done = false;
  constructor(
    public time: number,
    public seq: number,
    public fn: EventFn<unknown> | undefined,
    public arg: unknown,
  ) {}
}

function before(a: HeapEvent, b: HeapEvent): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}

/**
 * Binary-heap implementation of {@link Scheduler}.
 * @remarks Bound once per machine; two machines never share one.
 */
export class VirtualScheduler implements Scheduler {
  private readonly heap: HeapEvent[] = [];
  private time = 0;
  private seq = 0;
  private ran = 0;
  private wakeups = 0;
  private live = 0;

  now(): number {
    return this.time;
  }

  get pending(): number {
    return this.live;
  }

  get executed(): number {
    return this.ran;
  }

  schedule<A>(delayNs: number, fn: EventFn<A>, arg?: A): TimerHandle {
    if (!(delayNs >= 0)) throw new RangeError(`scheduler: delay must be >= 0 ns, got ${delayNs}`);
    return this.push(this.time + delayNs, fn as EventFn<unknown>, arg);
  }

  scheduleAt<A>(timeNs: number, fn: EventFn<A>, arg: A): TimerHandle {
    if (!(timeNs >= this.time)) throw new RangeError(`scheduler: time ${timeNs} is before now ${this.time}`);
    return this.push(timeNs, fn as EventFn<unknown>, arg);
  }

  cancel(handle: TimerHandle): boolean {
    const ev = handle as HeapEvent;
    if (ev.done) return false;
    ev.done = true;
    ev.fn = undefined;
    ev.arg = undefined;
    this.live--;
    return true;
  }

  sleep(ns: number): Promise<void> {
    const d = this.defer<undefined>();
    this.schedule(ns, d.resolve, undefined);
    return d.promise as Promise<unknown> as Promise<void>;
  }

  defer<T>(): Deferred<T> {
    let res!: (v: T) => void;
    let rej!: (e: unknown) => void;
    const promise = new Promise<T>((a, b) => {
      res = a;
      rej = b;
    });
    return {
      promise,
      resolve: (v: T) => {
        this.wakeups++;
        res(v);
      },
      reject: (e: unknown) => {
        this.wakeups++;
        rej(e);
      },
    };
  }

  async run(opts: RunOptions = {}): Promise<RunResult> {
    await drainMicrotasks();
    const until = opts.until ?? Infinity;
    const max = opts.maxEvents ?? Infinity;
    let events = 0;
    for (;;) {
      if (events >= max) return { events, now: this.time, reason: 'maxEvents' };
      const ev = this.pop(until);
      if (ev === undefined) {
        if (this.wakeups > 0) {
          this.wakeups = 0;
          await drainMicrotasks();
          continue;
        }
        return this.finish(events, until);
      }
      events++;
      this.fire(ev);
      if (this.wakeups > 0) {
        this.wakeups = 0;
        await drainMicrotasks();
      }
    }
  }

  runSync(opts: RunOptions = {}): RunResult {
    const until = opts.until ?? Infinity;
    const max = opts.maxEvents ?? Infinity;
    let events = 0;
    for (;;) {
      if (events >= max) return { events, now: this.time, reason: 'maxEvents' };
      const ev = this.pop(until);
      if (ev === undefined) return this.finish(events, until);
      events++;
      this.fire(ev);
    }
  }

  rx(unitNs = 1): SchedulerLike {
    return new VirtualRxScheduler(this, unitNs);
  }

  private finish(events: number, until: number): RunResult {
    if (until !== Infinity && this.heap.length > 0) {
      this.time = Math.max(this.time, until);
      return { events, now: this.time, reason: 'until' };
    }
    if (until !== Infinity) this.time = Math.max(this.time, until);
    return { events, now: this.time, reason: 'idle' };
  }

  private fire(ev: HeapEvent): void {
    this.time = ev.time;
    const fn = ev.fn as EventFn<unknown>;
    const arg = ev.arg;
    ev.done = true;
    ev.fn = undefined;
    ev.arg = undefined;
    this.live--;
    this.ran++;
    fn(arg);
  }

  private push(time: number, fn: EventFn<unknown>, arg: unknown): HeapEvent {
    const ev = new HeapEvent(time, this.seq++, fn, arg);
    const h = this.heap;
    let i = h.length;
    h.push(ev);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p] as HeapEvent;
      if (!before(ev, parent)) break;
      h[i] = parent;
      i = p;
    }
    h[i] = ev;
    this.live++;
    return ev;
  }

  /** Pops the next live event not later than `until`, discarding cancelled ones. */
  private pop(until: number): HeapEvent | undefined {
    const h = this.heap;
    for (;;) {
      const top = h[0];
      if (top === undefined) return undefined;
      if (!top.done && top.time > until) return undefined;
      const last = h.pop() as HeapEvent;
      if (h.length > 0 && last !== top) {
        let i = 0;
        const n = h.length;
        for (;;) {
          const l = 2 * i + 1;
          if (l >= n) break;
          const r = l + 1;
          let c = l;
          if (r < n && before(h[r] as HeapEvent, h[l] as HeapEvent)) c = r;
          const child = h[c] as HeapEvent;
          if (!before(child, last)) break;
          h[i] = child;
          i = c;
        }
        h[i] = last;
      }
      if (!top.done) return top;
    }
  }
}

/** Lets every queued microtask (continuations of awakened async processes) run. */
function drainMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

class VirtualRxAction<T> extends Subscription implements SchedulerAction<T> {
  private handle: TimerHandle | undefined;

  constructor(
    private readonly sched: VirtualRxScheduler,
    private readonly work: (this: SchedulerAction<T>, state?: T) => void,
  ) {
    super(() => {
      if (this.handle) this.sched.core.cancel(this.handle);
      this.handle = undefined;
    });
  }

  schedule(state?: T, delay = 0): Subscription {
    if (this.closed) return this;
    if (this.handle) this.sched.core.cancel(this.handle);
    this.handle = this.sched.core.schedule(Math.max(0, delay) * this.sched.unitNs, () => {
      this.handle = undefined;
      if (!this.closed) this.work.call(this, state);
    });
    return this;
  }
}

/** RxJS `SchedulerLike` over a {@link VirtualScheduler}; see {@link Scheduler.rx}. */
class VirtualRxScheduler implements SchedulerLike {
  constructor(
    readonly core: Scheduler,
    readonly unitNs: number,
  ) {}

  now(): number {
    return this.core.now() / this.unitNs;
  }

  schedule<T>(work: (this: SchedulerAction<T>, state: T) => void, delay?: number, state?: T): Subscription {
    const action = new VirtualRxAction<T>(this, work as (this: SchedulerAction<T>, state?: T) => void);
    return action.schedule(state, delay ?? 0);
  }
}
