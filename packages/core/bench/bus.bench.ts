/**
 * Bus emissions per second with 0, 1 and 5 subscribers, beside a plain-callback baseline, plus the cost of
 * a guarded emission on an unobserved tracepoint. Run: `node packages/core/dist-bench/bus.bench.js`.
 * @packageDocumentation
 */
import { EventBus, tracepoint } from '@stackemu/core';
import { runBench, type BenchCase } from './harness.js';

interface Entry {
  readonly sector: number;
  readonly len: number;
}
const tp = tracepoint<Entry>('block', 'block_bio_queue');
const N = 5_000_000;
const payload: Entry = { sector: 8, len: 4096 };

/** Plain array of callbacks, called in a for loop: what a hand-rolled emitter costs. */
function baseline(subs: number): BenchCase {
  const fns: ((e: Entry) => void)[] = [];
  let sum = 0;
  for (let i = 0; i < subs; i++) fns.push((e) => (sum += e.len));
  const emit = (e: Entry): void => {
    for (let i = 0; i < fns.length; i++) (fns[i] as (e: Entry) => void)(e);
  };
  return {
    name: `plain callbacks, ${subs} subscriber(s)`,
    ops: N,
    unit: 'emit',
    run: () => {
      for (let i = 0; i < N; i++) emit(payload);
      return sum;
    },
  };
}

/** `topic.emit()` with no guard. */
function emitCase(subs: number): BenchCase {
  const t = new EventBus('trace').topic(tp);
  let sum = 0;
  for (let i = 0; i < subs; i++) t.subscribe((e) => (sum += e.len));
  return {
    name: `Topic.emit, ${subs} subscriber(s)`,
    ops: N,
    unit: 'emit',
    run: () => {
      for (let i = 0; i < N; i++) t.emit(payload);
      return sum;
    },
  };
}

/** `if (t.observed) t.emit({...})`: the tracepoint idiom; the payload is only built when observed. */
function guardedCase(subs: number): BenchCase {
  const t = new EventBus('trace').topic(tp);
  let sum = 0;
  for (let i = 0; i < subs; i++) t.subscribe((e) => (sum += e.len));
  return {
    name: `guarded: if (observed) emit({…}), ${subs} subscriber(s)`,
    ops: N,
    unit: 'site',
    run: () => {
      for (let i = 0; i < N; i++) if (t.observed) t.emit({ sector: i, len: 4096 });
      return sum;
    },
  };
}

await runBench('core bus', import.meta.filename, [
  () => baseline(0),
  () => baseline(1),
  () => baseline(5),
  () => emitCase(0),
  () => emitCase(1),
  () => emitCase(5),
  () => guardedCase(0),
  () => guardedCase(1),
]);
