/**
 * A device's DMA identity: its host-side DMA parameters (what `struct device` carries for the DMA API) and its
 * device-side port, through which the hardware model reads and writes memory.
 * @packageDocumentation
 */
import type { Topic } from '@stackemu/core';
import type { DmaCheckPort, PhysMemPort } from '../internal/mm-port.js';
import type { DmaDebug } from './dma-debug.js';
import type { IommuDomain } from './iommu.js';
import type { Swiotlb } from './swiotlb.js';

/** Models `MEMTX_OK` (QEMU include/exec/memattrs.h): the transaction succeeded. */
export const MEMTX_OK = 0;
/** Models `MEMTX_ERROR`: a device error (including an injected DMA fault). */
export const MEMTX_ERROR = 1 << 0;
/** Models `MEMTX_DECODE_ERROR`: nothing at that address (unmapped IOVA, or beyond RAM). */
export const MEMTX_DECODE_ERROR = 1 << 1;
/** Models `MEMTX_ACCESS_ERROR`: the access is not permitted (IOMMU permission fault). */
export const MEMTX_ACCESS_ERROR = 1 << 2;
/** Models QEMU's `MemTxResult`: 0 or a mask of the `MEMTX_*` error bits. */
export type MemTxResult = number;

/** A device access that was refused, as the IOMMU fault log (or the bus) records it. */
export interface DmaFault {
  /** The device that made the access. */
  readonly device: string;
  /** The bus address (IOVA, or physical address without an IOMMU). */
  readonly addr: number;
  /** True for a device write into memory. */
  readonly write: boolean;
  /** `unmapped` (no IOMMU translation), `permission` (read-only mapping written, or the reverse), `decode`
   * (beyond RAM, no IOMMU), `injected` (fault injection). */
  readonly reason: 'unmapped' | 'permission' | 'decode' | 'injected';
  /** Virtual time (ns). */
  readonly time: number;
}

/** One DMA transaction as a device↔memory bus event (emitted only while observed). */
export interface DmaTransaction {
  /** The device. */
  readonly device: string;
  /** Bus address. */
  readonly addr: number;
  /** Bytes. */
  readonly len: number;
  /** True for a device write into memory. */
  readonly write: boolean;
}

/** A pending injected DMA fault (fault injection F-D1/F-D5). */
export interface DmaFaultInjection {
  /** Only device writes (`true`), only reads (`false`), or both (absent). */
  readonly write?: boolean;
  /** Transactions to fail. */
  count: number;
  /** Torn DMA: the failing transaction still moves this many bytes before it stops. */
  readonly tornBytes?: number;
}

/** What a {@link DmaDevice} needs from the machine. */
export interface DmaDeviceContext {
  /** Physical memory. */
  readonly mem: PhysMemPort;
  /** The pin sanitizer's DMA hook, if enabled. */
  readonly sanitizer: DmaCheckPort | undefined;
  /** Virtual time (ns). */
  now(): number;
  /** Records a refused access. */
  reportFault(f: DmaFault): void;
  /** The swiotlb pool (created on first use). */
  swiotlb(): Swiotlb;
}

const PAGE_SIZE = 4096;

/**
 * Models the DMA side of a `struct device` (`dma_parms`, `dma_mask`, `min_align_mask`, its IOMMU group's domain,
 * whether swiotlb bounces it) — the object the host's DMA API functions take as `dev`.
 * @remarks PCI defaults: `max_segment_size` 64 KiB and a 4 GiB segment boundary (`pci_setup_device()`).
 */
export class DmaDevice {
  /** Models `dma_get_max_seg_size()`. */
  maxSegmentSize = 65536;
  /** Models `dma_get_seg_boundary()`. */
  segBoundaryMask = 0xffffffff;
  /** Models `dma_get_min_align_mask()`: low address bits swiotlb must preserve. */
  minAlignMask = 0;
  /** Models the device's DMA mask (bits). */
  dmaMaskBits = 64;
  /** The device-side port the hardware model uses. */
  readonly port: DmaPort;

  /**
   * @param name - device name (`nvme0`, `virtio0`), used in findings and faults
   * @param ctx - the engine's services
   * @param iommu - the device's IOMMU domain, if it sits behind an IOMMU
   * @param bounce - true when swiotlb bounces every streaming mapping (`swiotlb=force`)
   * @param debug - dma-debug state when enabled
   */
  constructor(
    readonly name: string,
    readonly ctx: DmaDeviceContext,
    readonly iommu: IommuDomain | undefined,
    readonly bounce: boolean,
    readonly debug: DmaDebug | undefined,
  ) {
    this.port = new DmaPort(this);
  }
}

/**
 * Models the device side of DMA: QEMU's `pci_dma_read()`/`pci_dma_write()` over the device's address space
 * (`dma_memory_rw()`), with the IOMMU translation, the pin sanitizer's check of every page touched, and fault
 * injection.
 *
 * @remarks Translation is checked for the whole range before any byte moves, so a faulting access changes nothing
 * (except an injected torn transfer). Without an IOMMU bus addresses are physical addresses.
 */
export class DmaPort {
  /** PCI bus mastering: when false every transaction fails (models a disabled function). */
  busMaster = true;
  /** The bus topic DMA transactions are reported on (set by the device link). */
  topic: Topic<DmaTransaction> | undefined;
  private injections: DmaFaultInjection[] | undefined;
  private readonly mem: PhysMemPort;
  private readonly sanitizer: DmaCheckPort | undefined;
  private readonly name: string;

  /** @param dev - the device whose port this is */
  constructor(
    /** The device. */
    readonly dev: DmaDevice,
  ) {
    this.mem = dev.ctx.mem;
    this.sanitizer = dev.ctx.sanitizer;
    this.name = dev.name;
  }

  /** Queues an injected fault: the next matching transactions fail (fault injection F-D1, F-D5). */
  inject(f: DmaFaultInjection): void {
    (this.injections ??= []).push(f);
  }

  /**
   * Models `pci_dma_read()`: device reads `len` bytes at bus address `addr` into `dst[dstOff…]`.
   * @returns {@link MEMTX_OK}, or an error mask (nothing is read then).
   */
  dmaRead(addr: number, dst: Uint8Array, dstOff: number, len: number): MemTxResult {
    return this.rw(addr, dst, dstOff, len, false);
  }

  /**
   * Models `pci_dma_write()`: device writes `len` bytes from `src[srcOff…]` at bus address `addr`.
   * @returns {@link MEMTX_OK}, or an error mask (memory unchanged, except a torn injected transfer).
   */
  dmaWrite(addr: number, src: Uint8Array, srcOff: number, len: number): MemTxResult {
    return this.rw(addr, src, srcOff, len, true);
  }

  /**
   * Models `dma_memory_map()` succeeding or not: whether the device could access `[addr, addr+len)` for `write`
   * (bus mastering, RAM bounds, IOMMU translation and permission). A refusal is logged as a fault.
   * @returns true if accessible.
   */
  probe(addr: number, len: number, write: boolean): boolean {
    if (len === 0) return true;
    if (!this.busMaster) return this.fault(addr, write, 'decode', MEMTX_DECODE_ERROR) === MEMTX_OK;
    const dom = this.dev.iommu;
    if (dom === undefined) {
      if (!(addr >= 0) || addr + len > this.mem.ramBytes)
        return this.fault(addr, write, 'decode', MEMTX_DECODE_ERROR) === MEMTX_OK;
      return true;
    }
    const first = Math.floor(addr / PAGE_SIZE);
    const last = Math.floor((addr + len - 1) / PAGE_SIZE);
    for (let p = first; p <= last; p++) {
      const a = p === first ? addr : p * PAGE_SIZE;
      const pa = dom.translate(a, write);
      if (pa === -1) return this.fault(a, write, 'unmapped', MEMTX_DECODE_ERROR) === MEMTX_OK;
      if (pa === -2) return this.fault(a, write, 'permission', MEMTX_ACCESS_ERROR) === MEMTX_OK;
    }
    return true;
  }

  private rw(addr: number, buf: Uint8Array, off: number, len: number, write: boolean): MemTxResult {
    if (len === 0) return MEMTX_OK;
    if (this.topic?.observed === true) this.topic.emit({ device: this.name, addr, len, write });
    if (!this.busMaster) return this.fault(addr, write, 'decode', MEMTX_DECODE_ERROR);
    if (this.injections !== undefined) {
      const r = this.injected(addr, buf, off, len, write);
      if (r >= 0) return r;
    }
    const dom = this.dev.iommu;
    if (dom === undefined) {
      if (!(addr >= 0) || addr + len > this.mem.ramBytes) return this.fault(addr, write, 'decode', MEMTX_DECODE_ERROR);
      const san = this.sanitizer;
      if (san !== undefined) {
        const last = Math.floor((addr + len - 1) / PAGE_SIZE);
        for (let pfn = Math.floor(addr / PAGE_SIZE); pfn <= last; pfn++) san.checkDma(pfn, write, this.name);
      }
      if (write) this.mem.write(addr, buf, off, len);
      else this.mem.read(addr, buf, off, len);
      return MEMTX_OK;
    }
    // Behind an IOMMU: translate every page first.
    const first = Math.floor(addr / PAGE_SIZE);
    const last = Math.floor((addr + len - 1) / PAGE_SIZE);
    for (let p = first; p <= last; p++) {
      const pa = dom.translate(p === first ? addr : p * PAGE_SIZE, write);
      if (pa === -1) return this.fault(p === first ? addr : p * PAGE_SIZE, write, 'unmapped', MEMTX_DECODE_ERROR);
      if (pa === -2) return this.fault(p === first ? addr : p * PAGE_SIZE, write, 'permission', MEMTX_ACCESS_ERROR);
      if (pa + (p === last ? (addr + len - 1) % PAGE_SIZE : PAGE_SIZE - 1) >= this.mem.ramBytes) {
        return this.fault(addr, write, 'decode', MEMTX_DECODE_ERROR);
      }
    }
    let done = 0;
    while (done < len) {
      const a = addr + done;
      const n = Math.min(len - done, PAGE_SIZE - (a % PAGE_SIZE));
      const pa = dom.translate(a, write);
      this.sanitizer?.checkDma(Math.floor(pa / PAGE_SIZE), write, this.name);
      if (write) this.mem.write(pa, buf, off + done, n);
      else this.mem.read(pa, buf, off + done, n);
      done += n;
    }
    return MEMTX_OK;
  }

  private injected(addr: number, buf: Uint8Array, off: number, len: number, write: boolean): number {
    const list = this.injections as DmaFaultInjection[];
    const i = list.findIndex((f) => f.write === undefined || f.write === write);
    if (i < 0) return -1;
    const f = list[i] as DmaFaultInjection;
    if (--f.count <= 0) list.splice(i, 1);
    if (list.length === 0) this.injections = undefined;
    const torn = Math.min(f.tornBytes ?? 0, len);
    if (torn > 0) {
      const saved = this.injections;
      this.injections = undefined;
      this.rw(addr, buf, off, torn, write);
      this.injections = saved;
    }
    return this.fault(addr + torn, write, 'injected', MEMTX_ERROR);
  }

  private fault(addr: number, write: boolean, reason: DmaFault['reason'], r: MemTxResult): MemTxResult {
    this.dev.ctx.reportFault({ device: this.name, addr, write, reason, time: this.dev.ctx.now() });
    return r;
  }
}
