/**
 * Buffer contents and verification (`verify.c`, `fill_io_buffer()` and `small_content_scramble()` of
 * io_u.c): fio's 40-byte block header with its crc32c, md5/crc32c/sha256 checksums or a pattern, written
 * into the job's buffers in the emulated process and checked when read back.
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';
import { EILSEQ } from '@stackemu/core';
import { fioCrc32c } from './crc32c.js';
import type { FioMm } from './fio-host.js';
import { IO_U_F_VER_LIST, type IoU } from './io-u.js';
import { IP_F_IN_FLIGHT, type IoPiece } from './iolog.js';
import { fillRandomBuf } from './rand.js';
import type { ThreadData } from './thread-data.js';
import { DDIR_READ, tdMaxBs, tdMinBs, tdRw, tdWrite, type VerifyType } from './thread-options.js';

/** Models `FIO_HDR_MAGIC` (verify.h). */
export const FIO_HDR_MAGIC = 0xacca;
/** Models `sizeof(struct verify_header)` (verify.h). */
export const VERIFY_HEADER_SIZE = 40;

/** Models the `VERIFY_*` numbers (verify.h) stored in the header. */
const VERIFY_NUM: Readonly<Record<VerifyType, number>> = {
  none: 0,
  meta: 1,
  md5: 2,
  crc32c: 5,
  sha256: 9,
  pattern: 17,
};

/** Models `__hdr_size()` (verify.c): header plus checksum area. */
export function hdrSize(v: VerifyType): number {
  switch (v) {
    case 'md5':
      return VERIFY_HEADER_SIZE + 16;
    case 'crc32c':
      return VERIFY_HEADER_SIZE + 4;
    case 'sha256':
      return VERIFY_HEADER_SIZE + 64;
    default:
      return VERIFY_HEADER_SIZE;
  }
}

function mm(td: ThreadData): FioMm {
  return (td.proc as { readonly mm: FioMm }).mm;
}

/** A scratch buffer of at least `len` bytes. */
function scratch(td: ThreadData, len: number): Uint8Array {
  if (td.scratch.length < len) td.scratch = new Uint8Array(Math.max(len, 4096));
  return td.scratch;
}

/** Models `cpy_pattern()` (lib/pattern.c): repeats `pattern` over `len` bytes starting at pattern offset `mod`. */
function cpyPattern(pattern: Uint8Array, buf: Uint8Array, off: number, len: number, mod = 0): void {
  let m = mod;
  for (let i = 0; i < len; i++) {
    buf[off + i] = pattern[m] as number;
    m++;
    if (m === pattern.length) m = 0;
  }
}

/**
 * Models `fill_io_buffer()` (io_u.c): a write buffer gets `buffer_pattern`, zeros, or fio's random data from
 * the job's buffer seed, stored into the process's memory.
 * @param td - the job
 * @param io - the io_u whose buffer to fill
 * @param _minWrite - smallest write (for compression chunks, not modelled)
 * @param len - bytes
 */
export function fillIoBuffer(td: ThreadData, io: IoU, _minWrite: number, len: number): void {
  const buf = scratch(td, len);
  fillBytes(td, buf, len);
  mm(td).copyToUser(io.buf, buf, 0, len);
}

/** The bytes of {@link fillIoBuffer} for a host buffer (file layout uses it too). */
export function fillBytes(td: ThreadData, buf: Uint8Array, len: number): void {
  const o = td.o;
  if (o.bufferPattern.length > 0) cpyPattern(o.bufferPattern, buf, 0, len);
  else if (o.zeroBuffers) buf.fill(0, 0, len);
  else fillRandomBuf(buf, 0, len, td.bufState.nextSeed());
}

/**
 * Models `small_content_scramble()` (io_u.c): stores the offset and start time into every 512-byte block of
 * a write buffer, so repeated writes of one buffer differ.
 */
export function smallContentScramble(td: ThreadData, io: IoU): void {
  const nrBlocks = io.buflen >>> 9;
  if (nrBlocks === 0) return;
  io.bufFilledLen = 0;
  const sec = Math.trunc(io.startTime / 1e9);
  const nsec = io.startTime % 1e9;
  const off = (Number(BigInt(nsec) ^ BigInt(io.offset)) & 7) << 6;
  const word = scratch(td, 24);
  const dv = new DataView(word.buffer, word.byteOffset, 24);
  let boffset = io.offset;
  let p = io.xferBuf;
  const m = mm(td);
  for (let i = 0; i < nrBlocks; i++) {
    dv.setBigUint64(0, BigInt(boffset), true);
    m.copyToUser(p + off, word, 0, 8);
    dv.setBigUint64(8, BigInt(sec), true);
    dv.setBigUint64(16, BigInt(nsec), true);
    m.copyToUser(p + 64 - 16, word, 8, 16);
    p += 512;
    boffset += 512;
  }
}

/** Models `get_hdr_inc()` (verify.c): bytes per header. */
function getHdrInc(td: ThreadData, io: IoU): number {
  let inc = io.buflen;
  if (td.o.verifyInterval !== 0 && td.o.verifyInterval <= io.buflen && !td.o.bsUnaligned) inc = td.o.verifyInterval;
  return inc;
}

function checksum(v: VerifyType, buf: Uint8Array, off: number, len: number): Uint8Array {
  if (v === 'crc32c') {
    const c = new Uint8Array(4);
    new DataView(c.buffer).setUint32(0, fioCrc32c(buf, off, len), true);
    return c;
  }
  if (v === 'md5')
    return new Uint8Array(
      createHash('md5')
        .update(buf.subarray(off, off + len))
        .digest(),
    );
  const out = new Uint8Array(64);
  out.set(
    createHash('sha256')
      .update(buf.subarray(off, off + len))
      .digest(),
  );
  return out;
}

/** Models `__fill_hdr()` (verify.c): the 40-byte header at `p`. */
function fillHdr(td: ThreadData, io: IoU, buf: Uint8Array, p: number, headerNum: number, headerLen: number): void {
  const dv = new DataView(buf.buffer, buf.byteOffset + p, VERIFY_HEADER_SIZE);
  dv.setUint16(0, FIO_HDR_MAGIC, true);
  dv.setUint16(2, VERIFY_NUM[td.o.verify], true);
  dv.setUint32(4, headerLen, true);
  dv.setBigUint64(8, io.randSeed, true);
  dv.setBigUint64(16, BigInt(io.verifyOffset + headerNum * td.o.verifyInterval), true);
  dv.setUint32(24, Math.trunc(io.startTime / 1e9) >>> 0, true);
  dv.setUint32(28, io.startTime % 1e9, true);
  dv.setUint16(32, td.threadNumber & 0xffff, true);
  dv.setUint16(34, io.numberio & 0xffff, true);
  dv.setUint32(36, fioCrc32c(buf, p, 36), true);
}

/**
 * Models `populate_verify_io_u()` → `fill_pattern_headers()` (verify.c): fills the write buffer (random
 * data from a fresh verify seed, or the verify pattern) and writes a header plus checksum every
 * `verify_interval` bytes.
 */
export function populateVerifyIoU(td: ThreadData, io: IoU): void {
  const o = td.o;
  const len = io.buflen;
  const buf = scratch(td, len);
  if (o.verifyPattern.length === 0) {
    const seed = td.verifyState.nextSeed();
    io.randSeed = seed;
    fillRandomBuf(buf, 0, len, seed);
  } else {
    cpyPattern(o.verifyPattern, buf, 0, len);
    io.bufFilledLen = len;
  }
  const inc = getHdrInc(td, io);
  const hs = hdrSize(o.verify);
  let num = 0;
  for (let p = 0; p < len; p += inc, num++) {
    const hlen = Math.min(inc, len - p);
    if (hlen <= hs) {
      td.verror2(22, 'Blocksize too small');
      break;
    }
    fillHdr(td, io, buf, p, num, inc);
    if (o.verify === 'md5' || o.verify === 'crc32c' || o.verify === 'sha256') {
      buf.set(checksum(o.verify, buf, p + hs, inc - hs), p + VERIFY_HEADER_SIZE);
    }
  }
  mm(td).copyToUser(io.buf, buf, 0, len);
}

/**
 * Models `get_next_verify()` (verify.c): turns `io` into a read of the next logged write.
 * @returns true if there was one
 */
export function getNextVerify(td: ThreadData, io: IoU): boolean {
  if (io.file !== undefined) return true;
  const ipo: IoPiece | undefined = td.ioHist.next();
  if (ipo === undefined) return false;
  io.offset = ipo.offset;
  io.verifyOffset = ipo.offset;
  io.buflen = ipo.len;
  io.numberio = ipo.numberio;
  io.file = ipo.file;
  io.flags |= IO_U_F_VER_LIST;
  io.ddir = DDIR_READ;
  io.acctDdir = DDIR_READ;
  io.xferBuf = io.buf;
  io.xferBuflen = io.buflen;
  if (td.o.verifyPattern.length === 0) io.randSeed = td.verifyState.nextSeed();
  return true;
}

/** Models `log_io_piece()` on a write about to be issued (backend.c `do_io()`). */
export function logIoPiece(td: ThreadData, io: IoU): void {
  const f = io.file;
  if (f === undefined) return;
  const ipo: IoPiece = { file: f, offset: io.offset, len: io.buflen, numberio: io.numberio, flags: IP_F_IN_FLIGHT };
  io.ipo = ipo;
  td.ioHist.log(ipo);
}

/** What a failed verify reports. */
export interface VerifyFailure {
  /** File offset of the bad block. */
  readonly offset: number;
  /** What did not match. */
  readonly what: string;
}

/**
 * Models `verify_io_u()` (verify.c): reads the buffer back from the process and checks each header
 * (magic, length, seed, offset, numberio for fixed-size write jobs, header crc) and checksum or pattern.
 * @returns 0, or `EILSEQ` (recorded in `td.verifyFailures`)
 */
export function verifyIoU(td: ThreadData, io: IoU): number {
  if (io.ddir !== DDIR_READ) return 0;
  const o = td.o;
  const len = io.buflen;
  const buf = scratch(td, len);
  mm(td).copyFromUser(buf, 0, io.buf, len);
  const inc = getHdrInc(td, io);
  const hs = hdrSize(o.verify);
  let ret = 0;
  for (let p = 0, num = 0; p < len; p += inc, num++) {
    if (ret !== 0 && o.verifyFatal) break;
    const dv = new DataView(buf.buffer, buf.byteOffset + p, VERIFY_HEADER_SIZE);
    const fail = (what: string): number => {
      td.verifyFailures.push({ offset: io.verifyOffset + num * inc, what });
      return EILSEQ;
    };
    if (!tdRw(o) || td.verBacklog) io.randSeed = dv.getBigUint64(8, true);
    if (dv.getUint16(0, true) !== FIO_HDR_MAGIC) {
      ret = fail(`bad magic header ${dv.getUint16(0, true).toString(16)}, wanted ${FIO_HDR_MAGIC.toString(16)}`);
      return ret;
    }
    if (dv.getUint32(4, true) !== inc) return fail(`bad header length ${dv.getUint32(4, true)}, wanted ${inc}`);
    if (dv.getBigUint64(8, true) !== io.randSeed)
      return fail(`bad header rand_seed ${dv.getBigUint64(8, true)}, wanted ${io.randSeed}`);
    const wantOff = io.verifyOffset + num * o.verifyInterval;
    if (Number(dv.getBigUint64(16, true)) !== wantOff)
      return fail(`bad header offset ${dv.getBigUint64(16, true)}, wanted ${io.verifyOffset}`);
    if (
      tdWrite(o) &&
      tdMinBs(o) === tdMaxBs(o) &&
      !o.timeBased &&
      !o.verifyOnly &&
      dv.getUint16(34, true) !== (io.numberio & 0xffff)
    ) {
      return fail(`bad header numberio ${dv.getUint16(34, true)}, wanted ${io.numberio & 0xffff}`);
    }
    if (fioCrc32c(buf, p, 36) !== dv.getUint32(36, true)) return fail('bad header crc');
    // verify=meta (VERIFY_HDR_ONLY): the header is the check, plus the pattern when one is given.
    if (o.verify === 'pattern' || (o.verify === 'meta' && o.verifyPattern.length > 0)) {
      const pat = o.verifyPattern;
      let mod = (inc * num + hs) % pat.length;
      for (let i = p + hs; i < p + inc; i++) {
        if (buf[i] !== pat[mod]) {
          ret = fail(
            `got pattern '${(buf[i] as number).toString(16).padStart(2, '0')}', wanted '${(pat[mod] as number).toString(16).padStart(2, '0')}'`,
          );
          break;
        }
        mod++;
        if (mod === pat.length) mod = 0;
      }
    } else if (o.verify === 'md5' || o.verify === 'crc32c' || o.verify === 'sha256') {
      const want = buf.slice(p + VERIFY_HEADER_SIZE, p + hs);
      const got = checksum(o.verify, buf, p + hs, inc - hs);
      if (!want.every((b, i) => b === got[i])) ret = fail(`${o.verify} checksum mismatch`);
    }
  }
  if (ret !== 0 && o.verifyFatal) td.terminate = true;
  return ret;
}
