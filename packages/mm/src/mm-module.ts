/**
 * The `mm` plugin's bindings.
 * @packageDocumentation
 */
import { ContainerModule, type ResolutionContext } from 'inversify';
import { capabilityId, CounterRegistry, Logger, PluginParams, Scheduler, TraceBus } from '@stackemu/core';
import { Flusher } from './flusher.js';
import { Gup } from './gup.js';
import { FlusherImpl } from './internal/flusher.js';
import { GupImpl } from './internal/gup-impl.js';
import { MemMap } from './internal/mem-map.js';
import { MmCore } from './internal/mm-core.js';
import { MmService } from './internal/mm-service.js';
import { DisabledSanitizer, PinSanitizer } from './internal/pin-sanitizer.js';
import type { MmParams } from './mm-params.js';
import { Mm } from './mm-struct.js';
import { PhysMem } from './phys-mem.js';
import { Sanitizer } from './sanitizer.js';
import {
  mmFilemapAddToPageCache,
  mmFilemapDeleteFromPageCache,
  mmFollPin,
  mmFollUnpin,
  mmMigratePages,
  mmPageAlloc,
  mmPageFree,
  mmPinSanitizer,
} from './trace/mm.js';
import { Vmstat } from './vmstat.js';

/** Service identifier of the mm plugin's internal shared state (not for other packages). @internal */
export const MmCoreId = Symbol.for('stackemu.mm.MmCore');

function buildCore(ctx: ResolutionContext): MmCore {
  const params = ctx.get<MmParams>(PluginParams, { name: 'mm' });
  const sched = ctx.get<Scheduler>(Scheduler);
  const counters = ctx.get<CounterRegistry>(CounterRegistry);
  const trace = ctx.get<TraceBus>(TraceBus);
  const log = ctx.get<Logger>(Logger).child({ plugin: 'mm' });
  const vm = new Vmstat(counters);
  const mem = new MemMap(params.mem, params.movablecore, vm);
  mem.copyNsPerByte = params.copy_bandwidth > 0 ? 1e9 / params.copy_bandwidth : 0;
  mem.tpAlloc = trace.topic(mmPageAlloc);
  mem.tpFree = trace.topic(mmPageFree);
  const san = params.sanitizer
    ? new PinSanitizer(mem, counters, sched, trace.topic(mmPinSanitizer), log, params.sanitizer_stacks)
    : undefined;
  mem.san = san;
  const core = new MmCore(
    mem,
    vm,
    san,
    sched,
    log,
    {
      thp: params.thp,
      dirtyExpireNs: params.dirty_expire_centisecs * 10_000_000,
      dirtyWritebackNs: params.dirty_writeback_centisecs * 10_000_000,
      dirtyBackgroundRatio: params.dirty_background_ratio,
      dirtyRatio: params.dirty_ratio,
    },
    {
      follPin: trace.topic(mmFollPin),
      follUnpin: trace.topic(mmFollUnpin),
      filemapAdd: trace.topic(mmFilemapAddToPageCache),
      filemapDelete: trace.topic(mmFilemapDeleteFromPageCache),
      migrate: trace.topic(mmMigratePages),
    },
  );
  if (san !== undefined) san.canWriteback = (id: number): boolean => core.mappings.get(id)?.canWriteback ?? false;
  mem.pageCache = {
    markDirty(head: number): void {
      core.mappings.get(mem.folioMappingId(head))?.markDirty(head);
    },
  };
  return core;
}

/**
 * Binds the mm services (`PhysMem`, `Mm`, `Gup`, `Sanitizer`, `Flusher`, `Vmstat`) and capability `mm`.
 * @remarks One set per machine (singletons), built by a factory from the plugin's params.
 */
export const mmModule = new ContainerModule(({ bind }) => {
  // services
  bind(MmCoreId).toDynamicValue(buildCore).inSingletonScope();
  bind(PhysMem)
    .toDynamicValue((ctx) => ctx.get<MmCore>(MmCoreId).mem)
    .inSingletonScope();
  bind(Vmstat)
    .toDynamicValue((ctx) => ctx.get<MmCore>(MmCoreId).vm)
    .inSingletonScope();
  bind(Sanitizer)
    .toDynamicValue((ctx) => ctx.get<MmCore>(MmCoreId).san ?? new DisabledSanitizer())
    .inSingletonScope();
  bind(Mm)
    .toDynamicValue((ctx) => new MmService(ctx.get<MmCore>(MmCoreId)))
    .inSingletonScope();
  bind(Gup)
    .toDynamicValue((ctx) => new GupImpl(ctx.get<MmCore>(MmCoreId)))
    .inSingletonScope();
  bind(Flusher)
    .toDynamicValue((ctx) => {
      const core = ctx.get<MmCore>(MmCoreId);
      const f = new FlusherImpl(core);
      core.dirtyListener = f;
      core.vmscan.wakeFlusher = (): void => {
        f.backgroundWriteback();
      };
      return f;
    })
    .inSingletonScope();
  // capability
  bind(capabilityId('mm')).toConstantValue('mm');
});
