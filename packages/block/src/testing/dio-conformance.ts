/**
 * The direct-I/O conformance kit: runs a direct-I/O target (a raw block device, or a file of a filesystem
 * plugin) through the same matrix and checks the pin invariants of the block-fs spec (§13).
 * @packageDocumentation
 */
import assert from 'node:assert/strict';
import { EINVAL, type Machine } from '@stackemu/core';
import {
  Mm,
  folioClearDirtyForIo,
  folioEndWriteback,
  folioStartWriteback,
  type AddressSpace,
  type MmapFile,
} from '@stackemu/mm';
import { BlockLayer } from '../block-layer.js';
import { iovIterBvec } from '../iov-iter.js';
import type { Iovec, IovIter } from '../uio.js';

/** `PAGE_SIZE`. */
const PAGE = 4096;
const PROT_RW = 0x1 | 0x2;
/** `GUP_PIN_COUNTING_BIAS` (include/linux/mm.h). */
const GUP_PIN_COUNTING_BIAS = 1024;
/** `MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE`: the kit places its buffers itself. */
const MAP_PRIVATE_ANON_FIXED = 0x02 | 0x20 | 0x100000;
/** `MAP_SHARED | MAP_FIXED_NOREPLACE`. */
const MAP_SHARED_FIXED = 0x01 | 0x100000;
/** Where the kit's buffers start (below the mmap base, above the usual program layout). */
const KIT_MAP_BASE = 0x2000_0000;

/** The parts of an mm address space the kit uses (mm's `MmStruct` has them). */
export interface DioKitMm {
  /** `mmap()`: returns the address or -errno. */
  mmap(addr: number, len: number, prot: number, flags: number, file?: MmapFile, pgoff?: number): number;
  /** `fault_in_writeable()` (optional: enables the writeback case): bytes not faulted in. */
  faultInWriteable?(uaddr: number, size: number): Promise<number>;
  /** `copy_to_user()`: returns bytes not copied. */
  copyToUser(uaddr: number, src: Uint8Array, srcOff: number, len: number): number;
  /** `copy_from_user()`: returns bytes not copied. */
  copyFromUser(dst: Uint8Array, dstOff: number, uaddr: number, len: number): number;
  /** `fork()`: the child's address space. */
  fork(): DioKitMm;
  /** Process exit. */
  exit(): void;
  /** `/proc/<pid>/pagemap` of one address (optional: enables the dirty-before-release check). */
  pagemap?(addr: number): DioKitPagemapEntry | undefined;
}

/** What the kit reads from a pagemap entry. */
export interface DioKitPagemapEntry {
  /** The page mapped. */
  readonly pfn: number;
}

/** How a direct I/O is issued. */
export interface DioIoOpts {
  /** Issue asynchronously (a kiocb with a completion); the promise then settles at completion. */
  readonly async?: boolean;
  /** Called after an async I/O was submitted and before it completes (fork, writeback …). */
  readonly onSubmitted?: () => void | Promise<void>;
}

/**
 * One opened direct-I/O target (a raw device opened `O_DIRECT`, or a file of a filesystem).
 * @remarks The I/O methods only submit: the promise they return settles while the kit runs the machine's
 * virtual time (`scheduler.run()`, repeated until it settles), which a target must not do itself unless it
 * sets `drivesTime`. An async I/O calls `opts.onSubmitted` once it is queued (`-EIOCBQUEUED`), before
 * virtual time runs.
 */
export interface DioTarget {
  /** Bytes usable from offset 0 (reads beyond return short counts). */
  readonly size: number;
  /** Position and length granularity (logical or filesystem block size). */
  readonly blockSize: number;
  /** Memory alignment the target requires (`dma_alignment + 1`). */
  readonly memAlign: number;
  /** Vectored direct read into the process's memory at `pos`: bytes or -errno. */
  preadv(iov: readonly Iovec[], pos: number, opts?: DioIoOpts): Promise<number>;
  /** Vectored direct write from the process's memory at `pos`: bytes or -errno. */
  pwritev(iov: readonly Iovec[], pos: number, opts?: DioIoOpts): Promise<number>;
  /** Direct read into a kernel-backed iterator (BVEC/KVEC), if the target accepts one (optional). */
  readIter?(iter: IovIter, pos: number, opts?: DioIoOpts): Promise<number>;
  /** Direct write from a kernel-backed iterator (optional). */
  writeIter?(iter: IovIter, pos: number, opts?: DioIoOpts): Promise<number>;
  /** Closes it. */
  close(): Promise<void>;
  /**
   * True if the target's I/O promises run virtual time themselves (then the kit only awaits them). By
   * default the kit runs `scheduler.run()` until they settle, and a target must not.
   */
  readonly drivesTime?: boolean;
}

/** A device error to inject: every request covering `sector` fails from that sector on (bytes before it complete). */
export interface DioFault {
  /** First failing sector, in 512-byte units of the target's byte offsets. */
  readonly sector: number;
  /** Fail only once (default true). */
  readonly once?: boolean;
}

/**
 * What a filesystem plugin or device provides to be run through the kit.
 */
export interface DioConformanceTarget {
  /** A name for messages. */
  readonly name: string;
  /**
   * Builds and starts a machine with the stack under test.
   * @param config - `CONFIG_*` values the kit sets (`CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO`), to merge into
   * the stack config
   */
  createMachine(config: Readonly<Record<string, unknown>>): Promise<Machine>;
  /** Creates a process address space (default: mm's `Mm.createMm()`). */
  createMm?(machine: Machine): DioKitMm;
  /** Opens the target for direct I/O on behalf of `mm`. */
  open(machine: Machine, mm: DioKitMm): Promise<DioTarget>;
  /** Makes the device fail I/O (optional; the failed-I/O cases are skipped without it). */
  injectFault?(machine: Machine, fault: DioFault): void;
  /** Allocates `pages` kernel pages for the kernel-backed cases (default: mm's `PhysMem.allocPages`). */
  allocKernelPages?(machine: Machine, pages: number): number[];
}

/** Options of {@link runDioConformance}. */
export interface DioConformanceOptions {
  /** Values of `CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO` to run the matrix under; default `[true, false]`. */
  readonly configs?: readonly boolean[];
  /** Only run cases whose name matches. */
  readonly filter?: RegExp;
  /** Expected pins per case (checked when given, for the pin configuration): case name → acquired count. */
  readonly expectPins?: Readonly<Record<string, number>>;
}

/** The outcome of one case. */
export interface DioCaseResult {
  /** Case name. */
  readonly name: string;
  /** The CONFIG value it ran under. */
  readonly configPin: boolean;
  /** False if it was skipped (target lacks a capability). */
  readonly ran: boolean;
  /** Why it was skipped. */
  readonly skipped?: string;
  /** `nr_foll_pin_acquired` delta. */
  readonly acquired: number;
  /** `nr_foll_pin_released` delta. */
  readonly released: number;
  /** What the I/Os returned. */
  readonly results: readonly number[];
}

/** The outcome of a run. */
export interface DioConformanceReport {
  /** The target's name. */
  readonly target: string;
  /** Every case, in run order. */
  readonly cases: readonly DioCaseResult[];
}

/** One case of the matrix, runnable on its own (one test per case in a test framework). */
export interface DioConformanceCase {
  /** `"<case> [CONFIG=y|n]"`. */
  readonly title: string;
  /** Runs it; throws `AssertionError` on a broken invariant. */
  run(): Promise<DioCaseResult>;
}

// ---- environment ---------------------------------------------------------------------------------

interface CounterLike {
  value: number;
}
interface SanitizerLike {
  readonly enabled?: boolean;
  findings(): readonly { readonly kind: string }[];
}
interface PhysMemLike {
  pageDirty(pfn: number): boolean;
  isZeroPage(pfn: number): boolean;
  allocPages(order: number): number;
  write(paddr: number, src: Uint8Array, srcOff: number, len: number): void;
  read(paddr: number, dst: Uint8Array, dstOff: number, len: number): void;
}
interface MmServiceLike {
  createMm(name?: string): DioKitMm;
}

/** Deterministic test bytes. */
function pattern(seed: number, len: number): Uint8Array {
  const b = new Uint8Array(len);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < len; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    b[i] = x & 0xff;
  }
  return b;
}

class CaseEnv {
  readonly acquired: CounterLike | undefined;
  readonly released: CounterLike | undefined;
  readonly acq0: number;
  readonly rel0: number;
  readonly sanitizer: SanitizerLike | undefined;
  readonly san0: number;
  readonly physMem: PhysMemLike;
  readonly readBufPfns = new Set<number>();
  readonly kernelPfns = new Set<number>();
  readonly dirtyViolations: number[] = [];
  readonly kernelUnpins: number[] = [];
  private readonly subs: { unsubscribe(): void }[] = [];
  readonly results: number[] = [];
  mm!: DioKitMm;
  target!: DioTarget;

  constructor(readonly machine: Machine) {
    this.acquired = machine.counters.get('nr_foll_pin_acquired');
    this.released = machine.counters.get('nr_foll_pin_released');
    this.acq0 = this.acquired?.value ?? 0;
    this.rel0 = this.released?.value ?? 0;
    this.sanitizer = machine.container.get<SanitizerLike>(Symbol.for('stackemu.Sanitizer'), { optional: true });
    this.san0 = this.sanitizer?.findings().length ?? 0;
    this.physMem = machine.get<PhysMemLike>(Symbol.for('stackemu.PhysMem'));
    const unpin = machine.trace.byId('mm:foll_unpin');
    if (unpin !== undefined) {
      this.subs.push(
        unpin.subscribe((e) => {
          const ev = e as {
            readonly pfn: number;
            readonly refs: number;
            readonly refcount: number;
            readonly pincount: number;
          };
          // Still pinned after this unpin (a same_page duplicate dropped, or another I/O's pin)?
          const stillPinned = ev.pincount > 0 || ev.refcount >= GUP_PIN_COUNTING_BIAS;
          for (let k = 0; k < ev.refs; k++) {
            const pfn = ev.pfn + k;
            if (!stillPinned && this.readBufPfns.has(pfn) && !this.physMem.pageDirty(pfn))
              this.dirtyViolations.push(pfn);
            if (this.kernelPfns.has(pfn)) this.kernelUnpins.push(pfn);
          }
        }),
      );
    }
  }

  private nextMap = KIT_MAP_BASE;

  /** Reserves an address range for a mapping the caller makes (a guard page after it). */
  reserve(len: number): number {
    const want = this.nextMap;
    this.nextMap += Math.ceil(len / PAGE) * PAGE + PAGE;
    return want;
  }

  /** Maps `len` bytes of anonymous memory (page aligned, a guard page after each mapping). */
  map(len: number, mm: DioKitMm = this.mm): number {
    const size = Math.ceil(len / PAGE) * PAGE;
    const want = this.reserve(len);
    const a = mm.mmap(want, size, PROT_RW, MAP_PRIVATE_ANON_FIXED);
    assert.equal(a, want, `mmap of ${size} bytes at 0x${want.toString(16)} failed: ${a}`);
    return a;
  }

  /** Maps anonymous memory holding `data`. */
  mapWith(data: Uint8Array): number {
    const a = this.map(data.length);
    this.poke(a, data);
    return a;
  }

  poke(addr: number, data: Uint8Array, mm: DioKitMm = this.mm): void {
    assert.equal(mm.copyToUser(addr, data, 0, data.length), 0, 'copy_to_user of the test buffer faulted');
  }

  peek(addr: number, len: number, mm: DioKitMm = this.mm): Uint8Array {
    const b = new Uint8Array(len);
    assert.equal(mm.copyFromUser(b, 0, addr, len), 0, 'copy_from_user of the test buffer faulted');
    return b;
  }

  /** Records the pages behind a read buffer, for the dirty-before-release check. */
  trackRead(addr: number, len: number): void {
    if (this.mm.pagemap === undefined) return;
    for (let a = addr - (addr % PAGE); a < addr + len; a += PAGE) {
      const e = this.mm.pagemap(a);
      if (e !== undefined && !this.physMem.isZeroPage(e.pfn)) this.readBufPfns.add(e.pfn);
    }
  }

  /**
   * Runs virtual time until `ps` settle (unless the target drives time itself), then returns their values.
   * @throws AssertionError if virtual time goes idle and they still have not settled
   */
  private async drive(ps: readonly Promise<number>[]): Promise<number[]> {
    let pending = ps.length;
    for (const p of ps) {
      void p.then(
        () => pending--,
        () => pending--,
      );
    }
    if (this.target.drivesTime !== true) {
      let idle = 0;
      while (pending > 0 && idle < 3) {
        await new Promise<void>((res) => setImmediate(res));
        if (pending === 0) break;
        const r = await this.machine.scheduler.run();
        idle = r.events === 0 ? idle + 1 : 0;
      }
      assert.equal(pending, 0, 'I/O never completed: virtual time went idle with I/O outstanding');
    }
    return Promise.all(ps);
  }

  /** Runs `p` to completion in virtual time and records its result. */
  async io(p: Promise<number>): Promise<number> {
    const [r] = await this.drive([p]);
    this.results.push(r as number);
    return r as number;
  }

  /** {@link io} for I/Os in flight together. */
  async ioAll(ps: readonly Promise<number>[]): Promise<number[]> {
    const rs = await this.drive(ps);
    this.results.push(...rs);
    return rs;
  }

  async settle(): Promise<void> {
    await this.machine.scheduler.run();
  }

  get dAcquired(): number {
    return (this.acquired?.value ?? 0) - this.acq0;
  }

  get dReleased(): number {
    return (this.released?.value ?? 0) - this.rel0;
  }

  /** Sanitizer finding kinds this case expects (the GUP era's fork case). */
  allowedFindings: readonly string[] = [];

  /** The invariants every case ends with. */
  checkInvariants(name: string, configPin: boolean): void {
    assert.equal(
      this.dAcquired,
      this.dReleased,
      `${name}: pins not balanced at rest (acquired ${this.dAcquired}, released ${this.dReleased})`,
    );
    if (!configPin) assert.equal(this.dAcquired, 0, `${name}: CONFIG off but ${this.dAcquired} pins taken`);
    const findings = (this.sanitizer?.findings().slice(this.san0) ?? []).filter(
      (f) => !this.allowedFindings.includes(f.kind),
    );
    assert.deepEqual(
      findings.map((f) => f.kind),
      [],
      `${name}: sanitizer findings`,
    );
    const blk = this.machine.container.get<{ dioWFindings(): readonly unknown[] }>(BlockLayer, { optional: true });
    assert.deepEqual(blk?.dioWFindings() ?? [], [], `${name}: dio_w patch-3 assertion fired`);
    assert.deepEqual(this.dirtyViolations, [], `${name}: DIO read pages released before being dirtied`);
    const clean = [...this.readBufPfns].filter((p) => !this.physMem.pageDirty(p));
    assert.deepEqual(clean, [], `${name}: DIO read pages left clean`);
    assert.deepEqual(this.kernelUnpins, [], `${name}: kernel-backed pages were unpinned`);
  }

  dispose(): void {
    for (const s of this.subs) s.unsubscribe();
  }
}

// ---- the cases -----------------------------------------------------------------------------------

type CaseBody = (env: CaseEnv, t: DioConformanceTarget, configPin: boolean) => Promise<string | undefined>;

interface CaseDef {
  readonly name: string;
  readonly body: CaseBody;
}

async function writeThenRead(
  env: CaseEnv,
  pos: number,
  len: number,
  wOff: number,
  rOff: number,
  seed: number,
  async = false,
): Promise<void> {
  const f = env.target;
  const data = pattern(seed, len);
  const wbuf = env.map(wOff + len) + wOff;
  env.poke(wbuf, data);
  const w = await env.io(f.pwritev([{ iovBase: wbuf, iovLen: len }], pos, { async }));
  assert.equal(w, len, `write of ${len} at ${pos} returned ${w}`);
  const rbuf = env.map(rOff + len) + rOff;
  env.poke(rbuf, new Uint8Array(len).fill(0xee));
  env.trackRead(rbuf, len);
  const r = await env.io(f.preadv([{ iovBase: rbuf, iovLen: len }], pos, { async }));
  assert.equal(r, len, `read of ${len} at ${pos} returned ${r}`);
  assert.deepEqual(env.peek(rbuf, len), data, 'data read != data written');
}

const CASES: readonly CaseDef[] = [
  {
    name: 'aligned sync write+read 4k',
    body: async (env) => {
      await writeThenRead(env, 0, 4096, 0, 0, 1);
      return undefined;
    },
  },
  {
    name: 'aligned async write+read 4k',
    body: async (env) => {
      await writeThenRead(env, 8192, 4096, 0, 0, 2, true);
      return undefined;
    },
  },
  {
    name: 'unaligned buffer (offset 512) 4k read spans 2 pages',
    body: async (env) => {
      const t = env.target;
      if (t.memAlign > 512 || t.blockSize > 4096) return 'target needs memory alignment above 512';
      await writeThenRead(env, 0, 4096, 512, 512, 3);
      return undefined;
    },
  },
  {
    name: 'misaligned buffer (offset 100) fails -EINVAL',
    body: async (env) => {
      const t = env.target;
      if (t.memAlign <= 4) return 'target accepts byte-aligned memory';
      const buf = env.map(PAGE * 2) + 100;
      const r = await env.io(t.preadv([{ iovBase: buf, iovLen: Math.max(4096, t.blockSize) }], 0));
      assert.equal(r, -EINVAL, `misaligned read returned ${r}`);
      return undefined;
    },
  },
  {
    name: 'vectored: two 2k iovecs in one page',
    body: async (env) => {
      const t = env.target;
      if (t.blockSize > 2048) return 'block size above 2 KiB';
      const data = pattern(4, 4096);
      await env.io(t.pwritev([{ iovBase: env.mapWith(data), iovLen: 4096 }], 0));
      const page = env.map(PAGE);
      env.trackRead(page, PAGE);
      const r = await env.io(
        t.preadv(
          [
            { iovBase: page, iovLen: 2048 },
            { iovBase: page + 2048, iovLen: 2048 },
          ],
          0,
        ),
      );
      assert.equal(r, 4096);
      assert.deepEqual(env.peek(page, 4096), data, 'data read != data written');
      return undefined;
    },
  },
  {
    name: 'vectored: three iovecs in separate pages, sync and async',
    body: async (env) => {
      const t = env.target;
      const bs = Math.max(t.blockSize, 512);
      const lens = [bs, 2 * bs, bs];
      const total = lens.reduce((a, b) => a + b, 0);
      const data = pattern(5, total);
      const src = lens.map(() => env.map(4 * PAGE) + PAGE);
      let off = 0;
      src.forEach((a, k) => {
        env.poke(a, data.subarray(off, off + (lens[k] as number)));
        off += lens[k] as number;
      });
      const w = await env.io(
        t.pwritev(
          src.map((a, k) => ({ iovBase: a, iovLen: lens[k] as number })),
          16 * bs,
          { async: true },
        ),
      );
      assert.equal(w, total);
      const dst = lens.map(() => env.map(4 * PAGE) + 2 * PAGE);
      dst.forEach((a, k) => {
        env.trackRead(a, lens[k] as number);
      });
      const r = await env.io(
        t.preadv(
          dst.map((a, k) => ({ iovBase: a, iovLen: lens[k] as number })),
          16 * bs,
        ),
      );
      assert.equal(r, total);
      off = 0;
      dst.forEach((a, k) => {
        assert.deepEqual(
          env.peek(a, lens[k] as number),
          data.subarray(off, off + (lens[k] as number)),
          `iovec ${k} differs`,
        );
        off += lens[k] as number;
      });
      return undefined;
    },
  },
  {
    name: 'large 1m write+read',
    body: async (env) => {
      if (env.target.size < 2 << 20) return 'target smaller than 2 MiB';
      await writeThenRead(env, 1 << 20, 1 << 20, 0, 0, 6);
      return undefined;
    },
  },
  {
    name: 'many async reads in flight',
    body: async (env) => {
      const t = env.target;
      const len = 4096;
      const n = 8;
      const data = pattern(7, len * n);
      await env.io(t.pwritev([{ iovBase: env.mapWith(data), iovLen: len * n }], 0));
      const bufs = Array.from({ length: n }, () => env.map(len));
      bufs.forEach((b) => {
        env.trackRead(b, len);
      });
      const rs = await env.ioAll(bufs.map((b, k) => t.preadv([{ iovBase: b, iovLen: len }], k * len, { async: true })));
      rs.forEach((r) => {
        assert.equal(r, len);
      });
      bufs.forEach((b, k) => {
        assert.deepEqual(env.peek(b, len), data.subarray(k * len, (k + 1) * len), `read ${k} differs`);
      });
      return undefined;
    },
  },
  {
    name: 'short read at the end',
    body: async (env) => {
      const t = env.target;
      const bs = t.blockSize;
      const pos = t.size - bs;
      const buf = env.map(4 * bs);
      env.trackRead(buf, bs);
      const r = await env.io(t.preadv([{ iovBase: buf, iovLen: 4 * bs }], pos));
      assert.equal(r, bs, `read across the end returned ${r}`);
      return undefined;
    },
  },
  {
    name: 'failed read: device error mid-request',
    body: async (env, target) => {
      if (target.injectFault === undefined) return 'target cannot inject faults';
      const t = env.target;
      target.injectFault(env.machine, { sector: 64 });
      const buf = env.map(65536);
      env.trackRead(buf, 65536);
      const r = await env.io(t.preadv([{ iovBase: buf, iovLen: 65536 }], 0));
      assert.ok(r < 0, `read over a failing sector returned ${r}`);
      return undefined;
    },
  },
  {
    name: 'failed async write: device error mid-request',
    body: async (env, target) => {
      if (target.injectFault === undefined) return 'target cannot inject faults';
      const t = env.target;
      target.injectFault(env.machine, { sector: 200 });
      const buf = env.mapWith(pattern(8, 65536));
      const r = await env.io(t.pwritev([{ iovBase: buf, iovLen: 65536 }], 128 * 512, { async: true }));
      assert.ok(r < 0, `write over a failing sector returned ${r}`);
      return undefined;
    },
  },
  {
    name: 'write from never-touched memory (zero page)',
    body: async (env) => {
      const t = env.target;
      const buf = env.map(65536);
      const w = await env.io(t.pwritev([{ iovBase: buf, iovLen: 65536 }], 0));
      assert.equal(w, 65536);
      const rb = env.map(65536);
      env.trackRead(rb, 65536);
      await env.io(t.preadv([{ iovBase: rb, iovLen: 65536 }], 0));
      assert.deepEqual(env.peek(rb, 65536), new Uint8Array(65536), 'zero-page write did not write zeroes');
      return undefined;
    },
  },
  {
    name: 'async read concurrent with fork',
    body: async (env, _target, configPin) => {
      const t = env.target;
      const len = 2048;
      if (t.blockSize > len) return 'block size above 2 KiB';
      const data = pattern(9, len);
      await env.io(t.pwritev([{ iovBase: env.mapWith(data), iovLen: len }], 0));
      const buf = env.map(PAGE);
      env.poke(buf, new Uint8Array(PAGE).fill(0x11));
      let child: DioKitMm | undefined;
      const r = await env.io(
        t.preadv([{ iovBase: buf, iovLen: len }], 0, {
          async: true,
          onSubmitted: () => {
            child = env.mm.fork();
            // The parent stores into the same page while the read is in flight: a COW break.
            env.poke(buf + 3000, new Uint8Array([0x42]));
          },
        }),
      );
      assert.equal(r, len);
      const got = env.peek(buf, len);
      child?.exit();
      if (configPin) assert.deepEqual(got, data, 'with pins the parent must see the data (fork copies pinned pages)');
      // With FOLL_GET references the COW break strands the reference: the bug FOLL_PIN fixes (spec A12).
      else env.allowedFindings = ['stranded_pin'];
      return undefined;
    },
  },
  {
    name: 'async read into a MAP_SHARED file page cleaned by writeback mid-I/O',
    body: async (env) => {
      const t = env.target;
      const mm = env.mm;
      if (mm.faultInWriteable === undefined) return 'address space cannot fault in file pages';
      const mmSvc = env.machine.container.get<Mm>(Mm, { optional: true });
      if (mmSvc === undefined) return 'no mm service';
      const len = 4 * PAGE;
      const data = pattern(11, len);
      const w = await env.io(t.pwritev([{ iovBase: env.mapWith(data), iovLen: len }], 0));
      assert.equal(w, len);
      const mapping: AddressSpace = mmSvc.createAddressSpace(
        { readFolio: () => Promise.resolve(0), writepages: () => Promise.resolve(0) },
        'dio-conformance-file',
        { size: () => len },
      );
      const addr = env.reserve(len);
      const a = mm.mmap(addr, len, PROT_RW, MAP_SHARED_FIXED, { mapping }, 0);
      assert.equal(a, addr, `mmap of a shared file mapping failed: ${a}`);
      assert.equal(await env.io(mm.faultInWriteable(addr, len)), 0, 'fault_in_writeable of the file mapping failed');
      env.trackRead(addr, len);
      const pfns = [...env.readBufPfns];
      const r = await env.io(
        t.preadv([{ iovBase: addr, iovLen: len }], 0, {
          async: true,
          onSubmitted: () => {
            // Writeback cleans the (pre-dirtied) pages while the device DMAs into them.
            for (const pfn of pfns) {
              if (folioClearDirtyForIo(mapping, pfn)) {
                folioStartWriteback(mapping, pfn);
                folioEndWriteback(mapping, pfn);
              }
            }
          },
        }),
      );
      assert.equal(r, len);
      assert.deepEqual(env.peek(addr, len), data, 'data read != data written');
      return undefined;
    },
  },
  {
    name: 'kernel-backed (BVEC) read and write take no pins',
    body: async (env, target) => {
      const t = env.target;
      if (t.readIter === undefined || t.writeIter === undefined) return 'target takes only user memory';
      const pages = (target.allocKernelPages ?? defaultAllocKernelPages)(env.machine, 2);
      for (const p of pages) env.kernelPfns.add(p);
      const data = pattern(10, 2 * PAGE);
      env.physMem.write((pages[0] as number) * PAGE, data, 0, PAGE);
      env.physMem.write((pages[1] as number) * PAGE, data, PAGE, PAGE);
      const bv = pages.map((p) => ({ bvPage: p, bvLen: PAGE, bvOffset: 0 }));
      const w = await env.io(t.writeIter(iovIterBvec(1, bv, 2, 2 * PAGE), 0));
      assert.equal(w, 2 * PAGE);
      const rbuf = env.map(2 * PAGE);
      env.trackRead(rbuf, 2 * PAGE);
      const r = await env.io(t.preadv([{ iovBase: rbuf, iovLen: 2 * PAGE }], 0));
      assert.equal(r, 2 * PAGE);
      assert.deepEqual(env.peek(rbuf, 2 * PAGE), data, 'data written from kernel pages differs');
      const before = env.dAcquired;
      const rb = await env.io(t.readIter(iovIterBvec(0, bv, 2, 2 * PAGE), 0, { async: true }));
      assert.equal(rb, 2 * PAGE);
      assert.equal(env.dAcquired, before, 'a BVEC read took pins');
      return undefined;
    },
  },
];

function defaultAllocKernelPages(m: Machine, n: number): number[] {
  const pm = m.get<PhysMemLike>(Symbol.for('stackemu.PhysMem'));
  const out: number[] = [];
  for (let k = 0; k < n; k++) {
    const p = pm.allocPages(0);
    assert.ok(p >= 0, 'alloc_pages failed');
    out.push(p);
  }
  return out;
}

/**
 * The matrix as separate cases, for one test per case.
 * @param target - the target
 * @param opts - options
 * @returns the cases, under each CONFIG value
 */
export function dioConformanceCases(
  target: DioConformanceTarget,
  opts: DioConformanceOptions = {},
): DioConformanceCase[] {
  const out: DioConformanceCase[] = [];
  for (const configPin of opts.configs ?? [true, false]) {
    for (const c of CASES) {
      if (opts.filter !== undefined && !opts.filter.test(c.name)) continue;
      out.push({
        title: `${c.name} [CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO=${configPin ? 'y' : 'n'}]`,
        run: () => runCase(target, c, configPin, opts),
      });
    }
  }
  return out;
}

async function runCase(
  target: DioConformanceTarget,
  c: CaseDef,
  configPin: boolean,
  opts: DioConformanceOptions,
): Promise<DioCaseResult> {
  const machine = await target.createMachine({ CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO: configPin });
  const env = new CaseEnv(machine);
  try {
    env.mm =
      target.createMm?.(machine) ?? machine.get<MmServiceLike>(Symbol.for('stackemu.Mm')).createMm('dio-conformance');
    env.target = await target.open(machine, env.mm);
    const skipped = await c.body(env, target, configPin);
    await env.target.close();
    await env.settle();
    if (skipped !== undefined) {
      return {
        name: c.name,
        configPin,
        ran: false,
        skipped,
        acquired: env.dAcquired,
        released: env.dReleased,
        results: env.results,
      };
    }
    env.checkInvariants(`${target.name}: ${c.name}`, configPin);
    const want = opts.expectPins?.[c.name];
    if (want !== undefined && configPin) {
      assert.equal(env.dAcquired, want, `${target.name}: ${c.name}: expected ${want} pins, got ${env.dAcquired}`);
    }
    env.mm.exit();
    return {
      name: c.name,
      configPin,
      ran: true,
      acquired: env.dAcquired,
      released: env.dReleased,
      results: env.results,
    };
  } finally {
    env.dispose();
    await machine.stop();
  }
}

/**
 * Runs a direct-I/O target through the conformance matrix and checks, for every case, at rest: pins
 * balanced (`nr_foll_pin_acquired` == `nr_foll_pin_released`, and both unchanged with the CONFIG off),
 * no sanitizer finding, no `dio_w` patch-3 finding, data read == data written, every DIO read page dirty
 * before its pin is released, no kernel-backed page unpinned.
 *
 * @param target - the target description
 * @param opts - CONFIG values, a case filter, expected pin counts
 * @returns what each case did
 * @throws AssertionError (node:assert) at the first broken invariant, naming the target and case
 * @remarks Cases: aligned and unaligned buffers, misaligned memory, single and vectored, sync and async,
 * large, many in flight, short (end of target), failed (device error injected mid-request, read and
 * async write), zero-page writes, an async read concurrent with fork, an async read into a shared file
 * mapping whose pages writeback cleans mid-I/O (`bio_check_pages_dirty()` must defer and re-dirty),
 * kernel-backed (BVEC) iterators.
 * Each case runs on a fresh machine from `target.createMachine`.
 */
export async function runDioConformance(
  target: DioConformanceTarget,
  opts: DioConformanceOptions = {},
): Promise<DioConformanceReport> {
  const cases: DioCaseResult[] = [];
  for (const c of dioConformanceCases(target, opts)) cases.push(await c.run());
  return { target: target.name, cases };
}
