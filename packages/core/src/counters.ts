/**
 * Named counters (the `/proc/vmstat` style): a registry plugins add to, with snapshots and diffs.
 * @packageDocumentation
 */

/**
 * One counter. Update it directly on hot paths: `c.value += n` costs a property write.
 */
export interface Counter {
  /** The user-visible name, kernel spelling (`nr_foll_pin_acquired`). */
  readonly name: string;
  /** What it counts. */
  readonly help: string;
  /** Current value. */
  value: number;
}

/** A frozen name → value map, in registration order. */
export type CounterSnapshot = Readonly<Record<string, number>>;

/**
 * Models the kernel's named event counters as `/proc/vmstat` shows them (mm/vmstat.c `vmstat_text[]`):
 * the machine's counters, grouped by file (`vmstat`, `diskstats`, `sanitizer`).
 * @remarks The class is its own service identifier (one implementation, bound once per machine).
 */
export class CounterRegistry {
  private readonly byName = new Map<string, Counter>();
  private readonly groups = new Map<string, Counter[]>();

  /**
   * Adds (or returns the existing) counter `name` in `group`. Call at setup; keep the counter.
   * @param group - the file it belongs to (`vmstat`)
   * @param name - kernel spelling (`nr_foll_pin_acquired`); unique across groups
   * @param help - what it counts (kept from the first registration)
   * @returns the counter, starting at 0.
   * @throws Error if `name` exists in another group.
   */
  counter(group: string, name: string, help = ''): Counter {
    const existing = this.byName.get(name);
    if (existing !== undefined) {
      const g = this.groups.get(group);
      if (g === undefined || !g.includes(existing)) {
        throw new Error(`counters: ${name} already registered in another group`);
      }
      return existing;
    }
    const c: Counter = { name, help, value: 0 };
    this.byName.set(name, c);
    let g = this.groups.get(group);
    if (g === undefined) {
      g = [];
      this.groups.set(group, g);
    }
    g.push(c);
    return c;
  }

  /**
   * Looks a counter up by name.
   * @param name - the counter's name
   * @returns the counter, or undefined if not registered.
   */
  get(name: string): Counter | undefined {
    return this.byName.get(name);
  }

  /**
   * Lists the groups.
   * @returns group names in registration order.
   */
  groupNames(): readonly string[] {
    return [...this.groups.keys()];
  }

  /**
   * Snapshots counter values.
   * @param group - one group, or undefined for every counter
   * @returns a frozen name → value map in registration order (empty for an unknown group).
   */
  snapshot(group?: string): CounterSnapshot {
    const out: Record<string, number> = {};
    const list = group === undefined ? this.byName.values() : (this.groups.get(group) ?? []);
    for (const c of list) out[c.name] = c.value;
    return Object.freeze(out);
  }

  /**
   * Per-counter difference `after - before`, over the keys of `after` (a counter missing from `before`
   * counts from 0).
   * @param before - the earlier snapshot
   * @param after - the later snapshot
   * @returns a frozen name → difference map.
   */
  static diff(before: CounterSnapshot, after: CounterSnapshot): CounterSnapshot {
    const out: Record<string, number> = {};
    for (const k of Object.keys(after)) out[k] = (after[k] ?? 0) - (before[k] ?? 0);
    return Object.freeze(out);
  }

  /**
   * Formats one group as `/proc/vmstat` does (`vmstat_show()`): `name value` per line.
   * @param group - the group
   * @returns the text, empty for an unknown group.
   */
  format(group: string): string {
    return (this.groups.get(group) ?? []).map((c) => `${c.name} ${c.value}\n`).join('');
  }
}
