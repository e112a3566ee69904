import { expect } from 'chai';
import { ContainerModule, inject, injectable, named } from 'inversify';
import { Writable } from 'node:stream';
import {
  capabilityId,
  ConfigError,
  CounterRegistry,
  createLogger,
  createMachine,
  definePlugin,
  DependencyCycleError,
  DuplicateProviderError,
  Kconfig,
  kconfigBool,
  kconfigInt,
  Logger,
  Machine,
  MissingCapabilityError,
  param,
  ParameterError,
  PluginLifecycleError,
  PluginParams,
  resolveStack,
  Rng,
  Scheduler,
  StackConfigError,
  TraceBus,
  tracepoint,
  UnboundCapabilityError,
  UnknownPluginError,
  type Plugin,
  type StackConfig,
} from '@stackemu/core';

interface Spec {
  readonly requires?: readonly string[];
  readonly optionalRequires?: readonly string[];
  readonly provides?: readonly string[];
  readonly contributes?: readonly string[];
  /** Capabilities the module leaves unbound (to provoke UnboundCapabilityError). */
  readonly unbound?: readonly string[];
  readonly failIn?: 'init' | 'start' | 'stop';
}

/** A plugin that records its hooks in `log` as `phase:name`. */
function mk(name: string, log: string[], spec: Spec = {}): Plugin {
  const caps = [...(spec.provides ?? []), ...(spec.contributes ?? [])].filter((c) => !spec.unbound?.includes(c));
  const hook = (phase: 'init' | 'start' | 'stop') => async (): Promise<void> => {
    await Promise.resolve(); // hooks may be async: the machine awaits each before the next
    log.push(`${phase}:${name}`);
    if (spec.failIn === phase) throw new Error(`${name} ${phase} exploded`);
  };
  return {
    name,
    version: '1.0.0',
    requires: spec.requires ?? [],
    provides: spec.provides ?? [],
    ...(spec.optionalRequires ? { optionalRequires: spec.optionalRequires } : {}),
    ...(spec.contributes ? { contributes: spec.contributes } : {}),
    module: new ContainerModule(({ bind }) => {
      for (const c of caps) bind(capabilityId(c)).toConstantValue(name);
    }),
    init: hook('init'),
    start: hook('start'),
    stop: hook('stop'),
  };
}

function stack(...names: string[]): StackConfig {
  return { plugins: names.map((name) => ({ name })) };
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

describe('createMachine()', () => {
  describe('validation (before anything is loaded or started)', () => {
    it('MissingCapabilityError names the capability and every plugin requiring it', async () => {
      const log: string[] = [];
      const cat = [mk('fio', log, { requires: ['vfs'] }), mk('cli', log, { requires: ['vfs', 'mm'] })];
      const e = await rejection(createMachine(stack('fio', 'cli'), cat));
      expect(e).to.be.instanceOf(MissingCapabilityError).and.instanceOf(StackConfigError);
      const err = e as MissingCapabilityError;
      expect(err.name).to.equal('MissingCapabilityError');
      expect(err.capability).to.equal('vfs');
      expect(err.requiredBy).to.deep.equal(['fio', 'cli']);
      expect(err.message).to.contain('fio, cli');
      expect(log).to.deep.equal([]);
    });

    it('DuplicateProviderError names the capability and both providers', async () => {
      const log: string[] = [];
      const cat = [mk('mm', log, { provides: ['mm'] }), mk('mm2', log, { provides: ['mm'] })];
      const e = await rejection(createMachine(stack('mm', 'mm2'), cat));
      expect(e).to.be.instanceOf(DuplicateProviderError);
      expect((e as DuplicateProviderError).capability).to.equal('mm');
      expect((e as DuplicateProviderError).providers).to.deep.equal(['mm', 'mm2']);
      expect(log).to.deep.equal([]);
    });

    it('DuplicateProviderError also when one plugin contributes what another provides uniquely', () => {
      const log: string[] = [];
      const cat = [mk('a', log, { provides: ['x'] }), mk('b', log, { contributes: ['x'] })];
      expect(() => resolveStack(stack('a', 'b'), cat))
        .to.throw(DuplicateProviderError)
        .with.property('providers')
        .that.deep.equals(['a', 'b']);
    });

    it('allows any number of contributors of a shared capability', async () => {
      const log: string[] = [];
      const cat = [
        mk('nvme', log, { contributes: ['blockdev'] }),
        mk('null_blk', log, { contributes: ['blockdev'] }),
        mk('vfs', log, { requires: ['blockdev'], provides: ['vfs'] }),
      ];
      const m = await createMachine(stack('vfs', 'nvme', 'null_blk'), cat);
      expect(m.plugins.map((p) => p.name)).to.deep.equal(['nvme', 'null_blk', 'vfs']);
      await m.stop();
    });

    it('DependencyCycleError lists the plugins along the cycle', async () => {
      const log: string[] = [];
      const cat = [
        mk('a', log, { provides: ['a'], requires: ['c'] }),
        mk('b', log, { provides: ['b'], requires: ['a'] }),
        mk('c', log, { provides: ['c'], requires: ['b'] }),
        mk('d', log, { provides: ['d'] }),
      ];
      const e = await rejection(createMachine(stack('d', 'a', 'b', 'c'), cat));
      expect(e).to.be.instanceOf(DependencyCycleError);
      expect((e as DependencyCycleError).cycle).to.deep.equal(['a', 'c', 'b', 'a']);
      expect((e as DependencyCycleError).message).to.contain('a -> c -> b -> a');
      expect(log).to.deep.equal([]);
    });

    it('sees a cycle through optionalRequires too, but not a plugin requiring what it provides', () => {
      const log: string[] = [];
      const cyc = [
        mk('a', log, { provides: ['a'], optionalRequires: ['b'] }),
        mk('b', log, { provides: ['b'], requires: ['a'] }),
      ];
      expect(() => resolveStack(stack('a', 'b'), cyc)).to.throw(DependencyCycleError);
      const self = [mk('a', log, { provides: ['a'], requires: ['a'] })];
      expect(resolveStack(stack('a'), self).map((r) => r.plugin.name)).to.deep.equal(['a']);
    });

    it('UnknownPluginError names the plugin and the catalogue', async () => {
      const log: string[] = [];
      const e = await rejection(createMachine(stack('mm', 'zfs'), [mk('mm', log), mk('block', log)]));
      expect(e).to.be.instanceOf(UnknownPluginError);
      expect((e as UnknownPluginError).plugin).to.equal('zfs');
      expect((e as UnknownPluginError).known).to.deep.equal(['mm', 'block']);
      expect(log).to.deep.equal([]);
    });

    it('refuses a plugin listed twice, and two different catalogue plugins with one name', () => {
      const log: string[] = [];
      const a = mk('a', log);
      expect(() => resolveStack(stack('a', 'a'), [a])).to.throw(StackConfigError, /listed twice/);
      expect(() => resolveStack(stack('a'), [a, mk('a', log)])).to.throw(StackConfigError, /two different plugins/);
      expect(resolveStack(stack('a'), [a, a])).to.have.length(1);
    });

    it('ParameterError names the plugin and parameter: unknown, ill-typed, out of range', async () => {
      const log: string[] = [];
      const nvme = definePlugin({
        ...mk('nvme', log),
        params: { depth: param.int(32, 'queue depth', 1, 1024), 'timing.read_ns': param.int(1000, 'read latency') },
      });
      const cases: [Record<string, unknown>, string, RegExp][] = [
        [{ dpeth: 4 }, 'dpeth', /unknown parameter/],
        [{ depth: 'deep' }, 'depth', /expects an int/],
        [{ depth: 0 }, 'depth', /outside \[1, 1024\]/],
        [{ timing: { read_ns: 1.5 } }, 'timing.read_ns', /expects an int/],
        [{ timing: { write_ns: 5 } }, 'timing.write_ns', /unknown parameter/],
      ];
      for (const [params, name, reason] of cases) {
        const e = await rejection(createMachine({ plugins: [{ name: 'nvme', params }] }, [nvme]));
        expect(e, JSON.stringify(params)).to.be.instanceOf(ParameterError);
        expect((e as ParameterError).plugin).to.equal('nvme');
        expect((e as ParameterError).param).to.equal(name);
        expect((e as ParameterError).reason).to.match(reason);
      }
      expect(log).to.deep.equal([]);
    });

    it('ConfigError for an unknown or ill-typed CONFIG_* value and for a conflicting declaration', async () => {
      const log: string[] = [];
      const PIN = kconfigBool('CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO', true, 'pin');
      const DEPTH = kconfigInt('CONFIG_DEPTH', 4, 'depth', [1, 8]);
      const block = { ...mk('block', log), kconfig: [PIN, DEPTH] };
      const cfg = (config: Record<string, unknown>): StackConfig => ({ plugins: [{ name: 'block' }], config });

      const unknown = await rejection(createMachine(cfg({ CONFIG_NOPE: 'y' }), [block]));
      expect(unknown).to.be.instanceOf(ConfigError);
      expect((unknown as ConfigError).option).to.equal('CONFIG_NOPE');
      expect((unknown as ConfigError).reason).to.match(/unknown option.*CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO/);

      const badBool = await rejection(createMachine(cfg({ CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO: 'maybe' }), [block]));
      expect((badBool as ConfigError).option).to.equal('CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO');

      const range = await rejection(createMachine(cfg({ CONFIG_DEPTH: 9 }), [block]));
      expect((range as ConfigError).reason).to.match(/outside \[1, 8\]/);

      const other = { ...mk('other', log), kconfig: [kconfigBool('CONFIG_DEPTH', false, 'clash')] };
      const clash = await rejection(createMachine(stack('block', 'other'), [block, other]));
      expect(clash).to.be.instanceOf(ConfigError);
      expect((clash as ConfigError).reason).to.equal('declared by both block and other');
      expect(log).to.deep.equal([]);

      const m = await createMachine(cfg({ CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO: 'n', CONFIG_DEPTH: '0x8' }), [block]);
      expect(m.kconfig.get(PIN)).to.equal(false);
      expect(m.kconfig.get(DEPTH)).to.equal(8);
      await m.stop();
    });

    it('UnboundCapabilityError names the plugin and the capability its module did not bind', async () => {
      const log: string[] = [];
      const cat = [mk('mm', log, { provides: ['mm', 'gup'], unbound: ['gup'] })];
      const e = await rejection(createMachine(stack('mm'), cat));
      expect(e).to.be.instanceOf(UnboundCapabilityError);
      expect((e as UnboundCapabilityError).plugin).to.equal('mm');
      expect((e as UnboundCapabilityError).capability).to.equal('gup');
      expect(log).to.deep.equal([]);
    });
  });

  describe('lifecycle', () => {
    it('drives the scheduler while a hook awaits virtual-time work (mkfs and mount in start)', async () => {
      const log: string[] = [];
      const disk: Plugin = {
        name: 'disk',
        version: '1.0.0',
        requires: [],
        provides: ['disk'],
        module: new ContainerModule(({ bind }) => {
          bind(capabilityId('disk')).toConstantValue('disk');
        }),
        async start(ctx) {
          const sched = ctx.container.get<Scheduler>(Scheduler);
          await sched.sleep(1_000); // "mkfs": a write that completes 1 us later
          log.push(`mkfs@${sched.now()}`);
          await sched.sleep(500); // "mount": reads the superblock
          log.push(`mount@${sched.now()}`);
        },
        async stop(ctx) {
          const sched = ctx.container.get<Scheduler>(Scheduler);
          await sched.sleep(250); // "umount": writeback
          log.push(`umount@${sched.now()}`);
        },
      };
      const m = await createMachine(stack('disk'), [disk]);
      expect(log).to.deep.equal(['mkfs@1000', 'mount@1500']);
      await m.stop();
      expect(log).to.deep.equal(['mkfs@1000', 'mount@1500', 'umount@1750']);
    });

    it('reports a start hook that waits on something that never happens, instead of hanging', async () => {
      const stuck: Plugin = {
        name: 'stuck',
        version: '1.0.0',
        requires: [],
        provides: [],
        module: new ContainerModule(() => undefined),
        start: () => new Promise<void>(() => undefined),
      };
      const err = await rejection(createMachine(stack('stuck'), [stuck]));
      expect(err).to.be.instanceOf(PluginLifecycleError);
      expect((err as PluginLifecycleError).plugin).to.equal('stuck');
      expect((err as Error).message).to.match(/deadlock/);
    });

    it('runs init of all, then start of all, in dependency order; stop in reverse', async () => {
      const log: string[] = [];
      const cat = [
        mk('fio', log, { requires: ['vfs'] }),
        mk('vfs', log, { requires: ['block', 'mm'], provides: ['vfs'] }),
        mk('block', log, { requires: ['mm'], provides: ['block'] }),
        mk('mm', log, { provides: ['mm'] }),
        mk('trace', log),
      ];
      const m = await createMachine(stack('fio', 'vfs', 'trace', 'block', 'mm'), cat);
      const order = ['mm', 'block', 'vfs', 'fio', 'trace'];
      expect(m.plugins.map((p) => p.name)).to.deep.equal(order);
      expect(m.state).to.equal('running');
      expect(log).to.deep.equal([...order.map((n) => `init:${n}`), ...order.map((n) => `start:${n}`)]);
      log.length = 0;
      await m.stop();
      expect(log).to.deep.equal([...order].reverse().map((n) => `stop:${n}`));
      expect(m.state).to.equal('stopped');
      await m.stop(); // idempotent
      expect(log).to.have.length(order.length);
    });

    it('orders after optional providers when present, and needs none when absent', async () => {
      const log: string[] = [];
      const tracer = mk('tracer', log, { optionalRequires: ['nvme'] });
      const nvme = mk('nvme', log, { provides: ['nvme'] });
      const a = await createMachine(stack('tracer', 'nvme'), [tracer, nvme]);
      expect(a.plugins.map((p) => p.name)).to.deep.equal(['nvme', 'tracer']);
      await a.stop();
      const b = await createMachine(stack('tracer'), [tracer, nvme]);
      expect(b.plugins.map((p) => p.name)).to.deep.equal(['tracer']);
      await b.stop();
    });

    it('unwinds a failed start: stops the started plugins in reverse, not the failed one', async () => {
      const log: string[] = [];
      const cat = [
        mk('mm', log, { provides: ['mm'] }),
        mk('block', log, { provides: ['block'], requires: ['mm'] }),
        mk('nvme', log, { requires: ['block'], failIn: 'start' }),
        mk('fio', log, { requires: ['block'] }),
      ];
      const e = await rejection(createMachine(stack('mm', 'block', 'nvme', 'fio'), cat));
      expect(e).to.be.instanceOf(PluginLifecycleError);
      const err = e as PluginLifecycleError;
      expect(err.plugin).to.equal('nvme');
      expect(err.phase).to.equal('start');
      expect((err.cause as Error).message).to.equal('nvme start exploded');
      expect(log).to.deep.equal([
        'init:mm',
        'init:block',
        'init:nvme',
        'init:fio',
        'start:mm',
        'start:block',
        'start:nvme',
        'stop:block',
        'stop:mm',
      ]);
    });

    it('reports a failed init and starts nothing', async () => {
      const log: string[] = [];
      const cat = [mk('mm', log, { provides: ['mm'] }), mk('block', log, { requires: ['mm'], failIn: 'init' })];
      const e = await rejection(createMachine(stack('block', 'mm'), cat));
      expect(e).to.be.instanceOf(PluginLifecycleError);
      expect((e as PluginLifecycleError).phase).to.equal('init');
      expect((e as PluginLifecycleError).plugin).to.equal('block');
      expect(log).to.deep.equal(['init:mm', 'init:block']);
    });

    it('stops every plugin even when one stop fails, then reports the first failure', async () => {
      const log: string[] = [];
      const cat = [
        mk('a', log, { provides: ['a'] }),
        mk('b', log, { requires: ['a'], failIn: 'stop' }),
        mk('c', log, { requires: ['a'] }),
      ];
      const m = await createMachine(stack('a', 'b', 'c'), cat);
      log.length = 0;
      const e = await rejection(m.stop());
      expect(e).to.be.instanceOf(PluginLifecycleError);
      expect((e as PluginLifecycleError).plugin).to.equal('b');
      expect((e as PluginLifecycleError).phase).to.equal('stop');
      expect(log).to.deep.equal(['stop:c', 'stop:b', 'stop:a']);
      expect(m.state).to.equal('stopped');
    });
  });

  describe('services, params and context', () => {
    const Disk = Symbol.for('test.Disk');
    interface Disk {
      readonly depth: number;
      readonly id: number;
    }

    @injectable()
    class DiskImpl implements Disk {
      private static made = 0; // counts instances across machines, to prove singletons are per machine
      readonly id = ++DiskImpl.made;
      readonly depth: number;
      constructor(
        @inject(PluginParams) @named('disk') params: { readonly depth: number },
        @inject(Scheduler) readonly sched: Scheduler,
      ) {
        this.depth = params.depth;
      }
    }

    const diskPlugin = definePlugin({
      name: 'disk',
      version: '1.0.0',
      requires: [],
      provides: ['disk'],
      params: {
        depth: param.int(32, 'queue depth', 1, 4096),
        'media.kind': param.enum(['ssd', 'hdd'], 'ssd', 'media'),
      },
      tracepoints: [tracepoint<{ n: number }>('disk', 'disk_io')],
      module: new ContainerModule(({ bind }) => {
        bind(Disk).to(DiskImpl).inSingletonScope();
        bind(capabilityId('disk')).toService(Disk);
      }),
    });

    it('binds the core services and the machine itself', async () => {
      const m = await createMachine({ plugins: [{ name: 'disk' }] }, [diskPlugin]);
      expect(m.get(Scheduler)).to.equal(m.scheduler);
      expect(m.get(Rng)).to.equal(m.rng);
      expect(m.get(TraceBus)).to.equal(m.trace);
      expect(m.get(CounterRegistry)).to.equal(m.counters);
      expect(m.get(Kconfig)).to.equal(m.kconfig);
      expect(m.get(Logger)).to.equal(m.log);
      expect(m.get(Machine)).to.equal(m);
      expect(m.name).to.equal('machine');
      expect(m.seed).to.equal(0);
      await m.stop();
    });

    it('injects parsed params (defaults filled in) by plugin name', async () => {
      const m = await createMachine({ name: 'box', plugins: [{ name: 'disk', params: { depth: '64' } }] }, [
        diskPlugin,
      ]);
      const d = m.get<Disk>(Disk);
      expect(d.depth).to.equal(64);
      expect(m.paramsOf('disk')).to.deep.equal({ depth: 64, 'media.kind': 'ssd' });
      expect(() => m.paramsOf('nvme')).to.throw(StackConfigError, /not part of machine box/);
      await m.stop();
    });

    it('registers plugin tracepoints on the machine trace bus', async () => {
      const m = await createMachine({ plugins: [{ name: 'disk' }] }, [diskPlugin]);
      expect(m.trace.list().map((t) => t.descriptor.id)).to.deep.equal(['disk:disk_io']);
      await m.stop();
    });

    it('passes hooks a context with params, a child logger, the container and the machine', async () => {
      let seen: { depth: unknown; kind: unknown; sameMachine: boolean; bound: boolean } | undefined;
      const p = definePlugin({
        ...diskPlugin,
        start(ctx) {
          seen = {
            depth: ctx.params.depth,
            kind: ctx.params['media.kind'],
            sameMachine: ctx.machine === ctx.container.get(Machine),
            bound: ctx.container.isBound(Disk),
          };
          ctx.log.debug('started');
        },
      });
      const m = await createMachine({ plugins: [{ name: 'disk', params: { media: { kind: 'hdd' } } }] }, [p]);
      expect(seen).to.deep.equal({ depth: 32, kind: 'hdd', sameMachine: true, bound: true });
      await m.stop();
    });

    it('shares nothing between two machines in one process', async () => {
      const a = await createMachine({ seed: 9, plugins: [{ name: 'disk' }] }, [diskPlugin]);
      const b = await createMachine({ seed: 9, plugins: [{ name: 'disk' }] }, [diskPlugin]);
      const da = a.get<DiskImpl>(Disk);
      const db = b.get<DiskImpl>(Disk);
      expect(da).to.not.equal(db);
      expect(da.id).to.not.equal(db.id);
      expect(a.get<Disk>(Disk)).to.equal(da); // singleton within one machine
      expect(da.sched).to.equal(a.scheduler);
      expect(db.sched).to.equal(b.scheduler);
      expect(a.scheduler).to.not.equal(b.scheduler);
      expect(a.rng).to.not.equal(b.rng);
      expect(a.counters).to.not.equal(b.counters);
      expect(a.kconfig).to.not.equal(b.kconfig);
      expect(a.trace).to.not.equal(b.trace);
      // Same seed, same streams; but drawing on one does not move the other.
      expect(a.rng.nextU32()).to.equal(b.rng.nextU32());
      a.rng.nextU32();
      const fromB = b.rng.nextU32();
      expect(a.rng.nextU32()).to.not.equal(fromB);
      // Time and events stay apart.
      a.scheduler.schedule(100, () => undefined);
      a.scheduler.runSync();
      expect(b.scheduler.now()).to.equal(0);
      a.counters.counter('vmstat', 'nr_x').value = 5;
      expect(b.counters.get('nr_x')).to.equal(undefined);
      const got: string[] = [];
      const tpA = a.trace.list()[0];
      const tpB = b.trace.list()[0];
      const sub = tpB?.subscribe(() => got.push('b'));
      tpA?.emit({ n: 1 });
      expect(got).to.deep.equal([]);
      sub?.unsubscribe();
      await a.stop();
      expect(b.state).to.equal('running');
      await b.stop();
    });
  });

  describe('leak check at stop', () => {
    const tp = tracepoint<{ readonly n: number }>('test', 'test_event');
    const p = definePlugin({
      name: 'emitter',
      version: '1.0.0',
      requires: [],
      provides: [],
      tracepoints: [tp],
      module: new ContainerModule(() => undefined),
    });

    it('leaves trace.observed false after stop when every subscription was disposed', async () => {
      const m = await createMachine({ plugins: [{ name: 'emitter' }] }, [p]);
      const sub = m.trace.topic(tp).subscribe(() => undefined);
      sub.unsubscribe();
      await m.stop();
      expect(m.trace.observed).to.equal(false);
    });

    it('detects a subscription left on the trace bus after stop(), and logs a warning naming it', async () => {
      const lines: string[] = [];
      const sink = new Writable({
        write(chunk: Buffer, _enc, cb): void {
          lines.push(chunk.toString());
          cb();
        },
      });
      const logger = createLogger({ level: 'warn', destination: sink });
      const m = await createMachine({ plugins: [{ name: 'emitter' }] }, [p], { logger });
      m.trace.topic(tp).subscribe(() => undefined); // leaked on purpose
      await m.stop();
      expect(m.trace.observed).to.equal(true);
      expect(m.trace.leftovers()).to.deep.equal(['test:test_event']);
      const warn = lines.map((l) => JSON.parse(l) as { msg: string; topics: string[]; level: number });
      expect(warn).to.have.length(1);
      expect(warn[0]?.topics).to.deep.equal(['test:test_event']);
      expect(warn[0]?.msg).to.match(/leaked/);
    });
  });
});
