/**
 * The SSD timing model's parameters as a plugin parameter group (`timing.*`).
 * @packageDocumentation
 */
import { param, type ParamValues } from '@stackemu/core';
import { DEFAULT_SSD_TIMING, type SsdTimingParams } from './ssd-timing.js';

/** The `timing.*` parameter group shared by the nvme and virtio-blk plugins (defaults: {@link DEFAULT_SSD_TIMING}). */
export function timingParamSpec(d: SsdTimingParams = DEFAULT_SSD_TIMING) {
  return {
    /** T_fixed: fixed delay per command (ns). */
    'timing.fixed_ns': param.number(d.fixedNs, 't_fixed: fixed delay per command (ns)', 0),
    /** T_ctrl: controller CPU occupancy per command (ns, 0 = unlimited). */
    'timing.ctrl_ns': param.number(d.ctrlNs, 't_ctrl: controller CPU occupancy per command (ns, 0 = unlimited)', 0),
    /** U: stripe unit (bytes). */
    'timing.unit_bytes': param.size(d.unitBytes, 'U: stripe unit (bytes)'),
    /** N: parallel units. */
    'timing.units': param.int(d.units, 'N: parallel units', 1, 4096),
    /** T_media(read) per chunk (ns). */
    'timing.read_ns': param.number(d.readNs, 't_media(read) per chunk (ns)', 0),
    /** T_media(write) per chunk (ns). */
    'timing.write_ns': param.number(d.writeNs, 't_media(write) per chunk (ns)', 0),
    /** T_media(write zeroes / deallocate) per chunk (ns). */
    'timing.zeroes_ns': param.number(d.zeroesNs, 't_media(write zeroes / deallocate) per chunk (ns)', 0),
    /** B_unit: per-unit bandwidth (bytes/ns). */
    'timing.unit_bytes_per_ns': param.number(d.unitBytesPerNs, 'B_unit: per-unit bandwidth (bytes/ns)', 0),
    /** B_link: host link bandwidth (bytes/ns, 0 = unlimited). */
    'timing.link_bytes_per_ns': param.number(
      d.linkBytesPerNs,
      'B_link: host link bandwidth (bytes/ns, 0 = unlimited)',
      0,
    ),
    /** T_cpl: delay from done to completion visible (ns). */
    'timing.completion_ns': param.number(d.completionNs, 't_cpl: delay from done to completion visible (ns)', 0),
    /** Writes complete after the link transfer; flushes wait for the units. */
    'timing.write_cache': param.bool(
      d.writeCache,
      'writes complete after the link transfer; flushes wait for the units',
    ),
  };
}

/** The parsed `timing.*` group. */
export type TimingParamValues = ParamValues<ReturnType<typeof timingParamSpec>>;

/** Turns parsed `timing.*` values into {@link SsdTimingParams}. */
export function timingFromParams(p: TimingParamValues): SsdTimingParams {
  if (p['timing.unit_bytes'] === 0) throw new RangeError('timing.unit_bytes must be > 0');
  return {
    fixedNs: p['timing.fixed_ns'],
    ctrlNs: p['timing.ctrl_ns'],
    unitBytes: p['timing.unit_bytes'],
    units: p['timing.units'],
    readNs: p['timing.read_ns'],
    writeNs: p['timing.write_ns'],
    zeroesNs: p['timing.zeroes_ns'],
    unitBytesPerNs: p['timing.unit_bytes_per_ns'],
    linkBytesPerNs: p['timing.link_bytes_per_ns'],
    completionNs: p['timing.completion_ns'],
    writeCache: p['timing.write_cache'],
  };
}
