/**
 * An NVMe namespace of the controller model.
 * @packageDocumentation
 */
import { EINVAL, Errno } from '@stackemu/core';
import type { MediaBackend } from '../../media/media-backend.js';
import { ID_NS, setU64 } from '../nvme.js';

/** How a namespace is configured (QEMU `-device nvme-ns,nsid=…,logical_block_size=…`). */
export interface NvmeNamespaceParams {
  /** Namespace id, 1-based, unique in the controller. */
  readonly nsid: number;
  /** Logical block size: 512 or 4096. */
  readonly lbaSize: 512 | 4096;
  /** Capacity in bytes (a multiple of the LBA size). */
  readonly capacity: number;
}

/**
 * Models QEMU's `NvmeNamespace` (hw/nvme/ns.c): LBA format, size, media, and the Write Uncorrectable marks that
 * make reads fail with Unrecovered Read Error until rewritten (also the media-error injection hook, F-N3).
 */
export class NvmeNamespace {
  /** log2 of the LBA size. */
  readonly lbaShift: number;
  /** NSZE: size in logical blocks. */
  readonly nsze: number;
  /** Sticky read-error ranges as sorted [start, end) pairs of LBAs. */
  private uncor: number[] = [];
  /** Write-fault ranges (writes fail with Write Fault) as [start, end) pairs. */
  private wfault: number[] = [];

  /**
   * Models `nvme_ns_check_constraints()` + `nvme_ns_init()`.
   * @param base - byte offset of the namespace in the device's flash address space (unit striping)
   * @throws Errno EINVAL for an LBA size other than 512/4096 or a capacity that is not a positive multiple of it.
   */
  constructor(
    /** The namespace's configuration. */
    readonly params: NvmeNamespaceParams,
    /** Its media. */
    readonly media: MediaBackend,
    readonly base: number,
  ) {
    const lbs: number = params.lbaSize;
    if (lbs !== 512 && lbs !== 4096) {
      throw new Errno(
        EINVAL,
        `nvme: namespace ${params.nsid}: logical block size ${String(params.lbaSize)} is not 512 or 4096`,
      );
    }
    if (!(params.capacity > 0) || params.capacity % params.lbaSize !== 0) {
      throw new Errno(
        EINVAL,
        `nvme: namespace ${params.nsid}: capacity ${params.capacity} is not a positive multiple of ${params.lbaSize}`,
      );
    }
    this.lbaShift = params.lbaSize === 512 ? 9 : 12;
    this.nsze = params.capacity / params.lbaSize;
  }

  /** Namespace id. */
  get nsid(): number {
    return this.params.nsid;
  }

  /** Models the Identify Namespace data structure (CNS 00h) for this namespace. */
  identify(buf: Uint8Array): void {
    buf.fill(0);
    const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    setU64(v, ID_NS.nsze, this.nsze);
    setU64(v, ID_NS.ncap, this.nsze);
    setU64(v, ID_NS.nuse, this.nsze);
    buf[ID_NS.nsfeat] = 0;
    buf[ID_NS.nlbaf] = 0; // one format, 0-based
    buf[ID_NS.flbas] = 0;
    buf[ID_NS.dlfeat] = 0x01 | 0x08; // deallocated blocks read as zeroes; Write Zeroes may deallocate
    // LBAF0: MS = 0, LBADS = log2(lba size), RP = 0
    buf[ID_NS.lbaf + 2] = this.lbaShift;
  }

  private static add(list: number[], start: number, end: number): number[] {
    const out: number[] = [];
    let s = start;
    let e = end;
    let placed = false;
    for (let i = 0; i < list.length; i += 2) {
      const a = list[i] as number;
      const b = list[i + 1] as number;
      if (b < s) out.push(a, b);
      else if (a > e) {
        if (!placed) {
          out.push(s, e);
          placed = true;
        }
        out.push(a, b);
      } else {
        s = Math.min(s, a);
        e = Math.max(e, b);
      }
    }
    if (!placed) out.push(s, e);
    return out;
  }

  private static remove(list: number[], start: number, end: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < list.length; i += 2) {
      const a = list[i] as number;
      const b = list[i + 1] as number;
      if (b <= start || a >= end) out.push(a, b);
      else {
        if (a < start) out.push(a, start);
        if (b > end) out.push(end, b);
      }
    }
    return out;
  }

  private static hit(list: number[], start: number, end: number): boolean {
    for (let i = 0; i < list.length; i += 2)
      if ((list[i] as number) < end && (list[i + 1] as number) > start) return true;
    return false;
  }

  /** Marks `[slba, slba+nlb)` uncorrectable (Write Uncorrectable, or an injected sticky read error). */
  markUncorrectable(slba: number, nlb: number): void {
    this.uncor = NvmeNamespace.add(this.uncor, slba, slba + nlb);
  }

  /** Clears uncorrectable marks (a successful write or Write Zeroes does this, NV-8.8). */
  clearUncorrectable(slba: number, nlb: number): void {
    if (this.uncor.length > 0) this.uncor = NvmeNamespace.remove(this.uncor, slba, slba + nlb);
  }

  /** True if any block of the range is uncorrectable (models `nvme_check_uncor()`). */
  isUncorrectable(slba: number, nlb: number): boolean {
    return this.uncor.length > 0 && NvmeNamespace.hit(this.uncor, slba, slba + nlb);
  }

  /** Injects a write fault on `[slba, slba+nlb)`: writes there fail with Write Fault until cleared. */
  markWriteFault(slba: number, nlb: number): void {
    this.wfault = NvmeNamespace.add(this.wfault, slba, slba + nlb);
  }

  /** Removes injected write faults from the range. */
  clearWriteFault(slba: number, nlb: number): void {
    this.wfault = NvmeNamespace.remove(this.wfault, slba, slba + nlb);
  }

  /** True if a write to the range hits an injected write fault. */
  isWriteFault(slba: number, nlb: number): boolean {
    return this.wfault.length > 0 && NvmeNamespace.hit(this.wfault, slba, slba + nlb);
  }
}
