/**
 * The `block` plugin: capability `block`, `CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO`, the era parameter.
 * @packageDocumentation
 */
import {
  CounterRegistry,
  EINVAL,
  Errno,
  Logger,
  PluginParams,
  Scheduler,
  TraceBus,
  capabilityId,
  definePlugin,
  kconfigBool,
  param,
  Kconfig,
  type EventBus,
  type ParamValues,
  type Plugin,
} from '@stackemu/core';
import { ContainerModule } from 'inversify';
import { BlockLayer } from './block-layer.js';
import { blockEraGup, blockEraRfc, blockEraUpstream, type BlockEra } from './block-era.js';
import { BlockDeviceRegistry } from './genhd.js';
import { BlockLayerImpl } from './internal/block-layer-impl.js';
import { Gup, PhysMem, Sanitizer } from '@stackemu/mm';
import { blockTracepoints } from './trace/block.js';

/**
 * Models `CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO` (block/Kconfig of the Hubbard RFC, patch 2/7): Direct I/O
 * takes FOLL_PIN pins instead of FOLL_GET references.
 * @remarks Default y: with the upstream era that is Linux 6.5+ (`iov_iter_extract_pages` +
 * `BIO_PAGE_PINNED`); n selects the GUP era (`iov_iter_get_pages2` + `put_page`). Under the `rfc` era it
 * chooses the `dio_w_*` mapping, as in the RFC.
 */
export const CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO = kconfigBool(
  'CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO',
  true,
  'DEVELOPERS ONLY: Enable pin_user_pages() for Direct IO. Watch nr_foll_pin_acquired and ' +
    'nr_foll_pin_released in /proc/vmstat: they must stay equal at rest.',
);

/** Parameters of the `block` plugin. */
export const blockParamSpec = {
  /** Kernel era of direct-I/O page handling (`auto`, `upstream`, `gup`, `rfc`). */
  era: param.enum(
    ['auto', 'upstream', 'gup', 'rfc'] as const,
    'auto',
    'kernel era of direct-I/O page handling; auto = upstream if CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO=y, else gup',
  ),
  /** CPUs (`nr_cpu_ids`) mapped onto hardware queues. */
  nr_cpus: param.int(2, 'CPUs (nr_cpu_ids) the software queues map onto hardware queues', 1, 4096),
  /** Make the RFC patch-3 assertion throw. */
  dio_w_strict: param.bool(false, 'make the RFC patch-3 assertion (non-user-backed iterator on a key path) throw'),
};

/** Parsed `block` parameters. */
export type BlockParams = ParamValues<typeof blockParamSpec>;

/**
 * Chooses the era from the `era` parameter and the CONFIG value.
 * @param era - the parameter
 * @param configPin - `CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO`
 * @returns the era
 */
export function selectBlockEra(era: BlockParams['era'], configPin: boolean): BlockEra {
  switch (era) {
    case 'auto':
      return configPin ? blockEraUpstream : blockEraGup;
    case 'upstream':
      if (!configPin) {
        throw new Errno(EINVAL, 'block: era=upstream needs CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO=y (6.5+ always pins)');
      }
      return blockEraUpstream;
    case 'gup':
      return blockEraGup;
    case 'rfc':
      return blockEraRfc;
  }
}

/** The `block` plugin's bindings. */
export const blockModule = new ContainerModule(({ bind }) => {
  // services
  bind(BlockLayer)
    .toDynamicValue((ctx) => {
      const params = ctx.get<BlockParams>(PluginParams, { name: 'block' });
      const kconfig = ctx.get<Kconfig>(Kconfig);
      const configPin = kconfig.get(CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO);
      return new BlockLayerImpl({
        physMem: ctx.get<PhysMem>(PhysMem),
        gup: ctx.get<Gup>(Gup),
        sanitizer: ctx.get<Sanitizer>(Sanitizer, { optional: true }),
        scheduler: ctx.get<Scheduler>(Scheduler),
        counters: ctx.get<CounterRegistry>(CounterRegistry),
        trace: ctx.get<EventBus>(TraceBus),
        log: ctx.get<Logger>(Logger).child({ plugin: 'block' }),
        era: selectBlockEra(params.era, configPin),
        configPin,
        nrCpus: params.nr_cpus,
        dioWStrict: params.dio_w_strict,
      });
    })
    .inSingletonScope();
  bind(BlockDeviceRegistry)
    .toDynamicValue((ctx) => ctx.get<BlockLayer>(BlockLayer).registry)
    .inSingletonScope();
  // capabilities
  bind(capabilityId('block')).toConstantValue('block');
});

/**
 * The `block` plugin: iov_iter, bio, the `dio_w_*` layer, blk-mq, blk-map and block-device direct I/O.
 * Requires `mm`; provides `block`.
 */
export const blockPlugin: Plugin<typeof blockParamSpec> = definePlugin({
  name: 'block',
  version: '0.1.0',
  description: 'block layer: iov_iter, bio, dio_w_*, blk-mq, blk-map, raw block-device direct I/O',
  requires: ['mm'],
  provides: ['block'],
  params: blockParamSpec,
  kconfig: [CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO],
  tracepoints: blockTracepoints,
  module: blockModule,
  init(ctx) {
    ctx.container.get<BlockLayer>(BlockLayer);
  },
  stop(ctx) {
    const blk = ctx.container.get<BlockLayer>(BlockLayer);
    (blk.registry as { dispose?: () => void }).dispose?.();
  },
});
