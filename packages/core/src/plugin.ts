/**
 * Plugins: values naming what they require and provide, an inversify module, and lifecycle hooks.
 * @packageDocumentation
 */
import type { Container, ContainerModule } from 'inversify';
import type { TopicDescriptor } from './bus.js';
import type { KconfigOption } from './kconfig.js';
import type { Logger } from './logger.js';
import type { ParamSpec, ParamValues } from './params.js';
import type { Machine } from './machine.js';

/**
 * What a lifecycle hook receives.
 */
export interface PluginContext<S extends ParamSpec = ParamSpec> {
  /** The machine's container, with every selected plugin's module loaded. */
  readonly container: Container;
  /** This plugin's parameters, parsed, defaults filled in. */
  readonly params: ParamValues<S>;
  /** This plugin's child logger (`{ plugin: name }`). */
  readonly log: Logger;
  /** The machine being built or stopped. */
  readonly machine: Machine;
}

/**
 * A plugin: a value, with no import-time side effects and no global registry (lists of plugins are passed to
 * `createMachine`). Modelled on SPDK's `spdk_bdev_module` lifecycle plus Theia's data-first extensions.
 *
 * @remarks Order: the machine checks capabilities, parameters and `CONFIG_*` values, loads every module,
 * checks each declared capability is bound (at {@link capabilityId}), then runs `init` of all plugins and
 * then `start` of all plugins in dependency order; `stop` runs in reverse. A failing `start` stops the
 * plugins already started.
 */
export interface Plugin<S extends ParamSpec = ParamSpec> {
  /** Unique name in a catalogue (`"nvme"`, `"fs-iomap"`). */
  readonly name: string;
  /** Semantic version of the plugin. */
  readonly version: string;
  /** One line for `stackemu plugins`. */
  readonly description?: string;
  /** Capabilities that must be provided or contributed by another selected plugin. */
  readonly requires: readonly string[];
  /** Capabilities that order this plugin after their providers when present, and are not required. */
  readonly optionalRequires?: readonly string[];
  /** Unique capabilities: at most one selected plugin may provide each (`"mm"`, `"vfs"`). */
  readonly provides: readonly string[];
  /** Shared capabilities: any number of plugins may contribute (`"blockdev"`, `"fs"`). */
  readonly contributes?: readonly string[];
  /** Parameter table; values come from the stack config entry's `params`. */
  readonly params?: S;
  /** `CONFIG_*` options this plugin declares. */
  readonly kconfig?: readonly KconfigOption[];
  /** Tracepoints this plugin registers on the trace bus. */
  readonly tracepoints?: readonly TopicDescriptor<unknown>[];
  /** Bindings of this plugin's services; must bind {@link capabilityId} of each declared capability. */
  readonly module: ContainerModule;
  /** Builds state (after every module is loaded, before any start). */
  init?(ctx: PluginContext<S>): void | Promise<void>;
  /** Brings the plugin up (probe devices, mount). */
  start?(ctx: PluginContext<S>): void | Promise<void>;
  /** Tears it down, in reverse dependency order. */
  stop?(ctx: PluginContext<S>): void | Promise<void>;
}

/**
 * Declares a plugin with its parameter types inferred (`definePlugin({ … params: { depth: param.int(…) } })`).
 * @param p - the plugin value
 * @returns the same value, typed, so hooks see `ctx.params.depth` as a number.
 */
export function definePlugin<S extends ParamSpec>(p: Plugin<S>): Plugin<S> {
  return p;
}

/**
 * The service identifier a plugin binds for a capability it declares (`capabilityId('mm')`).
 * @param capability - the capability name (`"mm"`, `"blockdev:nvme"`)
 * @returns a registered symbol, the same for the same name.
 * @remarks The machine checks after loading that each declared capability is bound, and names the plugin
 * if not.
 */
export function capabilityId(capability: string): symbol {
  return Symbol.for(`stackemu.capability.${capability}`);
}

/** Service identifier under which each plugin's parsed params are bound, `whenNamed(pluginName)`. */
export const PluginParams = Symbol.for('stackemu.PluginParams');

/** One entry of a stack config's plugin list. */
export interface StackPluginEntry {
  /** The plugin's name in the catalogue. */
  readonly name: string;
  /** Its parameters (nested objects flatten to dotted names). */
  readonly params?: Readonly<Record<string, unknown>>;
}

/**
 * A stack config: which plugins, their parameters, `CONFIG_*` values, and the seed.
 * Read from YAML or JSON by the CLI.
 */
export interface StackConfig {
  /** Name shown in reports. */
  readonly name?: string;
  /** Seed of the machine's RNG; default 0. */
  readonly seed?: number | string;
  /** The plugins, in any order (the machine orders them by dependency). */
  readonly plugins: readonly StackPluginEntry[];
  /** `CONFIG_*` values. */
  readonly config?: Readonly<Record<string, unknown>>;
}
