import { createLogger } from '@stackemu/core';
import type { IomapfsContext, IomapfsDev } from '@stackemu/fs-iomap';

/** An IomapfsContext for format-level tests: a clock, no page cache. */
export function fakeCtx(dev: IomapfsDev, clock: { t: number } = { t: 0 }): IomapfsContext {
  return {
    now: () => clock.t,
    uuid: () => new Uint8Array(16).fill(1),
    log: createLogger({ level: 'silent' }),
    metaFlags: 0,
    openDev: () => dev,
    aops: {
      readFolio: () => Promise.resolve(-5),
      writepages: () => Promise.resolve(0),
    },
    writeback: {
      writeAndWait: () => Promise.resolve(0),
      truncatePagecache: () => Promise.resolve(),
      truncatePagecacheRange: () => Promise.resolve(),
      zeroRange: () => Promise.resolve(0),
      flushAll: () => Promise.resolve(),
    },
    bufferedIo: { up: {} as never },
    dioReadOps: {},
    dioWriteOps: {},
  };
}
