/**
 * A Chrome/Perfetto trace of a machine's tracepoints (Trace Event JSON: `{traceEvents, displayTimeUnit}`).
 * @packageDocumentation
 */
import type { Machine } from '@stackemu/core';
import type { Subscription } from 'rxjs';

/** One Trace Event. */
interface TraceEvent {
  readonly name: string;
  readonly cat: string;
  readonly ph: string;
  readonly ts: number;
  readonly pid: number;
  readonly tid: number;
  readonly s?: string;
  readonly args?: Readonly<Record<string, unknown>>;
}

function plain(v: unknown, depth = 0): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'function' || typeof v === 'symbol') return undefined;
  if (v === null || typeof v !== 'object') return v;
  if (depth > 3) return '[…]';
  if (Array.isArray(v)) return v.slice(0, 32).map((x) => plain(x, depth + 1));
  if (ArrayBuffer.isView(v)) return `[${v.byteLength} bytes]`;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    const p = plain(x, depth + 1);
    if (p !== undefined) out[k] = p;
  }
  return out;
}

/**
 * Records every tracepoint of a machine as an instant event at its virtual time (ts in µs, fractional), one
 * track (tid) per trace system, until {@link ChromeTrace.stop}.
 */
export class ChromeTrace {
  private readonly events: TraceEvent[] = [];
  private readonly subs: Subscription[] = [];
  private readonly tids = new Map<string, number>();
  private dropped = 0;

  /**
   * @param machine - the machine to record
   * @param limit - most events kept (the rest are counted as dropped)
   */
  constructor(
    machine: Machine,
    private readonly limit = 2_000_000,
  ) {
    const sched = machine.scheduler;
    for (const t of machine.trace.list()) {
      const d = t.descriptor;
      let tid = this.tids.get(d.system);
      if (tid === undefined) {
        tid = this.tids.size + 1;
        this.tids.set(d.system, tid);
      }
      const track = tid;
      this.subs.push(
        t.subscribe((payload) => {
          if (this.events.length >= this.limit) {
            this.dropped++;
            return;
          }
          this.events.push({
            name: d.id,
            cat: d.system,
            ph: 'i',
            s: 't',
            ts: sched.now() / 1000,
            pid: 1,
            tid: track,
            args: plain(payload) as Record<string, unknown>,
          });
        }),
      );
    }
  }

  /** Unsubscribes (before the machine stops). */
  stop(): void {
    for (const s of this.subs.splice(0)) s.unsubscribe();
  }

  /** The trace file's text. */
  toJson(stackName: string): string {
    const meta: TraceEvent[] = [
      {
        name: 'process_name',
        cat: '__metadata',
        ph: 'M',
        ts: 0,
        pid: 1,
        tid: 0,
        args: { name: `stackemu ${stackName}` },
      },
    ];
    for (const [system, tid] of this.tids)
      meta.push({ name: 'thread_name', cat: '__metadata', ph: 'M', ts: 0, pid: 1, tid, args: { name: system } });
    return JSON.stringify({
      traceEvents: [...meta, ...this.events],
      displayTimeUnit: 'ns',
      otherData: { stack: stackName, dropped: this.dropped },
    });
  }
}
