/**
 * Binding the machine's DMA engine (shared by every device plugin).
 * @packageDocumentation
 */
import { Logger, Scheduler, TraceBus, type EventBus } from '@stackemu/core';
import { PhysMem, Sanitizer } from '@stackemu/mm';
import type { ContainerModuleLoadOptions } from 'inversify';
import { dmaCheckPort, physMemPort } from '../internal/mm-adapter.js';
import { DmaEngine } from './dma-engine.js';

/**
 * Binds {@link DmaEngine} unless another device plugin already did (the first device plugin loaded wins; all share
 * it). The engine reads and writes mm's `PhysMem` and calls the pin sanitizer's `checkDma()` per page when enabled.
 * @param options - the `ContainerModule` load options
 */
export function bindDmaEngine(options: ContainerModuleLoadOptions): void {
  if (options.isBound(DmaEngine)) return;
  options
    .bind(DmaEngine)
    .toDynamicValue((ctx) => {
      const pm = ctx.get<PhysMem>(PhysMem);
      const san = ctx.get<Sanitizer>(Sanitizer, { optional: true });
      return new DmaEngine(
        physMemPort(pm),
        dmaCheckPort(san),
        ctx.get<Scheduler>(Scheduler),
        ctx.get<EventBus>(TraceBus),
        ctx.get<Logger>(Logger).child({ plugin: 'dma' }),
      );
    })
    .inSingletonScope();
}
