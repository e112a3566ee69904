import { expect } from 'chai';
import { REQ_OP_READ, REQ_OP_WRITE } from '@stackemu/block';
import { bdevOf, bioIo, fillPages, kpages, machineWith, readPages } from '../helpers/machine.js';

describe('null_blk', () => {
  it('registers nullb0 (250 GiB by default) and completes after completion_nsec in timer mode', async () => {
    const m = await machineWith([{ name: 'null_blk', params: { irqmode: 2, completion_nsec: 25000 } }]);
    const b = bdevOf(m, 'nullb0');
    expect(b.bdNrSectors).to.equal((250 * 2 ** 30) / 512);
    const p = kpages(m, 1);
    fillPages(m, p, () => 0x77);
    const t0 = m.scheduler.now();
    expect(await bioIo(m, b, REQ_OP_READ, 0, p)).to.equal(0);
    expect(m.scheduler.now() - t0).to.equal(25000);
    // No data is moved without memory backing.
    expect(readPages(m, p)[0]).to.equal(0x77);
    await m.stop();
  });

  it('memory_backed stores data; irqmode 0 completes inline, 1 at zero delay', async () => {
    for (const irqmode of [0, 1]) {
      const m = await machineWith([
        { name: 'null_blk', params: { irqmode, memory_backed: true, size: '64m', nr_devices: 2 } },
      ]);
      const b = bdevOf(m, 'nullb1');
      const w = kpages(m, 2);
      fillPages(m, w, (pg, i) => (pg + i * 3) & 0xff);
      const t0 = m.scheduler.now();
      expect(await bioIo(m, b, REQ_OP_WRITE, 16, w)).to.equal(0);
      const r = kpages(m, 2);
      expect(await bioIo(m, b, REQ_OP_READ, 16, r)).to.equal(0);
      expect(m.scheduler.now()).to.equal(t0);
      expect(readPages(m, r)).to.deep.equal(readPages(m, w));
      await m.stop();
    }
  });

  it('refuses the bio-based queue mode with a clear error', async () => {
    let err: unknown;
    try {
      await machineWith([{ name: 'null_blk', params: { queue_mode: 0 } }]);
    } catch (e) {
      err = e;
    }
    expect(String((err as { cause?: unknown }).cause ?? err)).to.match(/queue_mode=0 .* not supported/);
  });
});
