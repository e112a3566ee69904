/**
 * The one wall clock of the `stackemu` command. Simulation never reads it: it feeds only the figures under
 * `stackemu.wall`, the progress line and fio's report timestamps (`timestamp`, `time`), which fio takes from
 * the host clock too.
 * @packageDocumentation
 */

/** Wall-clock readings. */
export interface WallClock {
  /** Monotonic ns (for durations). */
  nowNs(): number;
  /** ms since the Unix epoch (for report timestamps). */
  epochMs(): number;
}

/** The process's wall clock (`process.hrtime` and `Date`), isolated here. */
export const hostWallClock: WallClock = {
  nowNs: () => Number(process.hrtime.bigint()),
  epochMs: () => new Date().getTime(),
};
