import { expect } from 'chai';
import { blkdevIssueFlush, REQ_OP_READ, REQ_OP_WRITE } from '@stackemu/block';
import { EIO, ENODATA } from '@stackemu/core';
import { NvmeDevices, NVME_SC_INTERNAL, NVME_STATUS_DNR, type NvmeController } from '@stackemu/devices';
import type { Machine } from '@stackemu/core';
import {
  bdevOf,
  bioIo,
  dioAsync,
  fillPages,
  kpages,
  machineWith,
  newMm,
  readPages,
  runAll,
  ubytes,
  umap,
} from '../../helpers/machine.js';

function ctrlOf(m: Machine): NvmeController {
  const c = m.get<NvmeDevices>(NvmeDevices).controllers[0];
  if (c === undefined) throw new Error('no controller');
  return c;
}

function sanitizerFindings(m: Machine): string[] {
  return m
    .get<{ findings(): readonly { kind: string }[] }>(Symbol.for('stackemu.Sanitizer'))
    .findings()
    .map((f) => f.kind);
}

describe('nvme-pci error handling', () => {
  it('a media error completes with BLK_STS_MEDIUM (-ENODATA) without retries; a rewrite clears it', async () => {
    const m = await machineWith([
      { name: 'nvme', params: { capacity: '64m', faults: [{ type: 'media_error', lba: 100 }] } },
    ]);
    const b = bdevOf(m, 'nvme0n1');
    const c = ctrlOf(m);
    const p = kpages(m, 1);
    expect(await bioIo(m, b, REQ_OP_READ, 96, p)).to.equal(-ENODATA);
    expect(c.host.retried).to.equal(0);
    expect(await bioIo(m, b, REQ_OP_WRITE, 96, p)).to.equal(0);
    expect(await bioIo(m, b, REQ_OP_READ, 96, p)).to.equal(0);
    await m.stop();
  });

  it('AS-N12: a transient Internal Error is retried once and succeeds; with DNR it fails with -EIO', async () => {
    const m = await machineWith([{ name: 'nvme', params: { capacity: '64m' } }]);
    const b = bdevOf(m, 'nvme0n1');
    const c = ctrlOf(m);
    const p = kpages(m, 1);
    c.hw.injectStatus(NVME_SC_INTERNAL, 1);
    expect(await bioIo(m, b, REQ_OP_READ, 0, p)).to.equal(0);
    expect(c.host.retried).to.equal(1);
    c.hw.injectStatus(NVME_SC_INTERNAL | NVME_STATUS_DNR, 1);
    expect(await bioIo(m, b, REQ_OP_READ, 0, p)).to.equal(-EIO);
    expect(c.host.retried).to.equal(1);
    // Without DNR, a persistent error is retried max_retries times, then fails.
    c.hw.injectStatus(NVME_SC_INTERNAL, 100);
    expect(await bioIo(m, b, REQ_OP_READ, 0, p)).to.equal(-EIO);
    expect(c.host.retried).to.equal(6);
    await m.stop();
  });

  it('AS-N13 A: a stuck read times out, is aborted (0/07h) and retried', async () => {
    const m = await machineWith([{ name: 'nvme', params: { capacity: '64m', io_timeout_ms: 30000 } }]);
    const b = bdevOf(m, 'nvme0n1');
    const c = ctrlOf(m);
    const p = kpages(m, 1);
    c.hw.injectTimeout(1, 0x02);
    const t0 = m.scheduler.now();
    expect(await bioIo(m, b, REQ_OP_READ, 0, p)).to.equal(0);
    expect(m.scheduler.now() - t0).to.be.at.least(30e9);
    expect(c.host.abortsSent).to.equal(1);
    expect(c.host.resets).to.equal(0);
    expect(c.host.retried).to.equal(1);
    await m.stop();
  });

  it('AS-N13 B: when the abort is ignored, the second expiry resets the controller and the read succeeds', async () => {
    const m = await machineWith([{ name: 'nvme', params: { capacity: '64m', honour_abort: false } }]);
    const b = bdevOf(m, 'nvme0n1');
    const c = ctrlOf(m);
    const p = kpages(m, 1);
    const w = kpages(m, 1);
    fillPages(m, w, () => 0x5c);
    expect(await bioIo(m, b, REQ_OP_WRITE, 8, w)).to.equal(0);
    c.hw.injectTimeout(1, 0x02);
    const t0 = m.scheduler.now();
    expect(await bioIo(m, b, REQ_OP_READ, 8, p)).to.equal(0);
    expect(m.scheduler.now() - t0).to.be.at.least(60e9);
    expect(c.host.resets).to.equal(1);
    expect(c.host.state).to.equal('LIVE');
    expect(readPages(m, p)).to.deep.equal(readPages(m, w));
    await m.stop();
  });

  it('F-N6 / AS-N14: a fatal controller is reset at the first timeout, without an abort', async () => {
    const m = await machineWith([{ name: 'nvme', params: { capacity: '64m' } }]);
    const b = bdevOf(m, 'nvme0n1');
    const c = ctrlOf(m);
    const p = kpages(m, 1);
    c.hw.injectTimeout(1);
    m.scheduler.schedule(1e6, () => {
      c.hw.injectFatal();
    });
    expect(await bioIo(m, b, REQ_OP_READ, 0, p)).to.equal(0);
    expect(c.host.abortsSent).to.equal(0);
    expect(c.host.resets).to.equal(1);
    await m.stop();
  });

  it('F-N2: a lost interrupt is found by the timeout handler polling the CQ', async () => {
    const m = await machineWith([{ name: 'nvme', params: { capacity: '64m', io_timeout_ms: 1000 } }]);
    const b = bdevOf(m, 'nvme0n1');
    const c = ctrlOf(m);
    c.hw.injectLostInterrupt(1);
    const t0 = m.scheduler.now();
    expect(await bioIo(m, b, REQ_OP_READ, 0, kpages(m, 1))).to.equal(0);
    expect(m.scheduler.now() - t0).to.be.at.least(1e9);
    expect(c.host.abortsSent + c.host.resets).to.equal(0);
    await m.stop();
  });

  it('F-N8: a duplicate CQE is dropped by the generation check', async () => {
    const m = await machineWith([{ name: 'nvme', params: { capacity: '64m' } }]);
    const b = bdevOf(m, 'nvme0n1');
    const c = ctrlOf(m);
    c.hw.injectDuplicateCqe(1);
    expect(await bioIo(m, b, REQ_OP_READ, 0, kpages(m, 1))).to.equal(0);
    expect(await bioIo(m, b, REQ_OP_READ, 0, kpages(m, 1))).to.equal(0);
    expect(c.host.badCqes).to.equal(1);
    await m.stop();
  });

  it('F-N9 / AS-N16: with a volatile cache, unflushed writes are lost at power loss, flushed ones survive', async () => {
    const m = await machineWith([{ name: 'nvme', params: { capacity: '64m', vwc: true } }]);
    const b = bdevOf(m, 'nvme0n1');
    const c = ctrlOf(m);
    const w = kpages(m, 1);
    fillPages(m, w, () => 0x11);
    expect(await bioIo(m, b, REQ_OP_WRITE, 0, w)).to.equal(0);
    c.hw.injectPowerLoss();
    const r = kpages(m, 1);
    expect(await bioIo(m, b, REQ_OP_READ, 0, r)).to.equal(0);
    expect(readPages(m, r)[0]).to.equal(0);
    expect(await bioIo(m, b, REQ_OP_WRITE, 0, w)).to.equal(0);
    expect(await runAll(m, [blkdevIssueFlush(b)])).to.deep.equal([0]);
    c.hw.injectPowerLoss();
    expect(await bioIo(m, b, REQ_OP_READ, 0, r)).to.equal(0);
    expect(readPages(m, r)[0]).to.equal(0x11);
    await m.stop();
  });

  it('a controller reset with 32 direct I/Os in flight loses no request and leaks no pin', async () => {
    const m = await machineWith([{ name: 'nvme', params: { capacity: '64m', queues: 1 } }]);
    const b = bdevOf(m, 'nvme0n1');
    const c = ctrlOf(m);
    const mm = newMm(m);
    const src = umap(mm, 32 * 8192, (i) => (i * 7) & 0xff);
    const w = await runAll(
      m,
      Array.from({ length: 32 }, (_, k) => dioAsync(m, b, mm, true, src + k * 8192, 8192, k * 8192)),
    );
    expect(w).to.deep.equal(new Array(32).fill(8192));
    const dst = umap(mm, 32 * 8192);
    const acq = m.counters.get('nr_foll_pin_acquired')?.value ?? 0;
    const ps = Array.from({ length: 32 }, (_, k) => dioAsync(m, b, mm, false, dst + k * 8192, 8192, k * 8192));
    // Reset 10 µs in: every read is in flight (59 µs service time).
    m.scheduler.schedule(10_000, () => {
      c.inject({ type: 'controller_reset', atNs: 0 });
    });
    const r = await runAll(m, ps);
    expect(r).to.deep.equal(new Array(32).fill(8192));
    expect(c.host.resets).to.equal(1);
    // Every request in flight (the plug may have merged neighbours) was cancelled and retried once.
    expect(c.host.retried).to.be.greaterThan(15);
    expect(ubytes(mm, dst, 32 * 8192)).to.deep.equal(ubytes(mm, src, 32 * 8192));
    const acq2 = (m.counters.get('nr_foll_pin_acquired')?.value ?? 0) - acq;
    expect(acq2).to.be.greaterThan(0);
    expect(m.counters.get('nr_foll_pin_acquired')?.value).to.equal(m.counters.get('nr_foll_pin_released')?.value);
    expect(sanitizerFindings(m)).to.deep.equal([]);
    mm.exit();
    await m.stop();
  });
});
