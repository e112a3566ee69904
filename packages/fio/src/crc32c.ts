/**
 * CRC32C (Castagnoli) as fio computes it (`crc32c_sw()`, crc/crc32c.c): initial value ~0, no final inversion.
 * @packageDocumentation
 */

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/**
 * Models `fio_crc32c()` (crc/crc32c.h).
 * @param data - bytes
 * @param off - start
 * @param len - length
 * @returns the CRC (unsigned 32-bit)
 */
export function fioCrc32c(data: Uint8Array, off: number, len: number): number {
  let crc = 0xffffffff;
  const end = off + len;
  for (let i = off; i < end; i++) crc = (TABLE[(crc ^ (data[i] as number)) & 0xff] as number) ^ (crc >>> 8);
  return crc >>> 0;
}
