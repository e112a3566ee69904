/**
 * Typed event buses over RxJS: declared topics, per-machine live topics, guarded emission.
 * @packageDocumentation
 */
import { Subject, type Observable, type Subscription } from 'rxjs';

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
 */
export function topic<T>(system: string, name: string): TopicDescriptor<T> {
  return Object.freeze({ id: `${system}:${name}`, system, name });
}

/**
 * Declares a tracepoint, named as in the kernel (`include/trace/events/<system>.h`), e.g.
 * `tracepoint<FollPinEntry>('mm', 'foll_pin')` for `mm:foll_pin`.
 */
export function tracepoint<T>(system: string, name: string): TopicDescriptor<T> {
  return topic<T>(system, name);
}

/**
 * A live topic on one bus: synchronous delivery in emission order (subscription order within one emission).
 * @remarks Emit guarded, `if (t.observed) t.emit(entry)`, so an unobserved emission costs one branch.
 * Payloads are readonly snapshots, never live objects. Do not emit from inside a subscriber of the same
 * bus (RxJS delivers re-entrant emissions depth-first); schedule it instead.
 */
export class Topic<T> {
  private readonly subject = new Subject<T>();
  /** The read-only view of this topic. */
  readonly events: Observable<T> = this.subject.asObservable();

  constructor(readonly descriptor: TopicDescriptor<T>) {}

  /** True while anyone subscribes: the one branch an unobserved emission costs. */
  get observed(): boolean {
    return this.subject.observed;
  }

  /** Delivers `payload` to every subscriber, synchronously. */
  emit(payload: T): void {
    this.subject.next(payload);
  }

  /** Subscribes a callback; the returned subscription is the caller's to dispose. */
  subscribe(fn: (payload: T) => void): Subscription {
    return this.subject.subscribe(fn);
  }

  /** Completes the topic (machine stop). */
  complete(): void {
    this.subject.complete();
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
   * @throws Error if a different descriptor with the same id is already on this bus.
   */
  topic<T>(d: TopicDescriptor<T>): Topic<T> {
    let t = this.topics.get(d as TopicDescriptor<unknown>);
    if (t === undefined) {
      const other = this.ids.get(d.id);
      if (other !== undefined && other !== d) {
        throw new Error(`${this.name}: two different topics named ${d.id}`);
      }
      t = new Topic<unknown>(d as TopicDescriptor<unknown>);
      this.topics.set(d as TopicDescriptor<unknown>, t);
      this.ids.set(d.id, d as TopicDescriptor<unknown>);
    }
    return t as Topic<T>;
  }

  /** Registers descriptors so they are listed before anyone emits (tracepoint catalogue). */
  register(...ds: TopicDescriptor<unknown>[]): void {
    for (const d of ds) this.topic(d);
  }

  /** Every topic on this bus, in registration order. */
  list(): readonly Topic<unknown>[] {
    return [...this.topics.values()];
  }

  /** The live topic with id `id`, for user-facing filters (`--trace-events block:*`). */
  byId(id: string): Topic<unknown> | undefined {
    const d = this.ids.get(id);
    return d === undefined ? undefined : this.topics.get(d);
  }

  /** True if any topic on this bus still has a subscriber (leak check at machine stop). */
  get observed(): boolean {
    for (const t of this.topics.values()) if (t.observed) return true;
    return false;
  }

  /** Completes every topic. */
  complete(): void {
    for (const t of this.topics.values()) t.complete();
  }
}

/** Service identifier of the machine's trace bus (an {@link EventBus} named `"trace"`). */
export const TraceBus = Symbol.for('stackemu.TraceBus');
/** The machine's trace bus: tracepoints registered by plugins. */
export type TraceBus = EventBus;
