import { expect } from 'chai';
import {
  VIRTIO_BLK_S_IOERR,
  VIRTIO_BLK_S_OK,
  VIRTIO_BLK_S_UNSUPP,
  VIRTIO_BLK_T_DISCARD,
  VIRTIO_BLK_T_GET_ID,
  VIRTIO_BLK_T_IN,
  VIRTIO_BLK_T_OUT,
  VIRTIO_BLK_T_WRITE_ZEROES,
  VIRTIO_CONFIG_S_NEEDS_RESET,
  VRING_DESC_F_INDIRECT,
  VRING_DESC_F_NEXT,
  mmioAddr,
} from '@stackemu/devices';
import { RawVirtioHost } from '../../helpers/virtio-raw-host.js';

function seedMedia(h: RawVirtioHost): void {
  for (let s = 0; s < 64; s++) h.dev.media.write(s * 512, new Uint8Array(512).fill(s), 0, 512);
}

describe('VirtIOBlock', () => {
  it('AS-V1: IN moves sectors 8–15, status OK, used.len = data + status; OUT used.len = 1', () => {
    const h = new RawVirtioHost();
    seedMedia(h);
    const r = h.add(VIRTIO_BLK_T_IN, 8, 4096, true, 'in');
    h.sched.runSync();
    expect(h.status(r.statusAddr)).to.equal(VIRTIO_BLK_S_OK);
    const got = h.mem.bytes(r.dataPfn * 4096, 4096);
    for (let s = 0; s < 8; s++) expect(got[s * 512]).to.equal(8 + s);
    expect(h.done).to.deep.equal([['in', 4097]]);
    h.mem.fill(r.dataPfn * 4096, 4096, 0x3c);
    const w = h.add(VIRTIO_BLK_T_OUT, 100, 4096, false, 'out', r.dataPfn);
    h.sched.runSync();
    expect(h.status(w.statusAddr)).to.equal(VIRTIO_BLK_S_OK);
    expect(h.done[1]).to.deep.equal(['out', 1]);
    const m = new Uint8Array(4096);
    h.dev.media.read(100 * 512, m, 0, 4096);
    expect(m.every((b) => b === 0x3c)).to.equal(true);
  });

  it('AS-V2/V3: out-of-range and badly sized requests fail with IOERR and move nothing', () => {
    const h = new RawVirtioHost();
    const a = h.add(VIRTIO_BLK_T_IN, 2047, 1024, true, 1);
    h.mem.fill(a.dataPfn * 4096, 1024, 0x11);
    const b = h.add(VIRTIO_BLK_T_IN, 0, 700, true, 2);
    h.sched.runSync();
    expect(h.status(a.statusAddr)).to.equal(VIRTIO_BLK_S_IOERR);
    expect(h.status(b.statusAddr)).to.equal(VIRTIO_BLK_S_IOERR);
    expect(h.mem.bytes(a.dataPfn * 4096, 1024).every((x) => x === 0x11)).to.equal(true);
    expect(h.dev.status & VIRTIO_CONFIG_S_NEEDS_RESET).to.equal(0);
  });

  it('AS-V4: unknown types and unsupported discard flags are UNSUPP; WRITE_ZEROES with unmap zeroes', () => {
    const h = new RawVirtioHost();
    seedMedia(h);
    const u = h.add(0x99, 0, 0, false, 'u');
    const seg = (sector: number, n: number, flags: number): number => {
      const pfn = h.page();
      const b = new DataView(new ArrayBuffer(16));
      b.setUint32(0, sector, true);
      b.setUint32(8, n, true);
      b.setUint32(12, flags, true);
      h.mem.write(pfn * 4096, new Uint8Array(b.buffer), 0, 16);
      return pfn;
    };
    const d1 = h.add(VIRTIO_BLK_T_DISCARD, 0, 16, false, 'd1', seg(0, 8, 1));
    const d2 = h.add(VIRTIO_BLK_T_DISCARD, 0, 16, false, 'd2', seg(0, 8, 1 << 5));
    h.sched.runSync();
    const wz = h.add(VIRTIO_BLK_T_WRITE_ZEROES, 0, 16, false, 'wz', seg(8, 8, 1));
    h.sched.runSync();
    expect([u, d1, d2, wz].map((r) => h.status(r.statusAddr))).to.deep.equal([
      VIRTIO_BLK_S_UNSUPP,
      VIRTIO_BLK_S_UNSUPP,
      VIRTIO_BLK_S_UNSUPP,
      VIRTIO_BLK_S_OK,
    ]);
    const m = new Uint8Array(16 * 512);
    h.dev.media.read(0, m, 0, m.length);
    expect(m[0]).to.equal(0);
    expect(m[7 * 512]).to.equal(7);
    expect(m.subarray(8 * 512).every((x) => x === 0)).to.equal(true);
  });

  it('AS-V5: GET_ID returns the serial NUL-terminated', () => {
    const h = new RawVirtioHost();
    const r = h.add(VIRTIO_BLK_T_GET_ID, 0, 20, true, 'id');
    h.mem.fill(r.dataPfn * 4096, 20, 0xaa);
    h.sched.runSync();
    expect(h.status(r.statusAddr)).to.equal(VIRTIO_BLK_S_OK);
    expect([...h.mem.bytes(r.dataPfn * 4096, 8)]).to.deep.equal([...Buffer.from('EMU123'), 0, 0xaa]);
  });

  it('AS-V6: a read-only device fails writes with IOERR and keeps media', () => {
    const h = new RawVirtioHost({ readOnly: true });
    const r = h.add(VIRTIO_BLK_T_OUT, 0, 512, false, 'w');
    h.mem.fill(r.dataPfn * 4096, 512, 0x99);
    h.sched.runSync();
    expect(h.status(r.statusAddr)).to.equal(VIRTIO_BLK_S_IOERR);
    expect(h.dev.media.allocatedBytes).to.equal(0);
  });

  describe('AS-V7: malformed chains set DEVICE_NEEDS_RESET', () => {
    type Desc = [addr: number, len: number, flags: number, next: number];
    const raw = (h: RawVirtioHost, descs: Desc[], head = 0, availAdvance = 1): void => {
      h.vq.disableCb();
      const b = new Uint8Array(16);
      const v = new DataView(b.buffer);
      descs.forEach(([a, l, f, n], i) => {
        v.setUint32(0, a, true);
        v.setUint32(4, 0, true);
        v.setUint32(8, l, true);
        v.setUint16(12, f, true);
        v.setUint16(14, n, true);
        h.mem.write(h.vq.descPaddr + i * 16, b, 0, 16);
      });
      const w = new DataView(new ArrayBuffer(2));
      w.setUint16(0, head, true);
      h.mem.write(h.vq.availPaddr + 4, new Uint8Array(w.buffer), 0, 2);
      w.setUint16(0, availAdvance, true);
      h.mem.write(h.vq.availPaddr + 2, new Uint8Array(w.buffer), 0, 2);
      h.link.writew(0, 0x3000);
      h.sched.runSync();
    };
    const cases: [string, (h: RawVirtioHost, a: number) => Desc[], number?][] = [
      [
        'a NEXT loop',
        (_h, a) => [
          [a, 16, 0, 0],
          [a, 16, 0, 0],
          [a, 16, 0, 0],
          [a, 16, VRING_DESC_F_NEXT, 3],
        ],
        3,
      ],
      ['next = Q', (_h, a) => [[a, 16, VRING_DESC_F_NEXT, 8]]],
      ['an indirect table of 24 bytes', (_h, a) => [[a, 24, VRING_DESC_F_INDIRECT, 0]]],
      ['a zero-length buffer', (_h, a) => [[a, 0, 0, 0]]],
      ['avail.idx advanced by Q+1', (_h, a) => [[a, 16, 0, 0]]],
    ];
    for (const [name, mk, head] of cases) {
      it(name, () => {
        const h = new RawVirtioHost();
        const a = h.page() * 4096;
        const before = h.dev.configNotifications;
        raw(h, mk(h, a), head ?? 0, name.startsWith('avail') ? 9 : 1);
        expect(h.dev.status & VIRTIO_CONFIG_S_NEEDS_RESET).to.equal(VIRTIO_CONFIG_S_NEEDS_RESET);
        expect(h.dev.configNotifications).to.equal(before + 1);
        expect(h.mem.bytes(h.vq.usedPaddr + 2, 2)).to.deep.equal(new Uint8Array([0, 0]));
        // Later kicks are ignored.
        h.link.writew(0, 0x3000);
        h.sched.runSync();
        expect(h.dev.inFlight).to.equal(0);
        // Reset + re-init: I/O works.
        h.vdev.config.delVqs(h.vdev);
        h.vdev.config.reset(h.vdev);
        expect(h.dev.status).to.equal(0);
        h.vdev.config.setStatus(h.vdev, 1 | 2);
        h.vdev.config.finalizeFeatures(h.vdev);
        h.vdev.config.setStatus(h.vdev, 1 | 2 | 8);
        h.setup();
        const r = h.add(VIRTIO_BLK_T_IN, 0, 512, true, 'after');
        h.sched.runSync();
        expect(h.status(r.statusAddr)).to.equal(VIRTIO_BLK_S_OK);
      });
    }
  });

  it('AS-V8: EVENT_IDX: one notification when used.idx passes used_event; the driver kicks at avail_event', () => {
    const h = new RawVirtioHost();
    h.consume = false;
    // Device side: used_event = 5, ten requests complete one at a time.
    const w = new DataView(new ArrayBuffer(2));
    w.setUint16(0, 5, true);
    h.mem.write(h.vq.availPaddr + 4 + 2 * 8, new Uint8Array(w.buffer), 0, 2);
    const n0 = h.dev.notifications;
    const seen: number[] = [];
    for (let i = 0; i < 10; i++) {
      const r = h.add(VIRTIO_BLK_T_IN, 0, 512, true, i);
      expect(r.ret).to.equal(0);
      h.sched.runSync();
      seen.push(h.dev.notifications - n0);
      // Free the descriptors without touching used_event.
      (h.vq as unknown as { getBuf(): unknown }).getBuf();
      h.mem.write(h.vq.availPaddr + 4 + 2 * 8, new Uint8Array(w.buffer), 0, 2);
    }
    expect(seen).to.deep.equal([0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
    // Driver side: avail_event = 3 → the kick happens when avail.idx goes from 3 to 4.
    const g = new RawVirtioHost();
    const kicks: number[] = [];
    const sub = g.link.mmioWrites.subscribe((m) => {
      if (mmioAddr(m) >= 0x3000) kicks.push(mmioAddr(m));
    });
    w.setUint16(0, 3, true);
    g.mem.write(g.vq.usedPaddr + 4 + 8 * 8, new Uint8Array(w.buffer), 0, 2);
    const at: number[] = [];
    for (let i = 0; i < 6; i++) {
      // Indirect is negotiated, so each request takes one descriptor; no scheduler run: the device stays idle.
      g.add(VIRTIO_BLK_T_IN, 0, 512, true, i);
      at.push(kicks.length);
    }
    sub.unsubscribe();
    expect(at).to.deep.equal([0, 0, 0, 1, 1, 1]);
  });

  it('AS-V9: 70 000 requests wrap avail.idx and used.idx with Q = 8', () => {
    const h = new RawVirtioHost({ queueSize: 8 });
    const reqs = [h.req(VIRTIO_BLK_T_IN, 0, 512), h.req(VIRTIO_BLK_T_IN, 8, 512)];
    const seen: number[] = [];
    const vq = h.vq;
    for (let i = 0; i < 70000; i += 2) {
      for (let k = 0; k < 2; k++) {
        const r = reqs[k] as (typeof reqs)[0];
        expect(vq.addSgs([r.hdr, r.data, r.st], 1, 2, i + k)).to.equal(0);
      }
      if (vq.kickPrepare()) vq.notify();
      h.sched.runSync();
      const n = h.done.length;
      if (n !== i + 2) throw new Error(`after ${i + 2} requests only ${n} completed`);
      seen.push(h.done[n - 1]?.[0] as number);
    }
    expect(h.dev.vqs[0]?.usedIdx).to.equal(70000 & 0xffff);
    expect(h.done[69999]?.[0]).to.equal(69999);
    expect(h.status(reqs[1]?.statusAddr ?? 0)).to.equal(VIRTIO_BLK_S_OK);
  });

  it('AS-V10: without EVENT_IDX, VRING_AVAIL_F_NO_INTERRUPT suppresses notifications', () => {
    const h = new RawVirtioHost({ eventIdx: false });
    h.consume = false;
    h.vq.setAvailFlags(1);
    const n0 = h.dev.notifications;
    for (let i = 0; i < 3; i++) {
      h.add(VIRTIO_BLK_T_IN, 0, 512, true, i);
      h.sched.runSync();
    }
    expect(h.dev.notifications).to.equal(n0);
    // The driver polls the used ring.
    const got: unknown[] = [];
    for (let t = h.vq.getBuf(); t !== undefined; t = h.vq.getBuf()) got.push(t);
    expect(got).to.deep.equal([0, 1, 2]);
  });

  it('AS-V11: an indirect table behaves like a direct chain and takes one ring descriptor', () => {
    const h = new RawVirtioHost();
    seedMedia(h);
    const free = h.vq.numFree;
    const r = h.add(VIRTIO_BLK_T_IN, 8, 4096, true, 'ind');
    expect(free - h.vq.numFree).to.equal(1);
    h.sched.runSync();
    expect(h.status(r.statusAddr)).to.equal(VIRTIO_BLK_S_OK);
    expect(h.done).to.deep.equal([['ind', 4097]]);
    expect(h.mem.bytes(r.dataPfn * 4096 + 512, 1)[0]).to.equal(9);
    expect(h.vq.numFree).to.equal(free);
  });

  it('AS-V12 (ring level): Q = 4 without indirect fits one 3-descriptor request; the second gets -ENOSPC', () => {
    const h = new RawVirtioHost({ queueSize: 4, indirectDesc: false });
    expect(h.add(VIRTIO_BLK_T_IN, 0, 512, true, 1).ret).to.equal(0);
    expect(h.add(VIRTIO_BLK_T_IN, 0, 512, true, 2).ret).to.equal(-28);
    h.sched.runSync();
    expect(h.add(VIRTIO_BLK_T_IN, 0, 512, true, 3).ret).to.equal(0);
    h.sched.runSync();
    expect(h.done.map((d) => d[0])).to.deep.equal([1, 3]);
  });
});
