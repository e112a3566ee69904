/**
 * CPU copies between a request's pages and a media backend (what memory-backed drivers do with `memcpy`).
 * @packageDocumentation
 */
import { rqForEachBvec, type Request } from '@stackemu/block';
import type { MediaBackend } from '../media/media-backend.js';
import type { PhysMemPort } from './mm-port.js';

/**
 * Copies a request's data between its pages and `media` at the request's position (a write stores, a read loads),
 * as `null_transfer()` / `brd_do_bvec()` do. One copy per span.
 */
export class RqCopier {
  private mediaOff = 0;
  private write = false;
  private readonly fn = (page: number, offset: number, len: number): void => {
    const paddr = page * 4096 + offset;
    let done = 0;
    const spanFn = (b: Uint8Array, bo: number, _mo: number, n: number): boolean => {
      if (this.write) this.mem.read(paddr + done, b, bo, n);
      else this.mem.write(paddr + done, b, bo, n);
      done += n;
      return true;
    };
    if (this.write) this.media.writeSpans(this.mediaOff, len, spanFn);
    else this.media.readSpans(this.mediaOff, len, spanFn);
    this.mediaOff += len;
  };

  constructor(
    private readonly mem: PhysMemPort,
    private readonly media: MediaBackend,
  ) {}

  /** Copies the whole request. */
  copy(rq: Request, write: boolean): void {
    this.mediaOff = rq.sector * 512;
    this.write = write;
    rqForEachBvec(rq, this.fn);
  }
}
