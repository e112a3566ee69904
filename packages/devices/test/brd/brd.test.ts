import { expect } from 'chai';
import { REQ_OP_READ, REQ_OP_WRITE } from '@stackemu/block';
import { RamdiskDevices, type Brd } from '@stackemu/devices';
import { bdevOf, bioIo, fillPages, kpages, machineWith, readPages } from '../helpers/machine.js';

describe('ramdisk (brd)', () => {
  it('registers ram0/ram1 of rd_size KiB, allocates pages on write, reads zeros elsewhere', async () => {
    const m = await machineWith([{ name: 'ramdisk', params: { rd_nr: 2, rd_size: 65536 } }]);
    const b = bdevOf(m, 'ram1');
    expect(b.bdNrSectors).to.equal(65536 * 2);
    const d = m.get<Brd[]>(RamdiskDevices)[1];
    expect(d?.media.allocatedBytes).to.equal(0);
    const w = kpages(m, 3);
    fillPages(m, w, (p, i) => (p * 5 + i) & 0xff);
    expect(await bioIo(m, b, REQ_OP_WRITE, 8, w)).to.equal(0);
    expect(d?.media.allocatedBytes).to.equal(3 * 4096);
    const r = kpages(m, 4);
    expect(await bioIo(m, b, REQ_OP_READ, 8, r)).to.equal(0);
    expect(readPages(m, r.slice(0, 3))).to.deep.equal(readPages(m, w));
    expect(readPages(m, r.slice(3)).every((x) => x === 0)).to.equal(true);
    await m.stop();
  });
});
