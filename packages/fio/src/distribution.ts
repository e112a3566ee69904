/**
 * Non-uniform random offsets (`lib/zipf.c`, `lib/gauss.c`): `random_distribution=zipf`, `pareto`, `normal`.
 * @packageDocumentation
 */
import type { FioFile } from './fio-file.js';
import { FRAND32_MAX, FrandState } from './rand.js';
import type { ThreadData } from './thread-data.js';

const ZIPF_MAX_GEN = 10_000_000;
const GOLDEN_RATIO_64 = 0x61c8864680b583ebn;

/** `__hash_u64()` (hash.h). */
function hashU64(v: number): bigint {
  return BigInt.asUintN(64, BigInt(v) * GOLDEN_RATIO_64);
}

/** FNV-1a of a file name: the per-file seed (fio uses jhash; any fixed hash gives repeatable runs). */
function nameHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

interface DistState {
  readonly rand: FrandState;
  readonly nranges: number;
  readonly randOff: number;
  next(): number;
}

/**
 * Models `__init_rand_distribution()` (filesetup.c) with `zipf_init()`/`pareto_init()` (lib/zipf.c) and
 * `gauss_init()` (lib/gauss.c): one generator per file over `min_bs` ranges.
 * @returns the block generator the offset code calls
 */
export function makeDistribution(td: ThreadData): (f: FioFile, lastb: number) => number {
  const states = new Map<FioFile, DistState>();
  const o = td.o;
  const make = (f: FioFile): DistState => {
    const rangeSize = Math.min(o.minBs[0], o.minBs[1]);
    const fsize = Math.min(f.realFileSize, f.ioSize);
    const nranges = Math.max(1, Math.ceil(fsize / rangeSize));
    const seed = o.randRepeatable
      ? Math.imul(nameHash(f.fileName), td.threadNumber) >>> 0
      : Number((td.randSeeds[6] ?? 0n) & 0xffffffffn);
    const rand = new FrandState(seed);
    const center = o.randomCenter;
    const off0 = rand.rand32();
    if (o.randomDistribution === 'normal') {
      let stddev = 0;
      if (o.gaussDev !== 0) stddev = Math.min(Math.ceil((nranges * o.gaussDev) / 100), Math.trunc(nranges / 2));
      const randOff = Math.trunc(nranges * (center - 0.5));
      return {
        rand,
        nranges,
        randOff,
        next() {
          let sum = 0;
          for (let i = 0; i < 12; i++) sum += rand.rand32() % (nranges + 1);
          sum = Math.trunc((sum + 11) / 12);
          if (stddev !== 0) {
            let dev = Math.trunc(stddev * (rand.rand32() / (FRAND32_MAX + 1))) - Math.trunc(stddev / 2);
            while (dev + sum >= nranges) dev = Math.trunc(dev / 2);
            sum += dev;
          }
          return Number((hashU64(sum) + BigInt(randOff + nranges)) % BigInt(nranges));
        },
      };
    }
    const randOff = center !== 0 ? Math.trunc(nranges * center) : off0;
    if (o.randomDistribution === 'pareto') {
      const pow = Math.log(o.paretoH) / Math.log(1 - o.paretoH);
      return {
        rand,
        nranges,
        randOff,
        next() {
          const r = rand.rand32() / FRAND32_MAX;
          const n = Math.trunc((nranges - 1) * r ** pow);
          return Number((hashU64(n) + BigInt(randOff)) % BigInt(nranges));
        },
      };
    }
    const theta = o.zipfTheta;
    const zeta2 = 1 + 0.5 ** theta;
    let zetan = 0;
    const toGen = Math.min(nranges, ZIPF_MAX_GEN);
    for (let i = 0; i < toGen; i++) zetan += (1 / (i + 1)) ** theta;
    return {
      rand,
      nranges,
      randOff,
      next() {
        const n = nranges;
        const alpha = 1 / (1 - theta);
        const eta = (1 - (2 / n) ** (1 - theta)) / (1 - zeta2 / zetan);
        const u = rand.rand32() / FRAND32_MAX;
        const z = u * zetan;
        let val: number;
        if (z < 1) val = 1;
        else if (z < 1 + 0.5 ** theta) val = 2;
        else val = 1 + Math.trunc(n * (eta * u - eta + 1) ** alpha);
        val--;
        return Number((hashU64(val) + BigInt(randOff)) % BigInt(nranges));
      },
    };
  };
  return (f, lastb) => {
    let s = states.get(f);
    if (s === undefined) {
      s = make(f);
      states.set(f, s);
    }
    const b = s.next();
    return b < lastb ? b : b % Math.max(1, lastb);
  };
}
