/**
 * The `null` engine (engines/null.c): accepts every I/O and completes it without touching data or files.
 * @packageDocumentation
 */
import {
  FIO_DISKLESSIO,
  FIO_FAKEIO,
  FIO_Q_BUSY,
  FIO_Q_COMPLETED,
  FIO_Q_QUEUED,
  type IoEngineOps,
} from '../ioengines.js';
import type { IoU } from '../io-u.js';
import type { ThreadData } from '../thread-data.js';

/**
 * Virtual time one null-engine I/O takes (ns): fio's own per-I/O cost on this machine is about this much
 * (fio 3.33's null engine reports ~155 ns clat), and a non-zero cost keeps time-based null jobs finite.
 */
export const NULL_IO_NS = 100;

interface NullData {
  readonly ioUs: IoU[];
  queued: number;
  events: number;
}

function data(td: ThreadData): NullData {
  return td.engineData as NullData;
}

/**
 * Models `ioengine_null` (engines/null.c): with `iodepth=1` each I/O completes in `queue`; deeper, I/Os
 * queue until `commit` and complete together in `getevents`. Each I/O takes {@link NULL_IO_NS}.
 */
export const nullEngine: IoEngineOps = {
  name: 'null',
  flags: FIO_DISKLESSIO | FIO_FAKEIO,
  queue(td) {
    return td.sched.sleep(NULL_IO_NS).then(() => FIO_Q_COMPLETED);
  },
  openFile(_td, f) {
    f.fd = 0;
    return Promise.resolve(0);
  },
  closeFile(_td, f) {
    f.fd = -1;
    return Promise.resolve(0);
  },
};

/** The `null` engine at `iodepth` > 1 (engines/null.c installs commit and getevents only then). */
export const nullEngineQueued: IoEngineOps = {
  name: 'null',
  flags: FIO_DISKLESSIO | FIO_FAKEIO,
  init(td) {
    td.engineData = { ioUs: [], queued: 0, events: 0 } satisfies NullData;
    return 0;
  },
  queue(td, io) {
    const nd = data(td);
    if (nd.events !== 0) return FIO_Q_BUSY;
    nd.ioUs[nd.queued++] = io;
    return FIO_Q_QUEUED;
  },
  commit(td) {
    const nd = data(td);
    if (nd.events === 0) {
      nd.events = nd.queued;
      nd.queued = 0;
    }
    return 0;
  },
  async getevents(td) {
    const nd = data(td);
    const n = nd.events;
    if (n > 0) await td.sched.sleep(NULL_IO_NS * n);
    for (let i = 0; i < n; i++) td.events[i] = nd.ioUs[i] as IoU;
    nd.events = 0;
    return n;
  },
  openFile(_td, f) {
    f.fd = 0;
    return Promise.resolve(0);
  },
  closeFile(_td, f) {
    f.fd = -1;
    return Promise.resolve(0);
  },
};
