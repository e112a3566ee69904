/**
 * Byte patterns of `verify_pattern=` and `buffer_pattern=`, as fio's `lib/pattern.c` parses them.
 * @packageDocumentation
 */
import { FioError } from './fio-error.js';

/** fio's `MAX_PATTERN_SIZE` (thread_options.h). */
export const MAX_PATTERN_SIZE = 512;

/**
 * Models `parse_and_fill_pattern()` (lib/pattern.c) for the forms stackemu supports: hex numbers
 * (`0xaa555aa5`, bytes in written order), decimal numbers (little-endian, as few bytes as needed), quoted
 * strings (`"abc"` or `'abc'`), concatenated by juxtaposition or `|`. The `%o` offset format is not modelled.
 * @param input - the option value
 * @param option - the option name, for errors
 * @returns the pattern bytes
 * @throws FioError for a malformed pattern or `%o`
 */
export function parsePattern(input: string, option: string): Uint8Array {
  const out: number[] = [];
  let s = input.trim();
  while (s.length > 0) {
    if (s.startsWith('|') || s.startsWith(' ')) {
      s = s.slice(1);
      continue;
    }
    if (s.startsWith('%o')) {
      throw new FioError(`fio: ${option}: the %o offset format is not supported by stackemu`, option);
    }
    const q = s.charAt(0);
    if (q === '"' || q === "'") {
      const end = s.indexOf(q, 1);
      if (end < 0) throw new FioError(`fio: ${option}: unterminated string in pattern '${input}'`, option);
      for (const b of Buffer.from(s.slice(1, end), 'latin1')) out.push(b);
      s = s.slice(end + 1);
      continue;
    }
    const hex = /^0[xX]([0-9a-fA-F]+)/.exec(s);
    if (hex) {
      const all = hex[1] as string;
      // A following "0x" starts a new number: in 0xff0x14 the last 0 belongs to the next one.
      const after = s.charAt(2 + all.length);
      const used = (after === 'x' || after === 'X') && all.endsWith('0') ? all.length - 1 : all.length;
      let digits = all.slice(0, used);
      if (digits.length % 2 === 1) digits = `0${digits}`;
      for (let i = 0; i < digits.length; i += 2) out.push(parseInt(digits.slice(i, i + 2), 16));
      s = s.slice(2 + used);
      continue;
    }
    const dec = /^-?\d+/.exec(s.split(/0[xX]/)[0] ?? '');
    if (dec) {
      const lval = Number(dec[0]);
      if (lval > 0x7fffffff || lval < -0x80000000) {
        throw new FioError(`fio: ${option}: number out of range in pattern '${input}'`, option);
      }
      let v = lval >>> 0;
      if (v === 0) out.push(0);
      while (v !== 0) {
        out.push(v & 0xff);
        v >>>= 8;
      }
      s = s.slice(dec[0].length);
      continue;
    }
    throw new FioError(`fio: ${option}: cannot parse pattern '${input}'`, option);
  }
  if (out.length === 0) throw new FioError(`fio: ${option}: empty pattern`, option);
  if (out.length > MAX_PATTERN_SIZE) out.length = MAX_PATTERN_SIZE;
  return Uint8Array.from(out);
}
