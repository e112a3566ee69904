/**
 * The `mm` plugin.
 * @packageDocumentation
 */
import { definePlugin } from '@stackemu/core';
import { Flusher } from './flusher.js';
import { FlusherImpl } from './internal/flusher.js';
import { MemMap } from './internal/mem-map.js';
import { mmModule } from './mm-module.js';
import { mmParamSpec } from './mm-params.js';
import { PhysMem } from './phys-mem.js';
import { mmTracepoints } from './trace/mm.js';

/**
 * The memory-management plugin: physical memory, address spaces, GUP and pins, page cache and writeback,
 * vmstat counters and the pin sanitizer. Provides capability `mm`.
 */
export const mmPlugin = definePlugin({
  name: 'mm',
  version: '0.1.0',
  description: 'memory management: pages, address spaces, GUP/pins, page cache, writeback, pin sanitizer',
  requires: [],
  provides: ['mm'],
  params: mmParamSpec,
  tracepoints: [...mmTracepoints],
  module: mmModule,
  init(ctx) {
    // Build the memory map and the flusher now, so parameter errors surface at machine creation.
    ctx.container.get(PhysMem);
    ctx.container.get(Flusher);
  },
  stop(ctx) {
    const f = ctx.container.get<Flusher>(Flusher);
    if (f instanceof FlusherImpl) f.stop();
    // Last to stop (everything depends on mm): the page data goes back to the process's slab pool.
    const mem = ctx.container.get<PhysMem>(PhysMem);
    if (mem instanceof MemMap) mem.releaseData();
  },
});
