/**
 * Plugin parameters: a typed table with defaults, help and dotted groups (QEMU's `DEFINE_PROP_*` is the model),
 * checked before anything is allocated.
 * @packageDocumentation
 */

/** One declared parameter of type `T`. */
export interface ParamDef<T> {
  /** Shown by `stackemu plugins`. */
  readonly help: string;
  /** Value when the stack config does not set it. */
  readonly default: T;
  /** Type name shown in help (`int`, `size`, `enum`…). */
  readonly type: string;
  /**
   * Turns a raw stack-config value into `T`.
   * @param raw - the value as the stack config holds it (YAML/JSON scalar, array or object)
   * @returns the value, or a {@link ParamProblem} saying what is wrong.
   */
  parse(raw: unknown): T | ParamProblem;
}

/** A parse failure: what is wrong with a raw value. */
export interface ParamProblem {
  /** What is wrong, as shown after the parameter's name (`expects an int, got "x"`). */
  readonly problem: string;
}

/** A plugin's parameter table: dotted names (`"timing.read_ns"`) to definitions. */
export type ParamSpec = Readonly<Record<string, ParamDef<unknown>>>;

/** The parsed values of a {@link ParamSpec}. */
export type ParamValues<S extends ParamSpec> = { readonly [K in keyof S]: S[K] extends ParamDef<infer T> ? T : never };

function problem(p: string): ParamProblem {
  return { problem: p };
}

/**
 * Tells a parse failure from a value.
 * @param v - what {@link ParamDef.parse} returned
 * @returns true if `v` is a {@link ParamProblem}.
 */
export function isParamProblem(v: unknown): v is ParamProblem {
  return typeof v === 'object' && v !== null && 'problem' in v && Object.keys(v).length === 1;
}

const SIZE_SHIFT: Readonly<Record<string, number>> = { '': 0, k: 10, m: 20, g: 30, t: 40, p: 50, e: 60 };

/**
 * Models the kernel's `memparse()` (lib/cmdline.c): a number with an optional K/M/G/T/P/E suffix (powers of
 * 1024, any case). As there, the number's base follows C's `strtoull(…, 0)`: `0x` hex, a leading `0` octal,
 * else decimal. stackemu also accepts a trailing `B` or `iB` (`"64MiB"`).
 * @param s - the size text, or a number (which must be a non-negative safe integer)
 * @returns bytes, or undefined if `s` is not such a size or the result is not a safe integer.
 */
export function parseSize(s: string | number): number | undefined {
  if (typeof s === 'number') return Number.isSafeInteger(s) && s >= 0 ? s : undefined;
  const m = /^\s*(0x[0-9a-f]+|0[0-7]*|[1-9]\d*)\s*([kmgtpe]?)(i?b)?\s*$/i.exec(s);
  if (!m) return undefined;
  const digits = m[1] ?? '';
  const base = /^0[0-7]+$/.test(digits) ? parseInt(digits, 8) : Number(digits);
  const suffix = (m[2] ?? '').toLowerCase();
  if (m[3] !== undefined && /^i/i.test(m[3]) && suffix === '') return undefined; // "5iB"
  const v = base * 2 ** (SIZE_SHIFT[suffix] ?? 0);
  return Number.isSafeInteger(v) ? v : undefined;
}

const TRUE_WORDS: ReadonlySet<unknown> = new Set<unknown>([true, 1, '1', 'y', 'yes', 'true', 'on']);
const FALSE_WORDS: ReadonlySet<unknown> = new Set<unknown>([false, 0, '0', 'n', 'no', 'false', 'off']);

/**
 * Parameter constructors (QEMU's `DEFINE_PROP_*` is the model). Each takes the default and the help text
 * first-class, and returns a {@link ParamDef}.
 */
export const param = {
  /**
   * A boolean: `true/false`, `y/n`, `yes/no`, `on/off`, `1/0` (strings in any case), the words `kstrtobool()`
   * accepts.
   * @param def - the default
   * @param help - the help text
   * @returns the definition.
   */
  bool(def: boolean, help: string): ParamDef<boolean> {
    return {
      help,
      default: def,
      type: 'bool',
      parse: (raw) => {
        const key = typeof raw === 'string' ? raw.toLowerCase() : raw;
        if (TRUE_WORDS.has(key)) return true;
        if (FALSE_WORDS.has(key)) return false;
        return problem(`expects a bool (y/n, true/false, 1/0, on/off), got ${JSON.stringify(raw)}`);
      },
    };
  },
  /**
   * An integer (a safe integer, or its decimal or `0x` string), optionally within [min, max].
   * @param def - the default
   * @param help - the help text
   * @param min - least allowed value
   * @param max - greatest allowed value
   * @returns the definition.
   */
  int(def: number, help: string, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): ParamDef<number> {
    return {
      help,
      default: def,
      type: 'int',
      parse: (raw) => {
        const n = typeof raw === 'string' && /^-?(\d+|0x[0-9a-f]+)$/i.test(raw) ? Number(raw) : raw;
        if (typeof n !== 'number' || !Number.isSafeInteger(n))
          return problem(`expects an int, got ${JSON.stringify(raw)}`);
        if (n < min || n > max) return problem(`${n} is outside [${min}, ${max}]`);
        return n;
      },
    };
  },
  /**
   * A finite number (rates, fractions), optionally within [min, max].
   * @param def - the default
   * @param help - the help text
   * @param min - least allowed value
   * @param max - greatest allowed value
   * @returns the definition.
   */
  number(def: number, help: string, min = -Infinity, max = Infinity): ParamDef<number> {
    return {
      help,
      default: def,
      type: 'number',
      parse: (raw) => {
        const n = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
        if (typeof n !== 'number' || !Number.isFinite(n))
          return problem(`expects a number, got ${JSON.stringify(raw)}`);
        if (n < min || n > max) return problem(`${n} is outside [${min}, ${max}]`);
        return n;
      },
    };
  },
  /**
   * A byte size: a number or a `memparse()` string (`"64g"`, `"4k"`, see {@link parseSize}).
   * @param def - the default, in bytes
   * @param help - the help text
   * @param align - the value must be a multiple of it
   * @returns the definition.
   */
  size(def: number, help: string, align = 1): ParamDef<number> {
    return {
      help,
      default: def,
      type: 'size',
      parse: (raw) => {
        const v = typeof raw === 'string' || typeof raw === 'number' ? parseSize(raw) : undefined;
        if (v === undefined) return problem(`expects a size (e.g. 4096, "64m", "1g"), got ${JSON.stringify(raw)}`);
        if (v % align !== 0) return problem(`${v} is not a multiple of ${align}`);
        return v;
      },
    };
  },
  /**
   * A string.
   * @param def - the default
   * @param help - the help text
   * @returns the definition.
   */
  string(def: string, help: string): ParamDef<string> {
    return {
      help,
      default: def,
      type: 'string',
      parse: (raw) => (typeof raw === 'string' ? raw : problem(`expects a string, got ${JSON.stringify(raw)}`)),
    };
  },
  /**
   * One of a fixed set of strings.
   * @param choices - the allowed values
   * @param def - the default, one of them
   * @param help - the help text
   * @returns the definition, typed as the union of `choices`.
   */
  enum<const C extends readonly string[]>(choices: C, def: C[number], help: string): ParamDef<C[number]> {
    return {
      help,
      default: def,
      type: `enum(${choices.join('|')})`,
      parse: (raw) =>
        typeof raw === 'string' && choices.includes(raw)
          ? raw
          : problem(`expects one of ${choices.join(', ')}, got ${JSON.stringify(raw)}`),
    };
  },
  /**
   * A structured value checked by `check` (fault lists, namespace tables).
   * @param type - type name for help output
   * @param def - the default
   * @param help - the help text
   * @param check - turns a raw value into `T` or a {@link ParamProblem} (built with `param.problem`)
   * @returns the definition.
   */
  custom<T>(type: string, def: T, help: string, check: (raw: unknown) => T | ParamProblem): ParamDef<T> {
    return { help, default: def, type, parse: check };
  },
  /** The problem constructor for {@link param.custom} checkers. */
  problem,
};

function isPlainObject(v: unknown): v is Readonly<Record<string, unknown>> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * Parses raw stack-config params against a spec. Nested objects are flattened to dotted names unless the
 * dotted path itself is a declared parameter (then the object is that parameter's value), so
 * `{ timing: { read_ns: 5 } }` and `{ "timing.read_ns": 5 }` mean the same.
 * @param spec - the plugin's parameter table
 * @param raw - the stack config entry's `params` (a plain object), or undefined for all defaults
 * @param fail - builds the error thrown for a bad parameter (the machine passes a `ParameterError` maker)
 * @returns the values with defaults filled in.
 * @throws the error `fail` builds, for params that are not an object, an unknown parameter, one set twice
 * (dotted and nested), or a value its definition rejects.
 */
export function parseParams<S extends ParamSpec>(
  spec: S,
  raw: Readonly<Record<string, unknown>> | undefined,
  fail: (param: string, reason: string) => Error,
): ParamValues<S> {
  const out: Record<string, unknown> = {};
  for (const [k, def] of Object.entries(spec)) out[k] = def.default;
  const set = new Set<string>();
  const walk = (obj: Readonly<Record<string, unknown>>, prefix: string): void => {
    for (const [k, v] of Object.entries(obj)) {
      const path = prefix === '' ? k : `${prefix}.${k}`;
      const def = Object.hasOwn(spec, path) ? spec[path] : undefined;
      if (def !== undefined) {
        if (set.has(path)) throw fail(path, 'set more than once');
        const parsed = def.parse(v);
        if (isParamProblem(parsed)) throw fail(path, parsed.problem);
        set.add(path);
        out[path] = parsed;
      } else if (isPlainObject(v) && Object.keys(spec).some((name) => name.startsWith(`${path}.`))) {
        walk(v, path);
      } else {
        const known = Object.keys(spec);
        throw fail(path, `unknown parameter (known: ${known.join(', ') || 'none'})`);
      }
    }
  };
  if (raw !== undefined) {
    if (!isPlainObject(raw))
      throw fail('params', `params must be an object of name: value, got ${JSON.stringify(raw)}`);
    walk(raw, '');
  }
  return Object.freeze(out) as ParamValues<S>;
}
