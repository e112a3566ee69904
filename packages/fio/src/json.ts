/**
 * fio's JSON tree and printer (`json.c`): insertion-ordered objects, integers printed as integers and
 * floats with six decimals, two-space indentation and `"key" : value` pairs, exactly as fio prints them.
 * @packageDocumentation
 */

/** Models `struct json_value` (json.h): a value of fio's JSON tree. */
export type JsonValue = string | JsonInt | JsonFloat | JsonObject | JsonArray;

/** Models `JSON_TYPE_INTEGER`: printed with `%lld`. */
export class JsonInt {
  /** @param v - the value (truncated to an integer when printed) */
  constructor(readonly v: number | bigint) {}
}

/** Models `JSON_TYPE_FLOAT`: printed with `%f`. */
export class JsonFloat {
  /** @param v - the value */
  constructor(readonly v: number) {}
}

/** Models `JSON_TYPE_ARRAY`. */
export class JsonArray {
  /** The elements, in order. */
  readonly values: JsonValue[] = [];

  /** Models `json_array_add_value_*()`. */
  add(v: JsonValue): this {
    this.values.push(v);
    return this;
  }
}

/** Models `struct json_object` (json.h): pairs in insertion order (keys may repeat, as in fio). */
export class JsonObject {
  /** The pairs, in order. */
  readonly pairs: [string, JsonValue][] = [];

  /** Models `json_object_add_value_int()`. */
  int(name: string, v: number | bigint): this {
    this.pairs.push([name, new JsonInt(v)]);
    return this;
  }

  /** Models `json_object_add_value_float()`. */
  float(name: string, v: number): this {
    this.pairs.push([name, new JsonFloat(v)]);
    return this;
  }

  /** Models `json_object_add_value_string()`. */
  str(name: string, v: string): this {
    this.pairs.push([name, v]);
    return this;
  }

  /** Models `json_object_add_value_object()` / `_array()`. */
  add(name: string, v: JsonValue): this {
    this.pairs.push([name, v]);
    return this;
  }

  /** The value of `name`, if present. */
  get(name: string): JsonValue | undefined {
    return this.pairs.find((p) => p[0] === name)?.[1];
  }
}

/** C `%f`: six decimals; `inf`/`nan` as glibc prints them. */
export function cFloat(v: number): string {
  if (Number.isNaN(v)) return v < 0 ? '-nan' : 'nan';
  if (!Number.isFinite(v)) return v < 0 ? '-inf' : 'inf';
  const s = v.toFixed(6);
  return s === '-0.000000' ? '-0.000000' : s;
}

function escape(s: string): string {
  return JSON.stringify(s);
}

function printValue(v: JsonValue, level: number, out: string[]): void {
  if (typeof v === 'string') out.push(escape(v));
  else if (v instanceof JsonInt) out.push(typeof v.v === 'bigint' ? v.v.toString() : String(Math.trunc(v.v)));
  else if (v instanceof JsonFloat) out.push(cFloat(v.v));
  else if (v instanceof JsonObject) printObject(v, level, out);
  else printArray(v, level, out);
}

function indent(level: number): string {
  return '  '.repeat(level);
}

function printObject(o: JsonObject, level: number, out: string[]): void {
  out.push('{\n');
  o.pairs.forEach(([k, v], i) => {
    if (i > 0) out.push(',\n');
    out.push(`${indent(level + 1)}${escape(k)} : `);
    printValue(v, level + 1, out);
  });
  out.push(`\n${indent(level)}}`);
}

function printArray(a: JsonArray, level: number, out: string[]): void {
  out.push('[\n');
  a.values.forEach((v, i) => {
    if (i > 0) out.push(',\n');
    out.push(indent(level + 1));
    printValue(v, level + 1, out);
  });
  out.push(`\n${indent(level)}]`);
}

/**
 * Models `json_print_object()` (json.c).
 * @returns the text, without a trailing newline
 */
export function jsonPrint(o: JsonObject): string {
  const out: string[] = [];
  printObject(o, 0, out);
  return out.join('');
}

/**
 * Converts a plain JSON-compatible value into fio's tree (integers stay integers, other numbers print as
 * `%f`), for stackemu's own sections.
 * @returns the tree value
 */
export function toJsonValue(v: unknown): JsonValue {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isInteger(v) ? new JsonInt(v) : new JsonFloat(v);
  if (typeof v === 'bigint') return new JsonInt(v);
  if (typeof v === 'boolean') return new JsonInt(v ? 1 : 0);
  if (Array.isArray(v)) {
    const a = new JsonArray();
    for (const x of v) a.add(toJsonValue(x));
    return a;
  }
  const o = new JsonObject();
  if (v !== null && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) if (x !== undefined) o.add(k, toJsonValue(x));
  return o;
}
