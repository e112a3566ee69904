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
   * @returns the value, or a string saying what is wrong.
   */
  parse(raw: unknown): T | ParamProblem;
}

/** A parse failure: what is wrong with a raw value. */
export interface ParamProblem {
  readonly problem: string;
}

/** A plugin's parameter table: dotted names (`"timing.read_ns"`) to definitions. */
export type ParamSpec = Readonly<Record<string, ParamDef<unknown>>>;

/** The parsed values of a {@link ParamSpec}. */
export type ParamValues<S extends ParamSpec> = { readonly [K in keyof S]: S[K] extends ParamDef<infer T> ? T : never };

function problem(p: string): ParamProblem {
  return { problem: p };
}

/** True if `v` is a {@link ParamProblem}. */
export function isParamProblem(v: unknown): v is ParamProblem {
  return typeof v === 'object' && v !== null && 'problem' in v && Object.keys(v).length === 1;
}

const SIZE_SHIFT: Readonly<Record<string, number>> = { '': 0, k: 10, m: 20, g: 30, t: 40, p: 50 };

/**
 * Models the kernel's `memparse()`: a number with an optional K/M/G/T/P suffix (powers of 1024, any case,
 * optional trailing `B`/`iB`).
 * @returns bytes, or undefined if `s` is not such a size.
 */
export function parseSize(s: string | number): number | undefined {
  if (typeof s === 'number') return Number.isSafeInteger(s) && s >= 0 ? s : undefined;
  const m = /^\s*(\d+|0x[0-9a-f]+)\s*([kmgtp]?)(i?b)?\s*$/i.exec(s);
  if (!m) return undefined;
  const base = Number(m[1]);
  const shift = SIZE_SHIFT[(m[2] ?? '').toLowerCase()] ?? 0;
  const v = base * 2 ** shift;
  return Number.isSafeInteger(v) ? v : undefined;
}

/** Parameter constructors. */
export const param = {
  /** A boolean (`true/false`, `y/n`, `1/0`). */
  bool(def: boolean, help: string): ParamDef<boolean> {
    return {
      help,
      default: def,
      type: 'bool',
      parse: (raw) => {
        if (raw === true || raw === 'y' || raw === 'true' || raw === 1 || raw === '1') return true;
        if (raw === false || raw === 'n' || raw === 'false' || raw === 0 || raw === '0') return false;
        return problem(`expects a bool, got ${JSON.stringify(raw)}`);
      },
    };
  },
  /** An integer, optionally within [min, max]. */
  int(def: number, help: string, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): ParamDef<number> {
    return {
      help,
      default: def,
      type: 'int',
      parse: (raw) => {
        const n = typeof raw === 'string' && /^-?(\d+|0x[0-9a-f]+)$/i.test(raw) ? Number(raw) : raw;
        if (typeof n !== 'number' || !Number.isSafeInteger(n)) return problem(`expects an int, got ${JSON.stringify(raw)}`);
        if (n < min || n > max) return problem(`${n} is outside [${min}, ${max}]`);
        return n;
      },
    };
  },
  /** A finite number (rates, fractions), optionally within [min, max]. */
  number(def: number, help: string, min = -Infinity, max = Infinity): ParamDef<number> {
    return {
      help,
      default: def,
      type: 'number',
      parse: (raw) => {
        const n = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
        if (typeof n !== 'number' || !Number.isFinite(n)) return problem(`expects a number, got ${JSON.stringify(raw)}`);
        if (n < min || n > max) return problem(`${n} is outside [${min}, ${max}]`);
        return n;
      },
    };
  },
  /** A byte size: a number or a `memparse()` string (`"64g"`, `"4k"`), optionally a multiple of `align`. */
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
  /** A string. */
  string(def: string, help: string): ParamDef<string> {
    return {
      help,
      default: def,
      type: 'string',
      parse: (raw) => (typeof raw === 'string' ? raw : problem(`expects a string, got ${JSON.stringify(raw)}`)),
    };
  },
  /** One of a fixed set of strings. */
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
  /** A structured value checked by `check` (fault lists, namespace tables). */
  custom<T>(type: string, def: T, help: string, check: (raw: unknown) => T | ParamProblem): ParamDef<T> {
    return { help, default: def, type, parse: check };
  },
  /** The problem constructor for {@link param.custom} checkers. */
  problem,
};

/**
 * Parses raw stack-config params against a spec. Nested objects are flattened to dotted names unless the
 * dotted path itself is a declared parameter (then the object is that parameter's value).
 * @returns the values with defaults filled in.
 * @throws `{ param, reason }`-carrying error via `fail` for an unknown or ill-typed parameter.
 */
export function parseParams<S extends ParamSpec>(
  spec: S,
  raw: Readonly<Record<string, unknown>> | undefined,
  fail: (param: string, reason: string) => Error,
): ParamValues<S> {
  const out: Record<string, unknown> = {};
  for (const [k, def] of Object.entries(spec)) out[k] = def.default;
  const walk = (obj: Readonly<Record<string, unknown>>, prefix: string): void => {
    for (const [k, v] of Object.entries(obj)) {
      const path = prefix === '' ? k : `${prefix}.${k}`;
      const def = spec[path];
      if (def !== undefined) {
        const parsed = def.parse(v);
        if (isParamProblem(parsed)) throw fail(path, parsed.problem);
        out[path] = parsed;
      } else if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
        walk(v as Record<string, unknown>, path);
      } else {
        const known = Object.keys(spec);
        throw fail(path, `unknown parameter (known: ${known.join(', ') || 'none'})`);
      }
    }
  };
  if (raw !== undefined) walk(raw, '');
  return Object.freeze(out) as ParamValues<S>;
}
