/**
 * The machine's DMA engine: creates each device's DMA identity (IOMMU domain, swiotlb, dma-debug) and keeps the
 * fault log.
 * @packageDocumentation
 */
import { type EventBus, type Logger, type Scheduler, type Topic, tracepoint } from '@stackemu/core';
import type { DmaCheckPort, PhysMemPort } from '../internal/mm-port.js';
import { DmaDebug } from './dma-debug.js';
import { DmaDevice, type DmaDeviceContext, type DmaFault } from './dma-device.js';
import { IommuDomain } from './iommu.js';
import { Swiotlb } from './swiotlb.js';

/** Payload of `iommu:io_page_fault` (include/trace/events/iommu.h: device, iova, flags). */
export interface IoPageFaultEntry {
  /** The device. */
  readonly device: string;
  /** The faulting address. */
  readonly iova: number;
  /** `IOMMU_FAULT_READ` (0) or `IOMMU_FAULT_WRITE` (1). */
  readonly flags: number;
  /** Why it was refused. */
  readonly reason: DmaFault['reason'];
}

/** Models the `iommu:io_page_fault` tracepoint; the emulator also fires it for decode errors and injected faults. */
export const iommuIoPageFault = tracepoint<IoPageFaultEntry>('iommu', 'io_page_fault');

/** Per-device DMA options (from a device plugin's `dma.*` params). */
export interface DmaDeviceOptions {
  /** `off`: dma-direct (bus address = physical); `strict`/`lazy`: behind an IOMMU with that invalidation mode. */
  readonly iommu?: 'off' | 'strict' | 'lazy';
  /** True: swiotlb bounces every streaming mapping (`swiotlb=force`). */
  readonly bounce?: boolean;
  /** True: dma-debug checks every map/unmap pair (`CONFIG_DMA_API_DEBUG`). */
  readonly debug?: boolean;
}

/**
 * The machine's DMA engine: builds {@link DmaDevice}s, owns the swiotlb pool (created on first use), and records
 * every refused device access (the IOMMU/bus fault log).
 * @remarks One per machine, shared by every device plugin (the first plugin loaded binds it). The class is its own
 * service identifier.
 */
export class DmaEngine {
  /** Every refused access, in order. */
  readonly faults: DmaFault[] = [];
  private pool: Swiotlb | undefined;
  private readonly tp: Topic<IoPageFaultEntry>;
  private readonly ctx: DmaDeviceContext;
  private readonly devices: DmaDevice[] = [];

  /**
   * @param mem - physical memory (mm's `PhysMem`)
   * @param sanitizer - mm's pin sanitizer, or undefined when it is off
   * @param scheduler - virtual time
   * @param trace - the machine's trace bus
   * @param log - logger for swiotlb and fault messages
   * @param swiotlbBytes - bounce pool size, allocated on first bounce
   */
  constructor(
    readonly mem: PhysMemPort,
    readonly sanitizer: DmaCheckPort | undefined,
    readonly scheduler: Scheduler,
    trace: EventBus,
    readonly log: Logger | undefined,
    readonly swiotlbBytes = 4 << 20,
  ) {
    this.tp = trace.topic(iommuIoPageFault);
    this.ctx = {
      mem,
      sanitizer,
      now: () => scheduler.now(),
      reportFault: (f) => {
        this.reportFault(f);
      },
      swiotlb: () => this.swiotlb(),
    };
  }

  /** The swiotlb pool, created on first use (models `swiotlb_init()`). */
  swiotlb(): Swiotlb {
    this.pool ??= new Swiotlb(this.mem, this.swiotlbBytes, this.log);
    return this.pool;
  }

  /**
   * Creates a device's DMA identity (models the part of PCI probe that attaches a device to its IOMMU group and
   * sets its DMA ops).
   * @param name - device name used in faults and sanitizer findings
   */
  createDevice(name: string, opts: DmaDeviceOptions = {}): DmaDevice {
    const mode = opts.iommu ?? 'off';
    const dom = mode === 'off' ? undefined : new IommuDomain({ strict: mode === 'strict', scheduler: this.scheduler });
    const d = new DmaDevice(
      name,
      this.ctx,
      dom,
      opts.bounce ?? false,
      opts.debug === true ? new DmaDebug(name) : undefined,
    );
    this.devices.push(d);
    return d;
  }

  private reportFault(f: DmaFault): void {
    this.faults.push(f);
    if (this.tp.observed) this.tp.emit({ device: f.device, iova: f.addr, flags: f.write ? 1 : 0, reason: f.reason });
    this.log?.debug(
      { fault: f },
      `DMAR: [DMA ${f.write ? 'Write' : 'Read'}] Request device [${f.device}] fault addr 0x${f.addr.toString(16)} (${f.reason})`,
    );
  }

  /** Frees the swiotlb pool (machine stop). */
  destroy(): void {
    this.pool?.destroy();
    this.pool = undefined;
  }
}
