/**
 * The bus between a host driver and a device model: BAR MMIO, MSI-X messages, bus-master DMA.
 * @packageDocumentation
 */
import { EventBus, topic, type Topic } from '@stackemu/core';
import type { Subscription } from 'rxjs';
import type { DmaDevice, DmaTransaction } from '../dma/dma-device.js';

/**
 * An MMIO store the host makes into the device's BAR, packed into one number so a doorbell costs no allocation:
 * `value + 2^32 × (addr × 8 + size)` for a BAR offset `addr` < 2^18, access `size` 1, 2 or 4 bytes and an unsigned
 * `value`. Read it with {@link mmioAddr}, {@link mmioValue}, {@link mmioSize}.
 */
export type MmioWrite = number;

const TWO32 = 0x100000000;

/** Packs an MMIO store (see {@link MmioWrite}). */
export function mmioWrite(addr: number, value: number, size: 1 | 2 | 4): MmioWrite {
  return (addr * 8 + size) * TWO32 + value;
}

/** The BAR offset of an MMIO store. */
export function mmioAddr(w: MmioWrite): number {
  return Math.floor(w / TWO32 / 8);
}

/** The value of an MMIO store. */
export function mmioValue(w: MmioWrite): number {
  return w % TWO32;
}

/** The access size (1, 2 or 4 bytes) of an MMIO store. */
export function mmioSize(w: MmioWrite): 1 | 2 | 4 {
  return (Math.floor(w / TWO32) & 7) as 1 | 2 | 4;
}

/** Host → device: MMIO stores into BAR0 (register writes, doorbells). */
export const pciMmioWrite = topic<MmioWrite>('pci', 'mmio_write');
/** Device → host: an MSI-X message; the payload is the vector number. */
export const pciMsix = topic<number>('pci', 'msix');
/** Device ↔ memory: DMA transactions (emitted only while observed). */
export const pciDma = topic<DmaTransaction>('pci', 'dma');

/**
 * Models QEMU's `MemoryRegionOps` for a BAR: how the device answers loads (stores arrive on the
 * {@link pciMmioWrite} topic). Access sizes 1, 2 and 4; 64-bit registers are two 4-byte accesses (lo, then hi).
 */
export interface MemoryRegionOps {
  /** Answers a load at byte offset `addr`; called at the load's virtual time. */
  read(addr: number, size: 1 | 2 | 4): number;
}

/**
 * Models the PCIe link between the host and one device function: BAR0 MMIO (loads dispatched to the device's
 * {@link MemoryRegionOps}, stores carried on the bus), MSI-X messages and the function's DMA identity.
 *
 * @remarks The driver holds a link, never the device; the device holds the same link, never the driver, so
 * either side can be swapped. Stores are delivered synchronously (the register changes at the store's virtual time);
 * device work they trigger must be deferred to a scheduler event (spec 0.5), never emitted back from inside the
 * handler. A removed function (surprise removal, fault F-N7) reads all ones and drops stores.
 */
export class PciLink {
  /** The link's own bus (`pci:<name>`). */
  readonly bus: EventBus;
  /** Host → device MMIO stores. */
  readonly mmioWrites: Topic<MmioWrite>;
  /** Device → host MSI-X messages. */
  readonly msix: Topic<number>;
  private region: MemoryRegionOps | undefined;
  private removed = false;

  /**
   * @param name - the function's name (`nvme0`, `virtio0`)
   * @param dma - its DMA identity (host DMA API handle; `dma.port` is the device side)
   */
  constructor(
    readonly name: string,
    readonly dma: DmaDevice,
  ) {
    this.bus = new EventBus(`pci:${name}`);
    this.mmioWrites = this.bus.topic(pciMmioWrite);
    this.msix = this.bus.topic(pciMsix);
    dma.port.topic = this.bus.topic(pciDma);
  }

  // ---- device side

  /**
   * Device side: claims BAR0 (models `memory_region_init_io()` + `pci_register_bar()`).
   * @param ops - answers loads
   * @param onWrite - receives stores
   * @returns the subscription to dispose when the device is removed.
   */
  registerBar(ops: MemoryRegionOps, onWrite: (w: MmioWrite) => void): Subscription {
    this.region = ops;
    this.removed = false;
    const sub = this.mmioWrites.subscribe(onWrite);
    sub.add(() => {
      if (this.region === ops) this.region = undefined;
    });
    return sub;
  }

  /** Device side: sends an MSI-X message (models `msix_notify()`). Call from a scheduler event, not a store handler. */
  msixNotify(vector: number): void {
    if (this.msix.observed) this.msix.emit(vector);
  }

  /** Fault F-N7: the function disappears; loads return all ones, stores and DMA are dropped. */
  surpriseRemove(): void {
    this.removed = true;
    this.dma.port.busMaster = false;
  }

  /** Undoes {@link PciLink.surpriseRemove} (hot re-insertion). */
  reinsert(): void {
    this.removed = false;
    this.dma.port.busMaster = true;
  }

  // ---- host side

  /** Models `readl()` on BAR0: a 4-byte load. Returns 0xffffffff when nothing answers. */
  readl(addr: number): number {
    if (this.removed || this.region === undefined) return 0xffffffff;
    return this.region.read(addr, 4) >>> 0;
  }

  /** Models `readw()`. */
  readw(addr: number): number {
    if (this.removed || this.region === undefined) return 0xffff;
    return this.region.read(addr, 2) & 0xffff;
  }

  /** Models `readb()`. */
  readb(addr: number): number {
    if (this.removed || this.region === undefined) return 0xff;
    return this.region.read(addr, 1) & 0xff;
  }

  /** Models `lo_hi_readq()`: low dword, then high dword, as a safe integer (or NaN if beyond 2^53). */
  loHiReadq(addr: number): number {
    const lo = this.readl(addr);
    const hi = this.readl(addr + 4);
    return hi >= 0x200000 ? NaN : hi * 0x100000000 + lo;
  }

  /** Models `writel()`: a 4-byte store. */
  writel(value: number, addr: number): void {
    if (!this.removed) this.mmioWrites.emit(mmioWrite(addr, value >>> 0, 4));
  }

  /** Models `writew()`. */
  writew(value: number, addr: number): void {
    if (!this.removed) this.mmioWrites.emit(mmioWrite(addr, value & 0xffff, 2));
  }

  /** Models `writeb()`. */
  writeb(value: number, addr: number): void {
    if (!this.removed) this.mmioWrites.emit(mmioWrite(addr, value & 0xff, 1));
  }

  /** Models `lo_hi_writeq()`: low dword, then high dword. */
  loHiWriteq(value: number, addr: number): void {
    this.writel(value >>> 0, addr);
    this.writel(Math.floor(value / 0x100000000) >>> 0, addr + 4);
  }

  /** Host side: subscribes an interrupt handler to MSI-X messages. */
  onMsix(fn: (vector: number) => void): Subscription {
    return this.msix.subscribe(fn);
  }
}
