import { expect } from 'chai';
import type { Machine } from '@stackemu/core';
import { bioAlloc, bioAddPage, bioPut, submitBio, REQ_OP_READ, type Bio, type BlockDevice } from '@stackemu/block';
import { DEFAULT_SSD_TIMING, SsdTimingModel, TIMING_READ, type SsdTimingParams } from '@stackemu/devices';
import { bdevOf, kpages, machineWith } from '../helpers/machine.js';

/** Closed loop on the model alone: QD commands, each resubmitted at its completion. */
function closedLoop(
  p: SsdTimingParams,
  qd: number,
  total: number,
  size = 4096,
  seq = true,
): { x: number; r: number; maxOut: number } {
  const m = new SsdTimingModel(p);
  // A tiny event list: (time, slot)
  const done: number[] = [];
  let next = 0;
  let lat = 0;
  let n = 0;
  let tStart = 0;
  const warm = qd * 4;
  const at = new Float64Array(qd);
  const submitted = new Float64Array(qd);
  for (let i = 0; i < qd; i++) {
    submitted[i] = 0;
    at[i] = m.service(TIMING_READ, seq ? (next++ * size) % (1 << 30) : 0, size, 0);
  }
  for (;;) {
    let k = 0;
    for (let i = 1; i < qd; i++) if ((at[i] as number) < (at[k] as number)) k = i;
    const t = at[k] as number;
    n++;
    if (n === warm) tStart = t;
    if (n > warm) lat += t - (submitted[k] as number);
    if (n === warm + total) return { x: total / ((t - tStart) / 1e9), r: lat / total, maxOut: qd };
    submitted[k] = t;
    at[k] = m.service(TIMING_READ, (next++ * size) % (1 << 30), size, t);
    done.push(t);
  }
}

describe('SsdTimingModel', () => {
  it('AS-T1: 4 KiB read at QD 1 takes 59.40 µs: 16 835 IOPS', () => {
    const m = new SsdTimingModel();
    expect(m.service(TIMING_READ, 0, 4096, 0)).to.equal(59_400);
    const r = closedLoop(DEFAULT_SSD_TIMING, 1, 1000);
    expect(r.r).to.equal(59_400);
    expect(Math.abs(r.x - 16_835)).to.be.below(1);
  });

  it('AS-T2/T3: below the knee R = L1; saturated X = N/(t_media + U/B_unit)', () => {
    const p = { ...DEFAULT_SSD_TIMING, linkBytesPerNs: 0 };
    const a = closedLoop(p, 16, 5000);
    expect(a.r).to.be.closeTo(58_120, 0.01);
    expect(a.x).to.be.closeTo(275_292, 275_292 * 0.005);
    const b = closedLoop(p, 128, 20000);
    expect(b.x).to.be.closeTo(580_552, 580_552 * 0.005);
    expect(b.r).to.be.closeTo(220_480, 220_480 * 0.005);
  });

  it('AS-T4: the controller CPU caps throughput at 1/t_ctrl', () => {
    const r = closedLoop({ ...DEFAULT_SSD_TIMING, ctrlNs: 4000 }, 256, 20000);
    expect(r.x).to.be.at.most(250_000 * 1.0001);
    expect(r.x).to.be.closeTo(250_000, 2500);
  });

  it('AS-T5: 1 MiB reads are bound by the link at 1.0 B/ns, by the units at 3.2 B/ns', () => {
    const a = closedLoop({ ...DEFAULT_SSD_TIMING, linkBytesPerNs: 1.0 }, 8, 400, 1 << 20);
    expect(a.x).to.be.closeTo(1e9 / 2 ** 20, (1e9 / 2 ** 20) * 0.01);
    const b = closedLoop(DEFAULT_SSD_TIMING, 8, 400, 1 << 20);
    expect(b.x).to.be.closeTo(32 / (256 * 55_120e-9), 2268 * 0.02);
  });

  it('AS-T6: identical inputs give identical completion times', () => {
    const run = (): number[] => {
      const m = new SsdTimingModel();
      return Array.from({ length: 500 }, (_, i) => m.service(TIMING_READ, ((i * 7919) % 4096) * 4096, 4096, i * 100));
    };
    expect(run()).to.deep.equal(run());
  });
});

/**
 * A closed loop through the whole stack on nvme0n1: `qd` bios in flight, each resubmitted from its completion
 * (zero think time), sequential 4 KiB reads.
 */
async function stackLoop(
  m: Machine,
  bdev: BlockDevice,
  qd: number,
  total: number,
): Promise<{ x: number; r: number; maxInFlight: number }> {
  const pages = kpages(m, qd);
  const sched = m.scheduler;
  let next = 0;
  let completed = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const warm = qd * 8;
  let t0 = 0;
  let latSum = 0;
  let t1 = 0;
  let finish!: () => void;
  const finished = new Promise<void>((res) => (finish = res));
  const submitted = new Map<Bio, number>();
  const issue = (slot: number): void => {
    const bio = bioAlloc(bdev, 1, REQ_OP_READ);
    bio.biIter.biSector = (next++ * 8) % (1 << 20);
    bioAddPage(bio, pages[slot] as number, 4096, 0);
    bio.biPrivate = slot;
    bio.biEndIo = (b: Bio) => {
      inFlight--;
      completed++;
      const t = sched.now();
      if (completed === warm) t0 = t;
      if (completed > warm) latSum += t - (submitted.get(b) as number);
      submitted.delete(b);
      const s = b.biPrivate as number;
      bioPut(b);
      if (completed === warm + total) {
        t1 = t;
        finish();
        return;
      }
      if (completed < warm + total - inFlight) issue(s);
    };
    submitted.set(bio, sched.now());
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    submitBio(bio);
  };
  for (let i = 0; i < qd; i++) issue(i);
  const st = { done: false };
  void finished.then(() => (st.done = true));
  while (!st.done) await sched.run({ maxEvents: 5000 });
  return { x: total / ((t1 - t0) / 1e9), r: latSum / total, maxInFlight };
}

describe("SSD timing through the stack (nvme0n1, Little's law)", () => {
  for (const qd of [1, 4, 32]) {
    it(`QD ${qd}: simulated IOPS within 2 % of X = QD / L1 (and of QD / R measured)`, async () => {
      const m = await machineWith([{ name: 'nvme', params: { capacity: '1g', queues: 1 } }]);
      const bdev = bdevOf(m, 'nvme0n1');
      const total = qd === 32 ? 6000 : 1500;
      const r = await stackLoop(m, bdev, qd, total);
      const p = DEFAULT_SSD_TIMING;
      const L1 = p.fixedNs + p.readNs + 4096 / p.unitBytesPerNs + 4096 / p.linkBytesPerNs + p.completionNs;
      const xMax = Math.min((p.linkBytesPerNs * 1e9) / 4096, (p.units * 1e9) / (p.readNs + 4096 / p.unitBytesPerNs));
      const formula = Math.min((qd * 1e9) / L1, xMax);
      expect(r.maxInFlight).to.equal(qd);
      expect(Math.abs(r.x - formula) / formula, `X ${r.x.toFixed(0)} vs ${formula.toFixed(0)}`).to.be.below(0.02);
      const little = (qd * 1e9) / r.r;
      expect(Math.abs(r.x - little) / little, `X ${r.x.toFixed(0)} vs QD/R ${little.toFixed(0)}`).to.be.below(0.02);
      await m.stop();
    }).timeout(60000);
  }
});
