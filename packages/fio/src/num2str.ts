/**
 * fio's number formatting (`lib/num2str.c`): `35.7MiB/s`, `1024KiB`, `9142`.
 * @packageDocumentation
 */

/** Models `enum n2s_unit` (lib/num2str.h). */
export type N2sUnit = 'none' | 'persec' | 'byte' | 'bit' | 'bytepersec' | 'bitpersec';

const UNIT_STR: Readonly<Record<N2sUnit, string>> = {
  none: '',
  persec: '/s',
  byte: 'B',
  bit: 'bit',
  bytepersec: 'B/s',
  bitpersec: 'bit/s',
};

/**
 * Models `num2str()` (lib/num2str.c): a number with at most `maxlen` digits, a unit prefix (SI or IEC) and a
 * unit, rounding the way fio does (including its carry quirks).
 * @param num - the quantity
 * @param maxlen - most digits (counting the point)
 * @param base - multiplier of `num` (1, or 1024 for KiB values)
 * @param pow2 - IEC (true) or SI (false) prefixes
 * @param units - unit suffix
 * @returns the text
 */
export function num2str(num: number, maxlen: number, base: number, pow2: boolean, units: N2sUnit): string {
  const sistr = ['', 'k', 'M', 'G', 'T', 'P', 'E'];
  const iecstr = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];
  const prefix = pow2 ? iecstr : sistr;
  const thousand = pow2 ? 1024 : 1000;
  let n = Math.trunc(num);
  let b = base;
  let post = 0;
  for (; b > 1; post++) b = Math.trunc(b / thousand);
  if (units === 'bit' || units === 'bitpersec') n *= 8;
  let modulo = -1;
  let carry = false;
  while (post < sistr.length) {
    if (String(n).length <= maxlen) break;
    modulo = n % thousand;
    n = Math.trunc(n / thousand);
    carry = modulo >= thousand / 2;
    post++;
  }
  if (post >= sistr.length) post = 0;
  const done = (): string => `${n}${prefix[post] ?? ''}${UNIT_STR[units]}`;
  if (modulo === -1) return done();
  const room = maxlen - String(n).length;
  if (room <= 1) {
    if (carry) n++;
    return done();
  }
  const frac = (modulo / thousand).toFixed(room - 1);
  if (frac.startsWith('1')) n++;
  return `${n}.${frac.slice(2)}${prefix[post] ?? ''}${UNIT_STR[units]}`;
}
