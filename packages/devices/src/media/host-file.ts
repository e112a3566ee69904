/**
 * The host-file media backend.
 * @packageDocumentation
 */
import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import { EINVAL, Errno } from '@stackemu/core';
import type { MediaBackend, MediaSpanFn } from './media-backend.js';

const STAGE = 128 * 1024;

/**
 * Media in a host file, accessed with synchronous `node:fs` calls (QEMU's `file` block driver without AIO).
 * @remarks Spans are staged through a 128 KiB buffer (one extra copy, unlike the sparse backend). The file is
 * created if missing and extended (sparsely, where the host filesystem allows) to the capacity. Discard writes
 * zeros: Node has no hole punching.
 */
export class HostFileBackend implements MediaBackend {
  readonly kind: string;
  private readonly fd: number;
  private readonly stage = new Uint8Array(STAGE);
  private readonly zero = new Uint8Array(STAGE);

  /**
   * Opens (or creates) `path` with capacity `size` bytes.
   * @throws Errno (from the host) if the file cannot be opened; EINVAL for a zero size.
   */
  constructor(
    /** Host path. */
    readonly path: string,
    /** Capacity in bytes. */
    readonly size: number,
  ) {
    if (!(size > 0)) throw new Errno(EINVAL, `media: host file ${path} needs a capacity > 0`);
    this.kind = `file:${path}`;
    let fd: number;
    try {
      fd = openSync(path, 'r+');
    } catch {
      fd = openSync(path, 'w+');
    }
    this.fd = fd;
    if (fstatSync(fd).size < size) ftruncateSync(fd, size);
  }

  get allocatedBytes(): number {
    const st = fstatSync(this.fd);
    return st.blocks * 512;
  }

  readSpans(off: number, len: number, sink: MediaSpanFn): boolean {
    for (let done = 0; done < len;) {
      const n = Math.min(STAGE, len - done);
      const got = readSync(this.fd, this.stage, 0, n, off + done);
      if (got < n) this.stage.fill(0, got, n);
      if (!sink(this.stage, 0, off + done, n)) return false;
      done += n;
    }
    return true;
  }

  writeSpans(off: number, len: number, source: MediaSpanFn): boolean {
    for (let done = 0; done < len;) {
      const n = Math.min(STAGE, len - done);
      if (!source(this.stage, 0, off + done, n)) return false;
      writeSync(this.fd, this.stage, 0, n, off + done);
      done += n;
    }
    return true;
  }

  read(off: number, dst: Uint8Array, dstOff: number, len: number): void {
    const got = readSync(this.fd, dst, dstOff, len, off);
    if (got < len) dst.fill(0, dstOff + got, dstOff + len);
  }

  write(off: number, src: Uint8Array, srcOff: number, len: number): void {
    writeSync(this.fd, src, srcOff, len, off);
  }

  writeZeroes(off: number, len: number): void {
    for (let done = 0; done < len;) {
      const n = Math.min(STAGE, len - done);
      writeSync(this.fd, this.zero, 0, n, off + done);
      done += n;
    }
  }

  discard(off: number, len: number): void {
    this.writeZeroes(off, len);
  }

  flush(): void {
    fsyncSync(this.fd);
  }

  close(): void {
    closeSync(this.fd);
  }
}
