/**
 * The machine's virtual-time scheduler: a binary heap of events ordered by (time ns, sequence).
 * @packageDocumentation
 */
import { Subscription, type SchedulerAction, type SchedulerLike } from 'rxjs';

/** Callback run by the scheduler at an event's virtual time. */
export type EventFn<A> = (arg: A) => void;

/**
 * A pending event, returned by {@link Scheduler.schedule} so it can be cancelled.
 * @remarks Treat as opaque; `time` and `done` are readable for diagnostics.
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
  /** Checked before each event (after awakened processes ran): stop as soon as it returns true. */
  readonly stopWhen?: () => boolean;
}

/** What {@link Scheduler.run} did. */
export interface RunResult {
  /** Events run by this call. */
  readonly events: number;
  /** Virtual time (ns) when it returned. */
  readonly now: number;
  /** Why it returned: no events left, `until` reached, or `maxEvents` reached. */
  readonly reason: 'idle' | 'until' | 'maxEvents' | 'stopWhen';
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
  /**
   * Runs `fn(arg)` `delayNs` from now.
   * @param delayNs - a finite number ≥ 0
   * @param fn - the callback; pass a long-lived function and vary `arg` to avoid a closure per event
   * @param arg - its argument
   * @returns the handle, for {@link Scheduler.cancel}.
   * @throws RangeError for a negative, NaN or infinite delay.
   */
  schedule<A>(delayNs: number, fn: EventFn<A>, arg: A): TimerHandle;
  /**
   * Runs `fn()` `delayNs` from now.
   * @param delayNs - a finite number ≥ 0
   * @param fn - the callback
   * @returns the handle, for {@link Scheduler.cancel}.
   * @throws RangeError for a negative, NaN or infinite delay.
   */
  schedule(delayNs: number, fn: EventFn<undefined>): TimerHandle;
  /**
   * Runs `fn(arg)` at absolute virtual time `timeNs`.
   * @param timeNs - finite, ≥ `now()`
   * @param fn - the callback
   * @param arg - its argument
   * @returns the handle, for {@link Scheduler.cancel}.
   * @throws RangeError for a time in the past, NaN or infinite.
   */
  scheduleAt<A>(timeNs: number, fn: EventFn<A>, arg: A): TimerHandle;
  /**
   * Cancels a pending event; no effect on one that fired or was cancelled.
   * @param handle - what `schedule()` returned
   * @returns true if it was pending.
   * @throws RangeError for a handle of another scheduler.
   */
  cancel(handle: TimerHandle): boolean;
  /**
   * Waits in virtual time: the `await` of a process that blocks (a device latency, a timeout).
   * @param ns - a finite number ≥ 0
   * @returns a promise resolved `ns` of virtual time from now, by an event that wakes the process.
   * @throws RangeError for a negative, NaN or infinite duration.
   */
  sleep(ns: number): Promise<void>;
  /**
   * Makes a waiter an event wakes (a completion, an interrupt), see the remarks on {@link Scheduler}.
   * @returns a promise plus its resolve/reject; settling it marks a process as awakened for `run()`.
   */
  defer<T>(): Deferred<T>;
  /**
   * Runs events in order until idle or a limit; after each event that woke a process (through
   * {@link Scheduler.defer} or {@link Scheduler.sleep}), the awakened processes run until they wait again.
   * @param opts - `until` (virtual ns) and `maxEvents` limits
   * @returns how many events ran, the time, and why it stopped.
   * @throws Error if this scheduler is already running; rejects with whatever an event callback throws.
   */
  run(opts?: RunOptions): Promise<RunResult>;
  /**
   * Runs events without letting async processes continue (pure callback worlds, benches).
   * @param opts - `until` (virtual ns) and `maxEvents` limits
   * @returns how many events ran, the time, and why it stopped.
   * @throws Error if this scheduler is already running; whatever an event callback throws.
   */
  runSync(opts?: RunOptions): RunResult;
  /**
   * Drives the scheduler until `work` settles, then returns its value: how setup code (a plugin's `start`
   * doing I/O, mkfs before a mount) waits on the simulation. If the scheduler is already running (called from
   * inside the simulation) it just awaits `work`.
   * @throws Error if no events are left and `work` still has not settled (it would wait forever).
   */
  runUntil<T>(work: Promise<T>): Promise<T>;
  /** True while `run()`/`runSync()` is executing events. */
  readonly running: boolean;
  /** Events waiting. */
  readonly pending: number;
  /** Events run since creation. */
  readonly executed: number;
  /**
   * Adapts this scheduler to RxJS, so `delay`, `timer`, `interval` and friends run in virtual time.
   * @param unitNs - virtual ns per RxJS time unit (default 1; 1000 makes `delay(5)` mean 5 µs)
   * @returns an RxJS `SchedulerLike`.
   * @throws RangeError for a unit that is not a positive finite number.
   */
  rx(unitNs?: number): SchedulerLike;
}

/** A promise with its settle functions (both safe to pass around detached). */
export interface Deferred<T> {
  /** Settles when {@link Deferred.resolve} or {@link Deferred.reject} is called. */
  readonly promise: Promise<T>;
  /** Fulfils the promise and marks a process as awakened. */
  readonly resolve: (value: T) => void;
  /** Rejects the promise and marks a process as awakened. */
  readonly reject: (reason: unknown) => void;
}

function before(a: HeapEvent, b: HeapEvent): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}

class HeapEvent implements TimerHandle {
  done = false;
  constructor(
    readonly owner: VirtualScheduler,
    public time: number,
    public seq: number,
    public fn: EventFn<unknown> | undefined,
    public arg: unknown,
  ) {}
}

/** Cancelled events are purged from the heap once they are this many and outnumber the live ones. */
const COMPACT_MIN_DEAD = 1024;

/** `run()` lets the host event loop turn (setImmediate) once per this many wakeup drains. */
const YIELD_EVERY = 1024;

/**
 * Binary-heap implementation of {@link Scheduler}.
 * @remarks Bound once per machine; two machines never share one. Cancelled events stay in the heap until
 * they surface or until they outnumber the live ones, when the heap is rebuilt without them. Events due now
 * (a zero delay: bottom halves, doorbell fetches, wakeups) skip the heap: they join a FIFO, which is already in
 * (time, sequence) order because time never goes back, and `pop()` takes the earlier of the FIFO's head and the
 * heap's top, so the order is exactly the heap's.
 */
export class VirtualScheduler implements Scheduler {
  private heap: HeapEvent[] = [];
  /**
   * Events scheduled for the time current when they were scheduled, in (time, sequence) order: slots
   * `[nowHead, nowTail)`. Both indexes go back to 0 when it empties; the array keeps its capacity.
   */
  private nowq: (HeapEvent | undefined)[] = [];
  private nowHead = 0;
  private nowTail = 0;
  private time = 0;
  private seq = 0;
  private ran = 0;
  private wakeups = 0;
  private live = 0;
  private dead = 0;
  private drains = 0;
  private isRunning = false;
  private readonly wake = (resolve: (v: undefined) => void): void => {
    this.wakeups++;
    resolve(undefined);
  };

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
    if (delayNs === 0) return this.pushNow(fn as EventFn<unknown>, arg);
    if (!(delayNs > 0 && delayNs < Infinity)) {
      throw new RangeError(`scheduler: delay must be a finite number >= 0 ns, got ${delayNs}`);
    }
    return this.push(this.time + delayNs, fn as EventFn<unknown>, arg);
  }

  scheduleAt<A>(timeNs: number, fn: EventFn<A>, arg: A): TimerHandle {
    if (timeNs === this.time) return this.pushNow(fn as EventFn<unknown>, arg);
    if (!(timeNs > this.time && timeNs < Infinity)) {
      throw new RangeError(`scheduler: time must be finite and >= now (${this.time} ns), got ${timeNs}`);
    }
    return this.push(timeNs, fn as EventFn<unknown>, arg);
  }

  cancel(handle: TimerHandle): boolean {
    if (!(handle instanceof HeapEvent) || handle.owner !== this) {
      throw new RangeError('scheduler: cancel() of a handle this scheduler did not create');
    }
    if (handle.done) return false;
    handle.done = true;
    handle.fn = undefined;
    handle.arg = undefined;
    this.live--;
    this.dead++;
    if (this.dead >= COMPACT_MIN_DEAD && this.dead > this.live) this.compact();
    return true;
  }

  sleep(ns: number): Promise<void> {
    if (!(ns >= 0 && ns < Infinity)) {
      throw new RangeError(`scheduler: sleep must be a finite number >= 0 ns, got ${ns}`);
    }
    return new Promise<undefined>((resolve) => {
      if (ns === 0) this.pushNow(this.wake as EventFn<unknown>, resolve);
      else this.push(this.time + ns, this.wake as EventFn<unknown>, resolve);
    });
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
    this.enter();
    try {
      // Let processes started before run() reach their first wait (the macrotask boundary drains everything).
      await new Promise<void>((resolve) => setImmediate(resolve));
      const until = opts.until ?? Infinity;
      const max = opts.maxEvents ?? Infinity;
      let events = 0;
      const stopWhen = opts.stopWhen;
      for (;;) {
        if (events >= max) return { events, now: this.time, reason: 'maxEvents' };
        if (stopWhen !== undefined && stopWhen()) return { events, now: this.time, reason: 'stopWhen' };
        const ev = this.pop(until);
        if (ev === undefined) {
          if (this.wakeups > 0) {
            this.wakeups = 0;
            await this.drain();
            continue;
          }
          return this.finish(events, until);
        }
        events++;
        this.fire(ev);
        if (this.wakeups > 0) {
          this.wakeups = 0;
          await this.drain();
        }
      }
    } finally {
      this.isRunning = false;
    }
  }

  async runUntil<T>(work: Promise<T>): Promise<T> {
    if (this.running) return work;
    // Read through a function: the flag flips inside callbacks, which control-flow narrowing cannot see.
    let done = false;
    const mark = (): void => {
      done = true;
    };
    const settled = (): boolean => done;
    work.then(mark, mark);
    for (;;) {
      await this.run({ stopWhen: settled });
      if (settled()) return work;
      // Idle: let work that settles through plain promise chains (no scheduler wakeup) finish.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (settled()) return work;
      if (this.live === 0) {
        throw new Error('scheduler: deadlock: the awaited work never settles and no events are pending');
      }
    }
  }

  get running(): boolean {
    return this.isRunning;
  }

  runSync(opts: RunOptions = {}): RunResult {
    this.enter();
    try {
      const until = opts.until ?? Infinity;
      const max = opts.maxEvents ?? Infinity;
      let events = 0;
      const stopWhen = opts.stopWhen;
      for (;;) {
        if (events >= max) return { events, now: this.time, reason: 'maxEvents' };
        if (stopWhen !== undefined && stopWhen()) return { events, now: this.time, reason: 'stopWhen' };
        const ev = this.pop(until);
        if (ev === undefined) return this.finish(events, until);
        events++;
        this.fire(ev);
      }
    } finally {
      this.isRunning = false;
    }
  }

  rx(unitNs = 1): SchedulerLike {
    if (!(unitNs > 0 && unitNs < Infinity)) throw new RangeError(`scheduler: rx unit must be > 0 ns, got ${unitNs}`);
    return new VirtualRxScheduler(this, unitNs);
  }

  private enter(): void {
    if (this.isRunning) throw new Error('scheduler: run() or runSync() called while the scheduler is running');
    this.isRunning = true;
  }

  /**
   * Lets every awakened process run until it waits again. Called from `run()`, which after its first await
   * always executes as a microtask: a `process.nextTick` queued from a microtask runs only once the whole
   * microtask queue (every continuation of every awakened process) has drained, at a fraction of the cost
   * of a `setImmediate` turn. Every {@link YIELD_EVERY}th drain takes a full event-loop turn instead, so a
   * long simulation still lets timers and I/O of the host (test timeouts, signals) in.
   */
  private drain(): Promise<void> {
    if (++this.drains % YIELD_EVERY === 0) return new Promise((resolve) => setImmediate(resolve));
    return new Promise((resolve) => {
      process.nextTick(resolve);
    });
  }

  private finish(events: number, until: number): RunResult {
    if (until === Infinity) return { events, now: this.time, reason: 'idle' };
    this.time = Math.max(this.time, until);
    return { events, now: this.time, reason: this.live > 0 ? 'until' : 'idle' };
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

  /** Queues an event for now: it sorts after every event already queued (its sequence is the largest). */
  private pushNow(fn: EventFn<unknown>, arg: unknown): HeapEvent {
    const ev = new HeapEvent(this, this.time, this.seq++, fn, arg);
    this.nowq[this.nowTail++] = ev;
    this.live++;
    return ev;
  }

  private push(time: number, fn: EventFn<unknown>, arg: unknown): HeapEvent {
    const ev = new HeapEvent(this, time, this.seq++, fn, arg);
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

  /** Moves `ev` down from slot `i` of a heap of `n` entries to where it belongs. */
  private siftDown(ev: HeapEvent, i: number, n: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && before(h[r] as HeapEvent, h[l] as HeapEvent)) c = r;
      const child = h[c] as HeapEvent;
      if (!before(child, ev)) break;
      h[i] = child;
      i = c;
    }
    h[i] = ev;
  }

  /** Pops the next live event not later than `until`, discarding cancelled ones. */
  private pop(until: number): HeapEvent | undefined {
    const h = this.heap;
    const q = this.nowq;
    for (;;) {
      const top = h[0];
      const head = this.nowHead < this.nowTail ? q[this.nowHead] : undefined;
      if (head !== undefined && (top === undefined || before(head, top))) {
        if (!head.done && head.time > until) return undefined;
        q[this.nowHead] = undefined;
        if (++this.nowHead === this.nowTail) this.nowHead = this.nowTail = 0;
        if (!head.done) return head;
        this.dead--;
        continue;
      }
      if (top === undefined) return undefined;
      if (!top.done && top.time > until) return undefined;
      const last = h.pop() as HeapEvent;
      if (last !== top) this.siftDown(last, 0, h.length);
      if (!top.done) return top;
      this.dead--;
    }
  }

  /** Rebuilds the heap and the FIFO without cancelled events (Floyd's heapify, O(n)). */
  private compact(): void {
    const h = this.heap.filter((e) => !e.done);
    this.heap = h;
    const q: (HeapEvent | undefined)[] = [];
    for (let i = this.nowHead; i < this.nowTail; i++) {
      const e = this.nowq[i] as HeapEvent;
      if (!e.done) q.push(e);
    }
    this.nowq = q;
    this.nowHead = 0;
    this.nowTail = q.length;
    this.dead = 0;
    for (let i = (h.length >> 1) - 1; i >= 0; i--) this.siftDown(h[i] as HeapEvent, i, h.length);
  }
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
