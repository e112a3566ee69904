/**
 * Kconfig-style `CONFIG_*` options: declared by plugins with type, default and help, set from the stack config.
 * @packageDocumentation
 */
import { ConfigError } from './errors.js';

/** The value types Kconfig has (`tristate` is modelled as bool: there are no modules to build). */
export type KconfigValue = boolean | number | string;

/**
 * A declared option. Declare it once as a module constant and list it in the plugin's `kconfig`.
 */
export interface KconfigOption<T extends KconfigValue = KconfigValue> {
  /** `CONFIG_*` name, kernel spelling. */
  readonly name: `CONFIG_${string}`;
  /** Value type. */
  readonly type: 'bool' | 'int' | 'string';
  /** Value when the stack config does not set it. */
  readonly default: T;
  /** The help text shown by `stackemu plugins`. */
  readonly help: string;
  /** For `int`: inclusive range. */
  readonly range?: readonly [number, number];
  /** For `string`: the allowed values, if restricted. */
  readonly choices?: readonly string[];
}

/**
 * Declares a `bool` option, as a Kconfig `config X` + `bool` entry does (`CONFIG_X=y`).
 * @param name - `CONFIG_*` name, kernel spelling
 * @param def - the default (`default y` is true)
 * @param help - the help text
 * @returns the frozen option.
 */
export function kconfigBool(name: `CONFIG_${string}`, def: boolean, help: string): KconfigOption<boolean> {
  return Object.freeze({ name, type: 'bool', default: def, help });
}

/**
 * Declares an `int` option, as a Kconfig `int` entry with an optional `range` does.
 * @param name - `CONFIG_*` name, kernel spelling
 * @param def - the default
 * @param help - the help text
 * @param range - inclusive [min, max]
 * @returns the frozen option.
 */
export function kconfigInt(
  name: `CONFIG_${string}`,
  def: number,
  help: string,
  range?: readonly [number, number],
): KconfigOption<number> {
  return Object.freeze(
    range ? { name, type: 'int', default: def, help, range } : { name, type: 'int', default: def, help },
  );
}

/**
 * Declares a `string` option, as a Kconfig `string` entry does, optionally restricted to `choices`.
 * @param name - `CONFIG_*` name, kernel spelling
 * @param def - the default
 * @param help - the help text
 * @param choices - the allowed values, if restricted
 * @returns the frozen option.
 */
export function kconfigString(
  name: `CONFIG_${string}`,
  def: string,
  help: string,
  choices?: readonly string[],
): KconfigOption<string> {
  return Object.freeze(
    choices ? { name, type: 'string', default: def, help, choices } : { name, type: 'string', default: def, help },
  );
}

/** One option with its owner and current value, for listings (`.config`). */
export interface KconfigEntry {
  /** The declared option. */
  readonly option: KconfigOption;
  /** The plugin that declared it. */
  readonly owner: string;
  /** Its value on this machine. */
  readonly value: KconfigValue;
}

/**
 * Models a kernel build's `.config` (scripts/kconfig): the machine's configuration, options declared by the
 * selected plugins, values from the stack config.
 * @remarks The class is its own service identifier. Values are fixed once the machine is built (as a kernel's .config is fixed at build time).
 */
export class Kconfig {
  private readonly options = new Map<string, { option: KconfigOption; owner: string; value: KconfigValue }>();

  /**
   * Declares `option` for plugin `owner` (declaring the same option object again is a no-op).
   * @param owner - the declaring plugin's name
   * @param option - the option
   * @throws ConfigError if another plugin declared the same name with a different definition.
   */
  declare(owner: string, option: KconfigOption): void {
    const prev = this.options.get(option.name);
    if (prev !== undefined) {
      if (prev.option === option) return;
      throw new ConfigError(option.name, `declared by both ${prev.owner} and ${owner}`);
    }
    this.options.set(option.name, { option, owner, value: option.default });
  }

  /**
   * Sets values from a stack config's `config` map. Accepts `true/false`, `y/n` for bools; numbers or
   * decimal/hex strings for ints.
   * @param values - `CONFIG_*` name → raw value
   * @throws ConfigError for an unknown name, an ill-typed value, or an out-of-range one.
   */
  apply(values: Readonly<Record<string, unknown>>): void {
    for (const [name, raw] of Object.entries(values)) {
      const e = this.options.get(name);
      if (e === undefined) {
        throw new ConfigError(
          name,
          `unknown option (declared options: ${[...this.options.keys()].join(', ') || 'none'})`,
        );
      }
      e.value = coerce(e.option, raw);
    }
  }

  /**
   * Reads an option's value. Read at setup and keep it; options do not change while a machine runs.
   * @param option - the declared option
   * @returns its value on this machine.
   * @throws ConfigError if no selected plugin declared it.
   */
  get<T extends KconfigValue>(option: KconfigOption<T>): T {
    const e = this.options.get(option.name);
    if (e === undefined) throw new ConfigError(option.name, 'not declared by any plugin of this machine');
    return e.value as T;
  }

  /**
   * Tells whether an option is declared.
   * @param name - `CONFIG_*` name
   * @returns true if a selected plugin declared it.
   */
  has(name: string): boolean {
    return this.options.has(name);
  }

  /**
   * Lists the options.
   * @returns every option with its owner and value, in declaration order.
   */
  entries(): readonly KconfigEntry[] {
    return [...this.options.values()].map((e) => ({ option: e.option, owner: e.owner, value: e.value }));
  }

  /**
   * Formats the options as a `.config` file does.
   * @returns `CONFIG_X=y`, `# CONFIG_Y is not set`, `CONFIG_N=3`, `CONFIG_S="v"` lines, in declaration order.
   */
  format(): string {
    return this.entries()
      .map(({ option, value }) => {
        if (option.type === 'bool') return value ? `${option.name}=y` : `# ${option.name} is not set`;
        if (option.type === 'int') return `${option.name}=${String(value)}`;
        return `${option.name}=${JSON.stringify(value)}`;
      })
      .join('\n');
  }
}

function coerce(option: KconfigOption, raw: unknown): KconfigValue {
  switch (option.type) {
    case 'bool':
      if (raw === true || raw === 'y' || raw === 'Y' || raw === 'true') return true;
      if (raw === false || raw === 'n' || raw === 'N' || raw === 'false') return false;
      throw new ConfigError(option.name, `expects a bool (y/n), got ${JSON.stringify(raw)}`);
    case 'int': {
      let n: number;
      if (typeof raw === 'number') n = raw;
      else if (typeof raw === 'string' && /^(0x[0-9a-f]+|-?\d+)$/i.test(raw.trim())) n = Number(raw.trim());
      else throw new ConfigError(option.name, `expects an int, got ${JSON.stringify(raw)}`);
      if (!Number.isSafeInteger(n)) throw new ConfigError(option.name, `expects an int, got ${JSON.stringify(raw)}`);
      if (option.range && (n < option.range[0] || n > option.range[1])) {
        throw new ConfigError(option.name, `${n} is outside [${option.range[0]}, ${option.range[1]}]`);
      }
      return n;
    }
    case 'string':
      if (typeof raw !== 'string') throw new ConfigError(option.name, `expects a string, got ${JSON.stringify(raw)}`);
      if (option.choices && !option.choices.includes(raw)) {
        throw new ConfigError(option.name, `"${raw}" is not one of ${option.choices.join(', ')}`);
      }
      return raw;
  }
}
