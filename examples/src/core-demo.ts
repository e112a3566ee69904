/**
 * A machine with one plugin whose process ticks in virtual time: the smallest runnable stackemu stack.
 * Run: `node examples/dist/core-demo.js`.
 * @packageDocumentation
 */
import { ContainerModule } from 'inversify';
import { capabilityId, createMachine, definePlugin, param, Scheduler, tracepoint } from '@stackemu/core';

/** Tracepoint fired on each tick. */
export const demoTick = tracepoint<{ readonly n: number; readonly ns: number }>('demo', 'tick');

/** A plugin that provides capability `demo` and ticks `count` times, `period_ns` apart. */
export const demoPlugin = definePlugin({
  name: 'demo',
  version: '0.1.0',
  requires: [],
  provides: ['demo'],
  params: {
    count: param.int(5, 'ticks to emit', 1, 1000),
    period_ns: param.int(1000, 'virtual ns between ticks', 1),
  },
  tracepoints: [demoTick],
  module: new ContainerModule(({ bind }) => {
    bind(capabilityId('demo')).toConstantValue('demo');
  }),
  start(ctx) {
    const sched = ctx.container.get<Scheduler>(Scheduler);
    const tp = ctx.machine.trace.topic(demoTick);
    const tick = (n: number): void => {
      if (tp.observed) tp.emit({ n, ns: sched.now() });
      if (n < ctx.params.count) sched.schedule(ctx.params.period_ns, tick, n + 1);
    };
    sched.schedule(ctx.params.period_ns, tick, 1);
  },
});

/** Builds the demo machine, runs it to idle and returns what the tracepoint saw. */
export async function runDemo(count = 5): Promise<string[]> {
  const m = await createMachine({ name: 'demo', plugins: [{ name: 'demo', params: { count } }] }, [demoPlugin]);
  const lines: string[] = [];
  const sub = m.trace.topic(demoTick).subscribe((e) => lines.push(`demo:tick n=${e.n} t=${e.ns}ns`));
  await m.scheduler.run();
  sub.unsubscribe();
  await m.stop();
  return lines;
}

if (process.argv[1]?.endsWith('core-demo.js')) {
  for (const l of await runDemo()) process.stdout.write(`${l}\n`);
}
