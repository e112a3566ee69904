/**
 * io_uring registered buffers (io_uring/rsrc.c): long-term pins taken at registration.
 * @packageDocumentation
 */
import { EBUSY, EFAULT, EINVAL, ENXIO, EOVERFLOW } from '@stackemu/core';
import {
  FOLL_LONGTERM,
  FOLL_WRITE,
  PAGE_SHIFT,
  PAGE_SIZE,
  type BioVec,
  type Gup,
  type MmStruct,
  type RefOwner,
} from '../internal/deps.js';
import { IORING_MAX_REG_BUFFERS } from '../uapi/io-uring.js';
import type { Iovec } from '../uapi/aio-abi.js';

/** Models `SZ_1G`: the largest registered buffer (io_uring/rsrc.c `io_buffer_validate`). */
const SZ_1G = 1 << 30;

/**
 * Models `struct io_mapped_ubuf` (io_uring/rsrc.h): one registered buffer, its pinned pages as bvecs.
 */
export interface IoMappedUbuf {
  /** `ubuf`: the user address registered. */
  readonly ubuf: number;
  /** `len`. */
  readonly len: number;
  /** The pinned pages, one bvec per page. */
  readonly bvec: readonly BioVec[];
  /** The pages (pfns), for unpinning. */
  readonly pages: readonly number[];
}

/**
 * The registered-buffer table of one ring: models `ctx->buf_table` (io_uring/rsrc.c).
 * @remarks The table is the `RefOwner` of the long-term pins, so the sanitizer attributes them to it.
 */
export class IoBufTable implements RefOwner {
  /** The buffers; a sparse (zero-length) slot is undefined. */
  bufs: (IoMappedUbuf | undefined)[] = [];
  /** Registered slots (`buf_table.nr`). */
  nr = 0;

  /** @param ringName - for the sanitizer's attribution */
  constructor(private readonly ringName: string) {}

  /** @returns `"io_uring <ring> registered buffers"` */
  refOwnerName(): string {
    return `io_uring ${this.ringName} registered buffers`;
  }

  /**
   * Models `io_sqe_buffers_register()` (io_uring/rsrc.c): validates each iovec and pins its pages with
   * `pin_user_pages_fast(FOLL_WRITE | FOLL_LONGTERM)`.
   * @param gup - mm's GUP
   * @param mm - the ring owner's address space
   * @param iovs - the buffers
   * @param nrArgs - how many of `iovs` to register
   * @returns 0, or `-EBUSY` (already registered), `-EINVAL` (count 0 or over `IORING_MAX_REG_BUFFERS`),
   * `-EFAULT` (zero length, over 1 GiB, or pages not all pinned), `-EOVERFLOW`; on failure nothing stays
   * pinned
   */
  register(gup: Gup, mm: MmStruct, iovs: readonly Iovec[], nrArgs: number): number {
    if (this.nr !== 0) return -EBUSY;
    if (nrArgs <= 0 || nrArgs > IORING_MAX_REG_BUFFERS || iovs.length < nrArgs) return -EINVAL;
    const bufs: (IoMappedUbuf | undefined)[] = [];
    for (let i = 0; i < nrArgs; i++) {
      const iov = iovs[i] as Iovec;
      let err = 0;
      if (iov.iovBase === 0) {
        if (iov.iovLen !== 0) err = -EFAULT;
      } else if (iov.iovLen === 0 || iov.iovLen > SZ_1G) {
        err = -EFAULT;
      } else if (iov.iovBase + iov.iovLen > Number.MAX_SAFE_INTEGER) {
        err = -EOVERFLOW;
      }
      if (err === 0 && iov.iovBase !== 0) {
        const r = this.pin(gup, mm, iov.iovBase, iov.iovLen);
        if (typeof r === 'number') err = r;
        else bufs.push(r);
      } else if (err === 0) {
        bufs.push(undefined);
      }
      if (err < 0) {
        for (const b of bufs) if (b !== undefined) gup.unpinUserPages(b.pages, b.pages.length, this);
        return err;
      }
    }
    this.bufs = bufs;
    this.nr = nrArgs;
    return 0;
  }

  private pin(gup: Gup, mm: MmStruct, ubuf: number, len: number): IoMappedUbuf | number {
    const start = Math.floor(ubuf / PAGE_SIZE) * PAGE_SIZE;
    const end = Math.ceil((ubuf + len) / PAGE_SIZE) * PAGE_SIZE;
    const nrPages = (end - start) >> PAGE_SHIFT;
    const pages: number[] = [];
    const got = gup.pinUserPagesFast(mm, start, nrPages, FOLL_WRITE | FOLL_LONGTERM, pages, this);
    if (got !== nrPages) {
      if (got > 0) gup.unpinUserPages(pages, got, this);
      return got < 0 ? got : -EFAULT;
    }
    const bvec: BioVec[] = [];
    let off = ubuf - start;
    let left = len;
    for (const pfn of pages) {
      const n = Math.min(PAGE_SIZE - off, left);
      bvec.push({ bvPage: pfn, bvLen: n, bvOffset: off });
      left -= n;
      off = 0;
    }
    return { ubuf, len, bvec, pages };
  }

  /**
   * Models `io_sqe_buffers_unregister()` (io_uring/rsrc.c): unpins every buffer.
   * @param gup - mm's GUP
   * @returns 0, or `-ENXIO` if nothing is registered
   */
  unregister(gup: Gup): number {
    if (this.nr === 0) return -ENXIO;
    for (const b of this.bufs) if (b !== undefined) gup.unpinUserPages(b.pages, b.pages.length, this);
    this.bufs = [];
    this.nr = 0;
    return 0;
  }

  /**
   * Models `io_import_fixed()` (io_uring/rsrc.c): the bvec range of a fixed-buffer I/O.
   * @param index - `buf_index`
   * @param addr - user address inside the buffer
   * @param len - length
   * @returns `[buffer, offset]`, or `-EFAULT` (no such buffer, or the range leaves it)
   */
  lookup(index: number, addr: number, len: number): IoMappedUbuf | number {
    if (index < 0 || index >= this.nr) return -EFAULT;
    const imu = this.bufs[index];
    if (imu === undefined) return -EFAULT;
    if (addr < imu.ubuf || addr + len > imu.ubuf + imu.len || len < 0) return -EFAULT;
    return imu;
  }
}
