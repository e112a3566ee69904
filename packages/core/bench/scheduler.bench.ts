/**
 * Scheduler throughput: events per second for schedule + runSync (a batch, and a steady state of 32
 * in-flight streams like a queue depth), the cost of `await scheduler.run()` per awakened process, and
 * the two ways of letting awakened processes run between events (setImmediate vs process.nextTick).
 * Run: `node packages/core/dist-bench/scheduler.bench.js`.
 * @packageDocumentation
 */
import { VirtualScheduler } from '@stackemu/core';
import { runBench, type BenchCase } from './harness.js';

const N = 1_000_000;

const BATCH = 100_000;

/** Schedule BATCH events at pseudo-random times, then runSync() them all (the heap grows to BATCH). */
function batch(): BenchCase {
  return {
    name: 'schedule 1e5 + runSync (batch, heap grows to 1e5)',
    ops: BATCH,
    unit: 'event',
    run: () => {
      const s = new VirtualScheduler();
      let x = 12345;
      let sum = 0;
      const fn = (v: number): void => {
        sum += v;
      };
      for (let i = 0; i < BATCH; i++) {
        x = (Math.imul(x, 1103515245) + 12345) >>> 0;
        s.schedule(x & 0xffff, fn, i);
      }
      s.runSync();
      return sum;
    },
  };
}

/** 32 streams, each event schedules its stream's next one: a steady heap of 32 (QD=32 completions). */
function steady(depth: number): BenchCase {
  return {
    name: `schedule + runSync, steady state, ${depth} in flight`,
    ops: N,
    unit: 'event',
    run: () => {
      const s = new VirtualScheduler();
      let left = N;
      let x = 1;
      const next = (stream: number): void => {
        if (--left < depth) return;
        x = (Math.imul(x, 1103515245) + 12345) >>> 0;
        s.schedule(1000 + (x & 1023), next, stream);
      };
      for (let i = 0; i < depth; i++) s.schedule(i, next, i);
      s.runSync();
      return s.executed;
    },
  };
}

/** Same shape through runSync with callbacks, but scheduled with a cancelled timeout per event. */
function withTimeouts(): BenchCase {
  return {
    name: 'steady 32 in flight + a cancelled timeout per event',
    ops: N,
    unit: 'event',
    run: () => {
      const s = new VirtualScheduler();
      let left = N;
      const noop = (): void => undefined;
      const next = (stream: number): void => {
        if (--left < 32) return;
        const t = s.schedule(30_000_000_000, noop); // blk-mq style 30 s timeout…
        s.schedule(
          1000,
          (h: typeof t) => {
            s.cancel(h); // …cancelled at completion
            next(stream);
          },
          t,
        );
      };
      for (let i = 0; i < 32; i++) s.schedule(i, next, i);
      s.runSync();
      return s.executed;
    },
  };
}

const P = 200_000;

/** `await scheduler.run()`: P wakeups of 32 async processes looping on `await sleep()`. */
function processes(): BenchCase {
  return {
    name: 'await run(): 32 processes looping on await sleep()',
    ops: P,
    unit: 'wakeup',
    run: async () => {
      const s = new VirtualScheduler();
      let left = P;
      const proc = async (id: number): Promise<void> => {
        while (left > 0) {
          left--;
          await s.sleep(100 + id);
        }
      };
      const all = Array.from({ length: 32 }, (_, i) => proc(i));
      await s.run();
      await Promise.all(all);
      return s.executed;
    },
  };
}

const D = 50_000;

/** The drain primitive alone: resolve a waiter, then let it run, P times. */
function drainPrimitive(kind: 'setImmediate' | 'nextTick'): BenchCase {
  const drain =
    kind === 'setImmediate'
      ? (): Promise<void> => new Promise((r) => setImmediate(r))
      : (): Promise<void> =>
          new Promise((r) => {
            process.nextTick(r);
          });
  return {
    name: `drain primitive alone: ${kind}`,
    ops: D,
    unit: 'wakeup',
    run: async () => {
      let wake: () => void = () => undefined;
      let count = 0;
      const proc = async (): Promise<void> => {
        for (;;) {
          await new Promise<void>((r) => (wake = r));
          count++;
        }
      };
      void proc();
      await Promise.resolve();
      for (let i = 0; i < D; i++) {
        wake();
        await drain();
      }
      if (count !== D) throw new Error('drain lost a wakeup');
      return count;
    },
  };
}

await runBench('core scheduler', import.meta.filename, [
  batch,
  () => steady(32),
  () => steady(1024),
  withTimeouts,
  processes,
  () => drainPrimitive('setImmediate'),
  () => drainPrimitive('nextTick'),
]);
