/**
 * Machines: one inversify container built from a stack config and a catalogue of plugins, with lifecycle.
 * @packageDocumentation
 */
import { Container, type ServiceIdentifier } from 'inversify';
import { EventBus, TraceBus } from './bus.js';
import { CounterRegistry } from './counters.js';
import {
  DependencyCycleError,
  DuplicateProviderError,
  MissingCapabilityError,
  ParameterError,
  PluginLifecycleError,
  StackConfigError,
  UnboundCapabilityError,
  UnknownPluginError,
} from './errors.js';
import { Kconfig } from './kconfig.js';
import { createLogger, Logger } from './logger.js';
import { parseParams } from './params.js';
import { capabilityId, PluginParams, type Plugin, type PluginContext, type StackConfig } from './plugin.js';
import { createRng, Rng } from './rng.js';
import { Scheduler, VirtualScheduler } from './scheduler.js';

/** Service identifier of the {@link Machine} itself. */
export const Machine = Symbol.for('stackemu.Machine');

/**
 * A running machine: a container plus lifecycle. Holds the core services every plugin shares within it
 * and nothing else (no `machine.mm.block` chains: ask the container).
 */
export interface Machine {
  /** The stack config's name, or `"machine"`. */
  readonly name: string;
  /** The seed its RNG was made from. */
  readonly seed: number | string;
  /** The plugins in dependency order. */
  readonly plugins: readonly Plugin[];
  /** The container with every plugin's module loaded. */
  readonly container: Container;
  /** Virtual time. */
  readonly scheduler: Scheduler;
  /** The root random stream; components fork it by name. */
  readonly rng: Rng;
  /** Tracepoints. */
  readonly trace: EventBus;
  /** Counters (`vmstat` and others). */
  readonly counters: CounterRegistry;
  /** `CONFIG_*` values. */
  readonly kconfig: Kconfig;
  /** The root logger. */
  readonly log: Logger;
  /** `"running"` after start, `"stopped"` after stop. */
  readonly state: 'running' | 'stopped';
  /**
   * Resolves a service from the container (setup code only, never per I/O).
   * @param id - the service identifier
   * @returns the bound service.
   * @throws inversify's error if it is unbound or ambiguous.
   */
  get<T>(id: ServiceIdentifier<T>): T;
  /**
   * Reads a selected plugin's parameters.
   * @param plugin - the plugin's name
   * @returns its parsed params, defaults filled in.
   * @throws StackConfigError if the plugin is not part of this machine.
   */
  paramsOf(plugin: string): Readonly<Record<string, unknown>>;
  /**
   * Runs every plugin's stop hook in reverse dependency order, then completes the trace bus (a subscription
   * still attached is logged as leaked and keeps `trace.observed` true); idempotent.
   * @throws PluginLifecycleError of the first stop hook that failed (the others still run).
   */
  stop(): Promise<void>;
}

/** Options of {@link createMachine}. */
export interface CreateMachineOptions {
  /** Root logger; default {@link createLogger}(). */
  readonly logger?: Logger;
}

/** One plugin selected by a stack config, with its parsed parameters (what {@link resolveStack} returns). */
export interface ResolvedPlugin {
  /** The plugin, from the catalogue. */
  readonly plugin: Plugin;
  /** Its parameters, parsed against its spec, defaults filled in. */
  readonly params: Readonly<Record<string, unknown>>;
}

type Selected = ResolvedPlugin;

/**
 * Checks a stack config against a catalogue without building anything: plugin names, duplicates, parameters,
 * capabilities and cycles.
 * @returns the selected plugins in dependency order (stable: stack-config order among independent ones),
 * with their parsed params.
 * @throws one of the {@link StackConfigError} subclasses, naming the plugins involved.
 */
export function resolveStack(config: StackConfig, catalogue: readonly Plugin[]): readonly ResolvedPlugin[] {
  const byName = new Map<string, Plugin>();
  for (const p of catalogue) {
    if (byName.has(p.name) && byName.get(p.name) !== p) {
      throw new StackConfigError(`two different plugins named "${p.name}" in the catalogue`);
    }
    byName.set(p.name, p);
  }
  const selected: Selected[] = [];
  const seen = new Set<string>();
  for (const entry of config.plugins) {
    const plugin = byName.get(entry.name);
    if (plugin === undefined) throw new UnknownPluginError(entry.name, [...byName.keys()]);
    if (seen.has(entry.name)) throw new StackConfigError(`plugin "${entry.name}" is listed twice in the stack config`);
    seen.add(entry.name);
    const params = parseParams(
      plugin.params ?? {},
      entry.params,
      (param, reason) => new ParameterError(plugin.name, param, reason),
    );
    selected.push({ plugin, params });
  }

  // Capabilities: unique providers, shared contributors.
  const providers = new Map<string, string[]>();
  const add = (cap: string, name: string): void => {
    const l = providers.get(cap);
    if (l) l.push(name);
    else providers.set(cap, [name]);
  };
  const unique = new Set<string>();
  for (const { plugin } of selected) {
    for (const c of plugin.provides) {
      add(c, plugin.name);
      unique.add(c);
    }
    for (const c of plugin.contributes ?? []) add(c, plugin.name);
  }
  for (const c of unique) {
    const l = providers.get(c) ?? [];
    if (l.length > 1) throw new DuplicateProviderError(c, l);
  }
  const missing = new Map<string, string[]>();
  for (const { plugin } of selected) {
    for (const c of plugin.requires) {
      if (!providers.has(c)) {
        const l = missing.get(c) ?? [];
        l.push(plugin.name);
        missing.set(c, l);
      }
    }
  }
  const firstMissing = missing.entries().next();
  if (!firstMissing.done) throw new MissingCapabilityError(firstMissing.value[0], firstMissing.value[1]);

  // Dependency order: DFS post-order, visiting in stack-config order; a grey node reached again is a cycle.
  const deps = new Map<string, string[]>();
  for (const { plugin } of selected) {
    const d: string[] = [];
    for (const c of [...plugin.requires, ...(plugin.optionalRequires ?? [])]) {
      for (const p of providers.get(c) ?? []) if (p !== plugin.name && !d.includes(p)) d.push(p);
    }
    deps.set(plugin.name, d);
  }
  const state = new Map<string, 'grey' | 'black'>();
  const order: string[] = [];
  const stack: string[] = [];
  const visit = (n: string): void => {
    const s = state.get(n);
    if (s === 'black') return;
    if (s === 'grey') {
      const from = stack.indexOf(n);
      throw new DependencyCycleError([...stack.slice(from), n]);
    }
    state.set(n, 'grey');
    stack.push(n);
    for (const d of deps.get(n) ?? []) visit(d);
    stack.pop();
    state.set(n, 'black');
    order.push(n);
  };
  for (const { plugin } of selected) visit(plugin.name);
  const index = new Map(selected.map((s) => [s.plugin.name, s] as const));
  return order.map((n) => index.get(n) as Selected);
}

class MachineImpl implements Machine {
  state: 'running' | 'stopped' = 'running';
  private stopping: Promise<void> | undefined;

  constructor(
    readonly name: string,
    readonly seed: number | string,
    readonly container: Container,
    readonly scheduler: Scheduler,
    readonly rng: Rng,
    readonly trace: EventBus,
    readonly counters: CounterRegistry,
    readonly kconfig: Kconfig,
    readonly log: Logger,
    private readonly selected: readonly Selected[],
    private started: number,
  ) {}

  get plugins(): readonly Plugin[] {
    return this.selected.map((s) => s.plugin);
  }

  get<T>(id: ServiceIdentifier<T>): T {
    return this.container.get<T>(id);
  }

  paramsOf(plugin: string): Readonly<Record<string, unknown>> {
    const s = this.selected.find((x) => x.plugin.name === plugin);
    if (s === undefined) throw new StackConfigError(`plugin "${plugin}" is not part of machine ${this.name}`);
    return s.params;
  }

  context(s: Selected): PluginContext {
    return {
      container: this.container,
      params: s.params,
      log: this.log.child({ plugin: s.plugin.name }),
      machine: this,
    };
  }

  /** Marks how many plugins (in order) have started, so stop unwinds only those. */
  setStarted(n: number): void {
    this.started = n;
  }

  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    let firstError: PluginLifecycleError | undefined;
    for (let i = this.started - 1; i >= 0; i--) {
      const s = this.selected[i] as Selected;
      try {
        await this.scheduler.runUntil(Promise.resolve(s.plugin.stop?.(this.context(s))));
      } catch (e) {
        const err = new PluginLifecycleError(s.plugin.name, 'stop', e);
        this.log.error({ err }, 'plugin stop failed');
        firstError ??= err;
      }
    }
    this.started = 0;
    const leftovers = this.trace.leftovers();
    if (leftovers.length > 0) {
      this.log.warn({ topics: leftovers }, 'trace subscriptions outlive the machine (leaked)');
    }
    this.trace.complete();
    this.state = 'stopped';
    if (firstError !== undefined) throw firstError;
  }
}

/**
 * Builds and starts a machine: validates the stack config ({@link resolveStack}), declares and applies
 * `CONFIG_*` values, binds the core services, loads every plugin's module, checks declared capabilities are
 * bound, then runs `init` and `start` hooks in dependency order. While a hook awaits virtual-time work (a mkfs,
 * a mount reading its superblock) the machine drives the scheduler ({@link Scheduler.runUntil}).
 * @param config - the stack config
 * @param catalogue - the plugins available (explicit list; there is no global registry)
 * @param opts - the root logger
 * @returns the running machine.
 * @throws a {@link StackConfigError} subclass: {@link UnknownPluginError}, {@link ParameterError},
 * {@link DuplicateProviderError}, {@link MissingCapabilityError}, {@link DependencyCycleError},
 * {@link ConfigError}, {@link UnboundCapabilityError}, or {@link PluginLifecycleError} for a failed `init` or
 * `start` (after a failed `start`, the plugins already started are stopped in reverse order).
 */
export async function createMachine(
  config: StackConfig,
  catalogue: readonly Plugin[],
  opts: CreateMachineOptions = {},
): Promise<Machine> {
  const selected = resolveStack(config, catalogue);

  const kconfig = new Kconfig();
  for (const { plugin } of selected) for (const o of plugin.kconfig ?? []) kconfig.declare(plugin.name, o);
  kconfig.apply(config.config ?? {});

  const seed = config.seed ?? 0;
  const scheduler = new VirtualScheduler();
  const rng = createRng(seed);
  const trace = new EventBus('trace');
  const counters = new CounterRegistry();
  const name = config.name ?? 'machine';
  const log = (opts.logger ?? createLogger()).child({ machine: name });

  const container = new Container({ defaultScope: 'Singleton' });
  container.bind(Scheduler).toConstantValue(scheduler);
  container.bind(Rng).toConstantValue(rng);
  container.bind(TraceBus).toConstantValue(trace);
  container.bind(CounterRegistry).toConstantValue(counters);
  container.bind(Kconfig).toConstantValue(kconfig);
  container.bind(Logger).toConstantValue(log);

  const machine = new MachineImpl(name, seed, container, scheduler, rng, trace, counters, kconfig, log, selected, 0);
  container.bind(Machine).toConstantValue(machine);

  for (const { plugin, params } of selected) {
    container.bind(PluginParams).toConstantValue(params).whenNamed(plugin.name);
    container.load(plugin.module);
    for (const cap of [...plugin.provides, ...(plugin.contributes ?? [])]) {
      if (!container.isBound(capabilityId(cap))) throw new UnboundCapabilityError(plugin.name, cap);
    }
    trace.register(...(plugin.tracepoints ?? []));
  }

  for (const s of selected) {
    try {
      await scheduler.runUntil(Promise.resolve(s.plugin.init?.(machine.context(s))));
    } catch (e) {
      throw new PluginLifecycleError(s.plugin.name, 'init', e);
    }
  }
  for (let i = 0; i < selected.length; i++) {
    const s = selected[i] as Selected;
    try {
      await scheduler.runUntil(Promise.resolve(s.plugin.start?.(machine.context(s))));
    } catch (e) {
      // Unwind: stop the plugins already started, in reverse order. Their own stop failures are logged by
      // stop(); the start failure is the error the caller sees.
      machine.setStarted(i);
      await machine.stop().catch(() => undefined);
      throw new PluginLifecycleError(s.plugin.name, 'start', e);
    }
    machine.setStarted(i + 1);
  }
  log.debug({ plugins: selected.map((s) => s.plugin.name) }, 'machine started');
  return machine;
}
