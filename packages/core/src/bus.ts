/**
 * Typed event buses over RxJS: declared topics, per-machine live topics, guarded emission.
 * @packageDocumentation
 */
import { Observable, Subscription, type Subscriber } from 'rxjs';

/**
 * A declared topic: an identity plus its payload type, known at compile time.
 * @remarks Declared once as a module constant (no state); each {@link EventBus} gives it a live {@link Topic}.
 * `id` is for output and filters only: code subscribes to the value, never switches on the string.
 */
export interface TopicDescriptor<T> {
  /** Full id, `"system:name"` for tracepoints. */
  readonly id: string;
  /** The subsystem (`TRACE_SYSTEM` for tracepoints: `mm`, `block`, `nvme`). */
  readonly system: string;
  /** The event name within its system (`foll_pin`). */
  readonly name: string;
  /** Phantom field carrying the payload type; never set. */
  readonly __payload?: T;
}

/**
 * Declares a topic of a device/driver or service bus.
 * @param system - owning subsystem
 * @param name - event name
 * @returns a frozen descriptor with id `"system:name"`; each {@link EventBus} gives it a live {@link Topic}.
 */
export function topic<T>(system: string, name: string): TopicDescriptor<T> {
  return Object.freeze({ id: `${system}:${name}`, system, name });
}

/**
 * Models the kernel's `TRACE_EVENT()` (include/trace/events/<system>.h): declares a tracepoint named as in
 * the kernel, e.g. `tracepoint<FollPinEntry>('mm', 'foll_pin')` for `mm:foll_pin`.
 * @param system - the `TRACE_SYSTEM` (`mm`, `block`, `nvme`)
 * @param name - the event name (`foll_pin`)
 * @returns the descriptor; the entry type `T` is the event's `TP_STRUCT__entry`, as readonly plain data.
 */
export function tracepoint<T>(system: string, name: string): TopicDescriptor<T> {
  return topic<T>(system, name);
}

/** One attached subscriber of a {@link Topic}: a callback, or an RxJS subscriber of {@link Topic.events}. */
interface TopicSubscriber<T> {
  /** Called with each payload while `active`. */
  readonly next: (payload: T) => void;
  /** The RxJS subscriber to complete when the topic completes (subscribers of `events`). */
  readonly rx: Subscriber<T> | undefined;
  /** False once unsubscribed: an emission already under way skips it. */
  active: boolean;
}

/**
 * A live topic on one bus: synchronous delivery in emission order (subscription order within one emission).
 * @remarks Emit guarded, `if (t.observed) t.emit(entry)`, so an unobserved emission costs one branch.
 * Payloads are readonly snapshots, never live objects. Do not emit from inside a subscriber of the same
 * bus (delivery is depth-first); schedule it instead. An emission walks a plain array of the subscribers
 * (copied on subscribe and unsubscribe, so an emission under way sees the subscribers it started with, minus
 * those that left meanwhile), which keeps a device↔driver store or interrupt free of per-emission
 * allocations; {@link Topic.events} is an RxJS `Observable` over the same list. An exception thrown by a
 * subscriber propagates to the emitter.
 */
export class Topic<T> {
  private subs: readonly TopicSubscriber<T>[] = [];
  private done = false;
  private leftover = false;
  /** The read-only view of this topic. */
  readonly events: Observable<T>;

  /** @param descriptor - the declared topic this live topic carries */
  constructor(readonly descriptor: TopicDescriptor<T>) {
    this.events = new Observable<T>((subscriber) => {
      if (this.done) {
        subscriber.complete();
        return undefined;
      }
      const s: TopicSubscriber<T> = {
        next: (payload: T): void => {
          subscriber.next(payload);
        },
        rx: subscriber,
        active: true,
      };
      this.attach(s);
      return (): void => {
        this.detach(s);
      };
    });
  }

  /** True while anyone subscribes: the one branch an unobserved emission costs. */
  get observed(): boolean {
    return this.subs.length > 0;
  }

  /**
   * Delivers `payload` to every subscriber, synchronously, in subscription order.
   * @param payload - a readonly snapshot (never a live object)
   */
  emit(payload: T): void {
    const subs = this.subs;
    for (let i = 0; i < subs.length; i++) {
      const s = subs[i] as TopicSubscriber<T>;
      if (s.active) s.next(payload);
    }
  }

  /**
   * Subscribes a callback.
   * @param fn - called with each payload
   * @returns the subscription, the caller's to dispose (before `machine.stop()`, or it counts as leaked).
   */
  subscribe(fn: (payload: T) => void): Subscription {
    if (this.done) return Subscription.EMPTY;
    const s: TopicSubscriber<T> = { next: fn, rx: undefined, active: true };
    this.attach(s);
    return new Subscription(() => {
      this.detach(s);
    });
  }

  /**
   * Completes the topic (machine stop): later emissions are dropped and later subscribers complete at once.
   * Whether a subscriber was still attached is remembered in {@link Topic.leaked}.
   */
  complete(): void {
    if (this.done) return;
    if (this.subs.length > 0) this.leftover = true;
    this.done = true;
    const subs = this.subs;
    this.subs = [];
    for (const s of subs) {
      s.active = false;
      s.rx?.complete();
    }
  }

  /** True if a subscriber was still attached when the topic completed: a subscription its owner leaked. */
  get leaked(): boolean {
    return this.leftover;
  }

  private attach(s: TopicSubscriber<T>): void {
    this.subs = [...this.subs, s];
  }

  private detach(s: TopicSubscriber<T>): void {
    s.active = false;
    const i = this.subs.indexOf(s);
    if (i >= 0) this.subs = [...this.subs.slice(0, i), ...this.subs.slice(i + 1)];
  }
}

/**
 * One bus: the live topics of a machine's trace stream, or of one device↔driver link.
 * @remarks Two buses never share topics, so two machines never see each other's events.
 */
export class EventBus {
  private readonly topics = new Map<TopicDescriptor<unknown>, Topic<unknown>>();
  private readonly ids = new Map<string, TopicDescriptor<unknown>>();

  /** @param name - the bus's name, for diagnostics (`"trace"`, `"pci:0000:01:00.0"`). */
  constructor(readonly name: string) {}

  /**
   * The live topic of a descriptor, created on first use. Resolve once at construction time, not per event.
   * @param d - the declared topic
   * @returns its live topic on this bus.
   * @throws Error if a different descriptor with the same id is already on this bus.
   */
  topic<T>(d: TopicDescriptor<T>): Topic<T> {
    const key: TopicDescriptor<unknown> = d;
    let t = this.topics.get(key);
    if (t === undefined) {
      const other = this.ids.get(d.id);
      if (other !== undefined && other !== d) {
        throw new Error(`${this.name}: two different topics named ${d.id}`);
      }
      t = new Topic<unknown>(key);
      this.topics.set(key, t);
      this.ids.set(d.id, key);
    }
    return t as Topic<T>;
  }

  /**
   * Registers descriptors so they are listed before anyone emits (tracepoint catalogue).
   * @param ds - the descriptors
   * @throws Error as {@link EventBus.topic} does.
   */
  register(...ds: TopicDescriptor<unknown>[]): void {
    for (const d of ds) this.topic(d);
  }

  /**
   * Lists the live topics.
   * @returns every topic on this bus, in registration order.
   */
  list(): readonly Topic<unknown>[] {
    return [...this.topics.values()];
  }

  /**
   * Finds a live topic by id, for user-facing filters (`--trace-events block:*`).
   * @param id - `"system:name"`
   * @returns the topic, or undefined if none with that id is on this bus.
   */
  byId(id: string): Topic<unknown> | undefined {
    const d = this.ids.get(id);
    return d === undefined ? undefined : this.topics.get(d);
  }

  /**
   * True if any topic on this bus has a subscriber, or had one left when the bus completed: after
   * `machine.stop()`, true means some subscription outlived the machine (the leak check tests run).
   */
  get observed(): boolean {
    for (const t of this.topics.values()) if (t.observed || t.leaked) return true;
    return false;
  }

  /**
   * Names the topics holding subscriptions, for leak reports.
   * @returns ids of the topics that are observed now or were when the bus completed.
   */
  leftovers(): readonly string[] {
    const out: string[] = [];
    for (const t of this.topics.values()) if (t.observed || t.leaked) out.push(t.descriptor.id);
    return out;
  }

  /** Completes every topic; subscribers still attached are remembered as leaks (see {@link EventBus.observed}). */
  complete(): void {
    for (const t of this.topics.values()) t.complete();
  }
}

/** Service identifier of the machine's trace bus (an {@link EventBus} named `"trace"`). */
export const TraceBus = Symbol.for('stackemu.TraceBus');
/** The machine's trace bus: tracepoints registered by plugins. */
export type TraceBus = EventBus;
