import { expect } from 'chai';
import { REQ_OP_READ, REQ_OP_WRITE } from '@stackemu/block';
import { EIO } from '@stackemu/core';
import { VirtioBlkDevices, type VirtioBlkInstance } from '@stackemu/devices';
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
  umap,
} from '../../helpers/machine.js';

function vblk(m: Machine): VirtioBlkInstance {
  const d = m.get<VirtioBlkDevices>(VirtioBlkDevices).devices[0];
  if (d === undefined) throw new Error('no virtio-blk');
  return d;
}

describe('virtio_blk driver', () => {
  it('probes vda with capacity, limits and negotiated features, and moves real bytes', async () => {
    const m = await machineWith([{ name: 'virtio-blk', params: { capacity: '128m' } }]);
    const b = bdevOf(m, 'vda');
    expect(b.bdNrSectors).to.equal((128 << 20) / 512);
    expect(b.bdQueue.limits.maxSegments).to.equal(254);
    const d = vblk(m);
    expect(d.host.vqs[0]?.indirect).to.equal(true);
    expect(d.host.vqs[0]?.eventIdx).to.equal(true);
    const w = kpages(m, 3);
    fillPages(m, w, (p, i) => (p + i) & 0xff);
    expect(await bioIo(m, b, REQ_OP_WRITE, 64, w)).to.equal(0);
    const r = kpages(m, 3);
    expect(await bioIo(m, b, REQ_OP_READ, 64, r)).to.equal(0);
    expect(readPages(m, r)).to.deep.equal(readPages(m, w));
    await m.stop();
  });

  it('AS-V12: Q = 4 without indirect: depth 2, the ring fills, the hw queue stops and restarts; all succeed', async () => {
    const m = await machineWith([
      { name: 'virtio-blk', params: { capacity: '16m', queue_size: 4, indirect_desc: false } },
    ]);
    const b = bdevOf(m, 'vda');
    expect(vblk(m).host.tagSet?.queueDepth).to.equal(2);
    const mm = newMm(m);
    let requeued = 0;
    const sub = m.trace.byId('block:block_rq_requeue')?.subscribe(() => requeued++);
    // Every request needs hdr + data + status = 3 of the 4 descriptors: the second finds the ring full.
    const bufs = [umap(mm, 4096), umap(mm, 4096), umap(mm, 4096)];
    const r = await runAll(
      m,
      bufs.map((a, k) => dioAsync(m, b, mm, false, a, 4096, k * 65536)),
    );
    sub?.unsubscribe();
    expect(r).to.deep.equal([4096, 4096, 4096]);
    expect(requeued).to.be.greaterThan(0);
    mm.exit();
    await m.stop();
  });

  it('AS-V13: num_queues 4 on 2 CPUs gives 2 virtqueues', async () => {
    const m = await machineWith([{ name: 'virtio-blk', params: { capacity: '16m', num_queues: 4 } }], { cpus: 2 });
    expect(vblk(m).host.vqs).to.have.length(2);
    expect(bdevOf(m, 'vda').bdQueue.nrHwQueues).to.equal(2);
    await m.stop();
  });

  it('a media error fails the read with -EIO; a read-only disk refuses writes', async () => {
    const m = await machineWith([
      { name: 'virtio-blk', params: { capacity: '16m', faults: [{ type: 'media_error', lba: 10 }] } },
    ]);
    const b = bdevOf(m, 'vda');
    expect(await bioIo(m, b, REQ_OP_READ, 8, kpages(m, 1))).to.equal(-EIO);
    expect(await bioIo(m, b, REQ_OP_READ, 16, kpages(m, 1))).to.equal(0);
    await m.stop();
    const ro = await machineWith([{ name: 'virtio-blk', params: { capacity: '16m', read_only: true } }]);
    expect(bdevOf(ro, 'vda').bdReadOnly).to.equal(true);
    await ro.stop();
  });

  it('DEVICE_NEEDS_RESET: in-flight I/O hangs (no timeout handler) until removal fails it with -EIO, pins released', async () => {
    const m = await machineWith([{ name: 'virtio-blk', params: { capacity: '16m' } }]);
    const b = bdevOf(m, 'vda');
    const mm = newMm(m);
    const a = umap(mm, 4096);
    let res: number | undefined;
    void dioAsync(m, b, mm, false, a, 4096, 0).then((r) => (res = r));
    m.scheduler.schedule(1000, () => {
      vblk(m).inject({ type: 'needs_reset', atNs: 0 });
    });
    await m.scheduler.run({ until: m.scheduler.now() + 100e9 });
    expect(res).to.equal(undefined);
    expect(vblk(m).hw.status & 0x40).to.equal(0x40);
    const acq = m.counters.get('nr_foll_pin_acquired')?.value;
    expect(acq).to.be.greaterThan(m.counters.get('nr_foll_pin_released')?.value ?? 0);
    vblk(m).host.remove();
    await m.scheduler.run();
    expect(res).to.equal(-EIO);
    expect(m.counters.get('nr_foll_pin_released')?.value).to.equal(acq);
    mm.exit();
    await m.stop();
  });

  it('works behind an IOMMU with ACCESS_PLATFORM, and with swiotlb bouncing', async () => {
    for (const dma of [{ iommu: 'strict' }, { swiotlb: true, debug: true }]) {
      const m = await machineWith([{ name: 'virtio-blk', params: { capacity: '16m', dma } }]);
      const b = bdevOf(m, 'vda');
      const w = kpages(m, 2);
      fillPages(m, w, (p, i) => (p * 3 + i) & 0xff);
      expect(await bioIo(m, b, REQ_OP_WRITE, 0, w)).to.equal(0);
      const r = kpages(m, 2);
      expect(await bioIo(m, b, REQ_OP_READ, 0, r)).to.equal(0);
      expect(readPages(m, r)).to.deep.equal(readPages(m, w));
      expect(vblk(m).link.dma.debug?.errors ?? []).to.deep.equal([]);
      await m.stop();
    }
  });
});
