/**
 * Value parsing as fio's `parse.c` does it: sizes with `kb_base`, times, integers, ranges and percentages.
 * @packageDocumentation
 */
import { evaluateArithmeticExpression } from './expression.js';

/** Returned by the size parsers for a value that is a percentage (`20%`). */
export interface Percentage {
  /** The percentage, 0–100 (fractions allowed). */
  readonly percent: number;
}

/** Kilobyte bases fio accepts (`kb_base`). */
export type KbBase = 1000 | 1024;

/**
 * Models `__get_mult_bytes()` (parse.c): the multiplier of a unit suffix. With `kb_base=1024` the plain forms
 * (`k`, `m`, `kb`) are binary and the IEC forms (`kib`, `mib`) are decimal, for compatibility; with
 * `kb_base=1000` it is the other way round.
 * @param suffix - the text after the digits (lower or upper case), possibly empty
 * @param kbBase - 1024 (default) or 1000
 * @returns the multiplier, or `'%'` for a percentage
 */
export function getMultBytes(suffix: string, kbBase: KbBase = 1024): number | '%' {
  let c = suffix.toLowerCase();
  const sep = c.search(/[:\-,/]/);
  if (sep >= 0) c = c.slice(0, sep);
  let pow = 0;
  let mult: number = kbBase;
  const iec = (p: number): void => {
    pow = p;
    mult = kbBase === 1000 ? 1024 : 1000;
  };
  if (c.startsWith('pib')) iec(5);
  else if (c.startsWith('tib')) iec(4);
  else if (c.startsWith('gib')) iec(3);
  else if (c.startsWith('mib')) iec(2);
  else if (c.startsWith('kib')) iec(1);
  else if (c.startsWith('p')) pow = 5;
  else if (c.startsWith('t')) pow = 4;
  else if (c.startsWith('g')) pow = 3;
  else if (c.startsWith('m')) pow = 2;
  else if (c.startsWith('k')) pow = 1;
  else if (c.startsWith('%')) return '%';
  return mult ** pow;
}

/**
 * Models `get_mult_time()` (parse.c): the multiplier (to µs) of a time suffix.
 * @param suffix - text after the digits
 * @param isSeconds - a bare number means seconds (else µs)
 * @returns µs per unit
 */
export function getMultTime(suffix: string, isSeconds: boolean): number {
  if (suffix === '' || !/^[a-z]/i.test(suffix)) return isSeconds ? 1_000_000 : 1;
  const c = suffix.toLowerCase();
  if (c.startsWith('us') || c.startsWith('usec')) return 1;
  if (c.startsWith('ms') || c.startsWith('msec')) return 1000;
  if (c === 's') return 1_000_000;
  if (c === 'm') return 60_000_000;
  if (c === 'h') return 3_600_000_000;
  if (c === 'd') return 86_400_000_000;
  return 1;
}

/** A leading integer as C's `strtoll()` reads it. */
function strtoll(s: string, hex: boolean): { value: number } | undefined {
  const m = hex ? /^\s*([+-]?)(0[xX])?([0-9a-fA-F]+)/.exec(s) : /^\s*([+-]?)(\d+)/.exec(s);
  if (!m) return undefined;
  const digits = hex ? (m[3] as string) : (m[2] as string);
  const v = parseInt(digits, hex ? 16 : 10);
  return { value: m[1] === '-' ? -v : v };
}

/**
 * Models `str_to_decimal()` (parse.c): an integer (decimal or `0x` hex) or a parenthesised arithmetic
 * expression, followed by a size suffix (`kilo`) or a time suffix.
 * @param str - the text
 * @param kilo - size units (true) or time units (false)
 * @param kbBase - for size units
 * @param isSeconds - for time units: a bare number means seconds
 * @returns the value (bytes or µs), a {@link Percentage}, or undefined if `str` is not a number
 */
export function strToDecimal(
  str: string,
  kilo: boolean,
  kbBase: KbBase = 1024,
  isSeconds = false,
): number | Percentage | undefined {
  if (str.length === 0) return undefined;
  let val: number | undefined;
  if (str.startsWith('(')) {
    const r = evaluateArithmeticExpression(str, isSeconds ? 1_000_000 : 1, !kilo);
    if (r !== undefined) {
      val = !kilo && isSeconds ? Math.trunc(r.ival / 1_000_000) : r.ival;
    }
  }
  if (val === undefined) {
    const hex = /0x/i.test(str);
    const r = strtoll(str, hex);
    if (r === undefined) return undefined;
    val = r.value;
  }
  if (kilo) {
    const mult = getMultBytes(multSuffix(str, true), kbBase);
    if (mult === '%') return { percent: val };
    return val * mult;
  }
  return val * getMultTime(multSuffix(str, false), isSeconds);
}

/**
 * The unit suffix as `get_mult_bytes()`/`get_mult_time()` find it: skip leading digits (and signs), then the
 * rest if it starts with a letter (or `%` for sizes).
 */
function multSuffix(str: string, bytes: boolean): string {
  let i = 0;
  let digitSeen = false;
  while (i < str.length) {
    const ch = str.charAt(i);
    const digit = ch >= '0' && ch <= '9';
    if (!digit && ((ch !== '+' && ch !== '-') || (bytes && digitSeen))) break;
    digitSeen ||= digit;
    i++;
  }
  const rest = str.slice(i);
  return /^[a-z]/i.test(rest) || (bytes && rest.startsWith('%')) ? rest : '';
}

/**
 * Models `check_str_bytes()` (parse.c): a byte count with an optional unit.
 * @returns bytes, a percentage, or undefined if malformed
 */
export function checkStrBytes(str: string, kbBase: KbBase = 1024): number | Percentage | undefined {
  return strToDecimal(str, true, kbBase);
}

/**
 * Models `check_str_time()` (parse.c): a time with an optional unit.
 * @param isSeconds - a bare number is seconds (else µs)
 * @returns µs, or undefined if malformed
 */
export function checkStrTime(str: string, isSeconds: boolean): number | undefined {
  const v = strToDecimal(str, false, 1024, isSeconds);
  return typeof v === 'number' ? v : undefined;
}

/**
 * Models `check_int()` (parse.c): an unsigned decimal or `0x` hex integer.
 * @returns the value or undefined
 */
export function checkInt(str: string): number | undefined {
  if (str.length === 0) return undefined;
  const m = /0x/i.test(str) ? /^\s*(?:0[xX])?([0-9a-fA-F]+)/.exec(str) : /^\s*\+?(\d+)/.exec(str);
  if (!m) return undefined;
  return parseInt(m[1] as string, /0x/i.test(str) ? 16 : 10);
}

/**
 * Models `str_to_float()` (parse.c): a floating point value or a parenthesised expression.
 * @returns the value or undefined
 */
export function strToFloat(str: string): number | undefined {
  if (str.startsWith('(')) {
    const r = evaluateArithmeticExpression(str, 1, false);
    if (r !== undefined) return r.dval;
  }
  const m = /^\s*[+-]?(\d+\.?\d*(e[+-]?\d+)?|\.\d+(e[+-]?\d+)?|inf(inity)?|nan)/i.exec(str);
  if (!m) return undefined;
  return Number(m[0]);
}

/**
 * Models `strip_blank_end()` (parse.c): cuts a `;` or `#` comment and trailing blanks.
 * @returns the stripped line
 */
export function stripBlankEnd(p: string): string {
  let s = p;
  const semi = s.indexOf(';');
  if (semi >= 0) s = s.slice(0, semi);
  const hash = s.indexOf('#');
  if (hash >= 0) s = s.slice(0, hash);
  let end = s.length;
  while (end > 0 && (s.charCodeAt(end - 1) <= 0x20 || s.charCodeAt(end - 1) === 0x7f)) end--;
  return s.slice(0, end);
}
