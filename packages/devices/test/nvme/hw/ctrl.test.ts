import { expect } from 'chai';
import fc from 'fast-check';
import {
  NVME_CSTS_CFS,
  NVME_CSTS_RDY,
  NVME_REG_ACQ,
  NVME_REG_AQA,
  NVME_REG_ASQ,
  NVME_REG_CC,
  NVME_SC_ABORT_QUEUE,
  NVME_SC_ABORT_REQ,
  NVME_SC_COMPARE_FAILED,
  NVME_SC_CQ_INVALID,
  NVME_SC_DATA_XFER_ERROR,
  NVME_SC_INTERNAL,
  NVME_SC_INVALID_FIELD,
  NVME_SC_INVALID_NS,
  NVME_SC_INVALID_OPCODE,
  NVME_SC_INVALID_QUEUE,
  NVME_SC_INVALID_VECTOR,
  NVME_SC_LBA_RANGE,
  NVME_SC_PRP_INVALID_OFFSET,
  NVME_SC_QID_INVALID,
  NVME_SC_QUEUE_SIZE,
  NVME_SC_READ_ERROR,
  NVME_SC_SGL_INVALID_DATA,
  NVME_SC_SGL_INVALID_LAST,
  NVME_SC_SGL_INVALID_TYPE,
  NVME_SC_WRITE_FAULT,
  NVME_STATUS_DNR,
  NVME_CC_ENABLE,
  NVME_CC_IOCQES,
  NVME_CC_IOSQES,
} from '@stackemu/devices';
import { RawNvmeHost } from '../../helpers/nvme-raw-host.js';

const DNR = NVME_STATUS_DNR;
const READ = 0x02;
const WRITE = 0x01;

/** Fills LBAs [slba, slba+n) of namespace 1 with a per-LBA pattern through the media directly. */
function seed(h: RawNvmeHost, slba: number, n: number): void {
  for (let i = 0; i < n; i++) h.ns.media.write((slba + i) * 512, new Uint8Array(512).fill((slba + i) & 0xff), 0, 512);
}

describe('NvmeCtrl', () => {
  describe('enable (AS-N1)', () => {
    it('sets CSTS.RDY and creates 32-entry admin queues', () => {
      const h = new RawNvmeHost();
      h.link.writel(0x001f001f, NVME_REG_AQA);
      h.link.loHiWriteq(0x10000, NVME_REG_ASQ);
      h.link.loHiWriteq(0x11000, NVME_REG_ACQ);
      h.mem.own(0x10000, 0x2000);
      h.link.writel(NVME_CC_ENABLE | NVME_CC_IOSQES | NVME_CC_IOCQES, NVME_REG_CC);
      expect(h.csts() & (NVME_CSTS_RDY | NVME_CSTS_CFS)).to.equal(NVME_CSTS_RDY);
      // 32 entries: a tail doorbell of 31 is accepted, 32 is not.
      h.link.writel(32, 0x1000);
      expect(h.ctrl.stats.badDoorbells).to.equal(1);
    });

    it('fails with CFS for a misaligned ASQ or AQA = 0', () => {
      for (const [aqa, asq] of [
        [0x001f001f, 0x10008],
        [0, 0x10000],
      ] as const) {
        const h = new RawNvmeHost();
        h.link.writel(aqa, NVME_REG_AQA);
        h.link.loHiWriteq(asq, NVME_REG_ASQ);
        h.link.loHiWriteq(0x11000, NVME_REG_ACQ);
        h.link.writel(NVME_CC_ENABLE | NVME_CC_IOSQES | NVME_CC_IOCQES, NVME_REG_CC);
        expect(h.csts() & (NVME_CSTS_RDY | NVME_CSTS_CFS)).to.equal(NVME_CSTS_CFS);
      }
    });

    it('disabling drops queues and clears RDY', () => {
      const h = new RawNvmeHost();
      h.enable();
      h.link.writel(0, NVME_REG_CC);
      expect(h.csts() & NVME_CSTS_RDY).to.equal(0);
    });
  });

  describe('queue creation and deletion (AS-N2)', () => {
    it('follows the create/delete status rules', () => {
      const h = new RawNvmeHost();
      h.enable();
      const base = h.alloc(16);
      expect(h.cmd(0, { opcode: 0x05, prp1: base, cdw10: (1023 << 16) | 1, cdw11: (1 << 16) | 3 }).status).to.equal(0);
      expect(
        h.cmd(0, { opcode: 0x01, prp1: base + 0x4000, cdw10: (1023 << 16) | 1, cdw11: (1 << 16) | 1 }).status,
      ).to.equal(0);
      expect(h.cmd(0, { opcode: 0x01, prp1: base, cdw10: (15 << 16) | 2, cdw11: (5 << 16) | 1 }).status).to.equal(
        NVME_SC_CQ_INVALID | DNR,
      );
      expect(h.cmd(0, { opcode: 0x05, prp1: base, cdw10: (0 << 16) | 2, cdw11: 3 }).status).to.equal(
        NVME_SC_QUEUE_SIZE | DNR,
      );
      expect(h.cmd(0, { opcode: 0x05, prp1: base, cdw10: (1024 << 16) | 2, cdw11: 3 }).status).to.equal(
        NVME_SC_QUEUE_SIZE | DNR,
      );
      expect(h.cmd(0, { opcode: 0x05, prp1: base, cdw10: (15 << 16) | 2, cdw11: 2 }).status).to.equal(
        NVME_SC_INVALID_FIELD | DNR,
      );
      expect(h.cmd(0, { opcode: 0x05, prp1: base, cdw10: (15 << 16) | 1, cdw11: 3 }).status).to.equal(
        NVME_SC_QID_INVALID | DNR,
      );
      expect(h.cmd(0, { opcode: 0x05, prp1: base, cdw10: (15 << 16) | 2, cdw11: (9 << 16) | 3 }).status).to.equal(
        NVME_SC_INVALID_VECTOR | DNR,
      );
      expect(h.cmd(0, { opcode: 0x05, prp1: base + 8, cdw10: (15 << 16) | 2, cdw11: 3 }).status).to.equal(
        NVME_SC_PRP_INVALID_OFFSET | DNR,
      );
      expect(h.cmd(0, { opcode: 0x04, cdw10: 1 }).status).to.equal(NVME_SC_INVALID_QUEUE);
      expect(h.cmd(0, { opcode: 0x00, cdw10: 1 }).status).to.equal(0);
      expect(h.cmd(0, { opcode: 0x04, cdw10: 1 }).status).to.equal(0);
      expect(h.cmd(0, { opcode: 0x04, cdw10: 1 }).status).to.equal(NVME_SC_QID_INVALID | DNR);
    });

    it('completes outstanding commands with Aborted SQ Deletion', () => {
      const h = new RawNvmeHost();
      h.enable();
      h.createIoQueues(1, 16, 16);
      const buf = h.alloc(1);
      h.ctrl.injectTimeout(1);
      const cid = h.submit(1, { opcode: READ, slba: 0, nlb: 7, prp1: buf });
      h.sched.runSync();
      expect(h.reap(1)).to.have.length(0);
      expect(h.cmd(0, { opcode: 0x00, cdw10: 1 }).status).to.equal(0);
      const c = h.reap(1);
      expect(c.map((x) => [x.cid, x.status])).to.deep.equal([[cid, NVME_SC_ABORT_QUEUE]]);
    });
  });

  describe('PRP decoding', () => {
    it('AS-N3: PRP1 with offset + PRP2 data pointer', () => {
      const h = new RawNvmeHost();
      h.enable();
      h.createIoQueues(1);
      seed(h, 0, 8);
      h.mem.own(0x200000, 0x3000);
      h.mem.fill(0x200000, 0x3000, 0xee);
      const c = h.cmd(1, { opcode: READ, slba: 0, nlb: 7, prp1: 0x200800, prp2: 0x201000 });
      expect(c.status).to.equal(0);
      const got = h.mem.bytes(0x200000, 0x3000);
      for (let i = 0; i < 0x800; i++) expect(got[i]).to.equal(0xee);
      for (let lba = 0; lba < 8; lba++) expect(got[0x800 + lba * 512]).to.equal(lba);
      for (let i = 0x1800; i < 0x3000; i++) expect(got[i]).to.equal(0xee);
    });

    it('AS-N3 variant: a misaligned PRP2 data pointer is PRP Offset Invalid, nothing written', () => {
      const h = new RawNvmeHost();
      h.enable();
      h.createIoQueues(1);
      h.mem.own(0x200000, 0x3000);
      h.mem.fill(0x200000, 0x3000, 0xee);
      const c = h.cmd(1, { opcode: READ, slba: 0, nlb: 7, prp1: 0x200800, prp2: 0x201200 });
      expect(c.status).to.equal(NVME_SC_PRP_INVALID_OFFSET | DNR);
      expect(h.mem.bytes(0x200000, 0x3000).every((b) => b === 0xee)).to.equal(true);
    });

    it('AS-N4: PRP list of 15 entries fills 16 pages in list order', () => {
      const h = new RawNvmeHost();
      h.enable();
      h.createIoQueues(1);
      seed(h, 0, 128);
      h.mem.own(0x300000, 0x10000);
      h.mem.own(0x400000, 0x1000);
      // Pages in reverse order to check list order is honoured.
      const pages = Array.from({ length: 15 }, (_, i) => 0x500000 + (14 - i) * 0x1000);
      h.mem.own(0x500000, 15 * 0x1000);
      pages.forEach((p, i) => {
        h.mem.u64(0x400000 + i * 8, p);
      });
      const c = h.cmd(1, { opcode: READ, slba: 0, nlb: 127, prp1: 0x300000, prp2: 0x400000 });
      expect(c.status).to.equal(0);
      expect(h.mem.bytes(0x300000, 1)[0]).to.equal(0);
      pages.forEach((p, i) => expect(h.mem.bytes(p, 1)[0]).to.equal((8 * (i + 1)) & 0xff));
    });

    it('AS-N4 variants: bad entry → PRP Offset Invalid; unreadable list → Data Transfer Error without DNR', () => {
      const h = new RawNvmeHost();
      h.enable();
      h.createIoQueues(1);
      h.mem.own(0x300000, 0x10000);
      h.mem.own(0x400000, 0x1000);
      for (let i = 0; i < 15; i++) h.mem.u64(0x400000 + i * 8, 0x500000 + i * 0x1000 + (i === 5 ? 0x10 : 0));
      expect(h.cmd(1, { opcode: READ, slba: 0, nlb: 127, prp1: 0x300000, prp2: 0x400000 }).status).to.equal(
        NVME_SC_PRP_INVALID_OFFSET | DNR,
      );
      // A list pointer beyond RAM cannot be read.
      expect(h.cmd(1, { opcode: READ, slba: 0, nlb: 127, prp1: 0x300000, prp2: 0x7fff_0000_0000 }).status).to.equal(
        NVME_SC_DATA_XFER_ERROR,
      );
    });

    it('AS-N4 variant: PRP1 with an offset and 64 KiB spans 17 pages with a 16-entry list', () => {
      const h = new RawNvmeHost();
      h.enable();
      h.createIoQueues(1);
      seed(h, 0, 128);
      h.mem.own(0x300000, 0x1000);
      h.mem.own(0x400000, 0x1000);
      h.mem.own(0x500000, 16 * 0x1000);
      for (let i = 0; i < 16; i++) h.mem.u64(0x400000 + i * 8, 0x500000 + i * 0x1000);
      const c = h.cmd(1, { opcode: READ, slba: 0, nlb: 127, prp1: 0x300010, prp2: 0x400000 });
      expect(c.status).to.equal(0);
      // First page holds 4096 - 16 bytes = LBAs 0..6 and most of 7; the last list page gets the 16-byte tail.
      expect(h.mem.bytes(0x300010, 1)[0]).to.equal(0);
      expect(h.mem.bytes(0x500000 + 15 * 0x1000, 16)).to.deep.equal(new Uint8Array(16).fill(127));
    });

    it('AS-N5: a 4 MiB read reads exactly two chained list pages (511 + link, then 512)', () => {
      const h = new RawNvmeHost({ params: { mdts: 10 } });
      h.enable();
      h.createIoQueues(1);
      const lists = [h.alloc(1), h.alloc(1)];
      const data = h.alloc(1024);
      h.mem.u64(lists[0] as number, 0); // placeholder overwritten below
      for (let i = 0; i < 511; i++) h.mem.u64((lists[0] as number) + i * 8, data + (i + 1) * 4096);
      h.mem.u64((lists[0] as number) + 511 * 8, lists[1] as number);
      for (let i = 0; i < 512; i++) h.mem.u64((lists[1] as number) + i * 8, data + (512 + i) * 4096);
      const reads: number[] = [];
      const sub = h.link.bus.byId('pci:dma')?.subscribe((e) => {
        const t = e as { addr: number; write: boolean };
        if (
          !t.write &&
          (Math.floor(t.addr / 4096) * 4096 === lists[0] || Math.floor(t.addr / 4096) * 4096 === lists[1])
        )
          reads.push(t.addr);
      });
      h.ns.media.write(4 * 1024 * 1024 - 512, new Uint8Array(512).fill(0x5a), 0, 512);
      const c = h.cmd(1, { opcode: READ, slba: 0, nlb: 8191, prp1: data, prp2: lists[0] as number });
      sub?.unsubscribe();
      expect(c.status).to.equal(0);
      expect(reads).to.deep.equal([lists[0], lists[1]]);
      expect(h.mem.bytes(data + 1023 * 4096 + 3584, 1)[0]).to.equal(0x5a);
    });
  });

  describe('LBA range and MDTS', () => {
    it('AS-N6: bounds checks, including 64-bit overflow', () => {
      const h = new RawNvmeHost({ nsze: 1000 });
      h.enable();
      h.createIoQueues(1);
      const buf = h.alloc(1);
      expect(h.cmd(1, { opcode: READ, slba: 999, nlb: 0, prp1: buf }).status).to.equal(0);
      expect(h.cmd(1, { opcode: READ, slba: 999, nlb: 1, prp1: buf }).status).to.equal(NVME_SC_LBA_RANGE | DNR);
      // SLBA 2^64 - 1: both dwords all ones.
      expect(h.cmd(1, { opcode: READ, cdw10: 0xffffffff, cdw11: 0xffffffff, nlb: 1, prp1: buf }).status).to.equal(
        NVME_SC_LBA_RANGE | DNR,
      );
    });

    it('AS-N7: MDTS 5 allows 128 KiB, rejects 129 KiB without touching media; Write Zeroes is exempt', () => {
      const h = new RawNvmeHost({ params: { mdts: 5 } });
      h.enable();
      h.createIoQueues(1);
      const list = h.alloc(1);
      const data = h.alloc(64);
      for (let i = 0; i < 63; i++) h.mem.u64(list + i * 8, data + (i + 1) * 4096);
      h.mem.fill(data, 64 * 4096, 0x77);
      expect(h.cmd(1, { opcode: WRITE, slba: 0, nlb: 255, prp1: data, prp2: list }).status).to.equal(0);
      expect(h.cmd(1, { opcode: WRITE, slba: 1000, nlb: 257, prp1: data, prp2: list }).status).to.equal(
        NVME_SC_INVALID_FIELD | DNR,
      );
      expect(h.ns.media.allocatedBytes).to.equal(128 * 1024);
      expect(h.cmd(1, { opcode: 0x08, slba: 0, nlb: 999 }).status).to.equal(0);
    });
  });

  describe('phase tag and SQHD', () => {
    it('AS-N8: slots, phases and SQHD over queue wraps', () => {
      const h = new RawNvmeHost();
      h.enable();
      h.createIoQueues(1, 4, 4);
      const buf = h.alloc(1);
      const got: [number, number, number][] = [];
      for (let i = 0; i < 10; i++) {
        h.submit(1, { opcode: READ, slba: 0, nlb: 0, prp1: buf });
        h.sched.runSync();
        const c = h.reap(1);
        expect(c).to.have.length(1);
        got.push([c[0]?.slot ?? -1, c[0]?.phase ?? -1, c[0]?.sqHead ?? -1]);
      }
      expect(got.map((g) => g[0])).to.deep.equal([0, 1, 2, 3, 0, 1, 2, 3, 0, 1]);
      expect(got.map((g) => g[1])).to.deep.equal([1, 1, 1, 1, 0, 0, 0, 0, 1, 1]);
      expect(got.map((g) => g[2])).to.deep.equal([1, 2, 3, 0, 1, 2, 3, 0, 1, 2]);
    });

    it('I-N5 property: the phase of slot s in pass k is 1 − (k mod 2), over many wraps', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 2, max: 9 }),
          fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 5, maxLength: 40 }),
          (cqSize, batches) => {
            const h = new RawNvmeHost();
            h.enable();
            h.createIoQueues(1, cqSize + 1, cqSize);
            const buf = h.alloc(1);
            let n = 0;
            for (const b of batches) {
              const k = Math.min(b, cqSize - 1);
              for (let i = 0; i < k; i++) h.submit(1, { opcode: READ, slba: 0, nlb: 0, prp1: buf });
              h.sched.runSync();
              for (const c of h.reap(1)) {
                const pass = Math.floor(n / cqSize);
                if (c.slot !== n % cqSize || c.phase !== 1 - (pass % 2) || c.status !== 0) return false;
                n++;
              }
            }
            return n === batches.reduce((a, b) => a + Math.min(b, cqSize - 1), 0);
          },
        ),
        { numRuns: 40 },
      );
    });

    it('AS-N9: a full CQ holds completions until the head doorbell', () => {
      const h = new RawNvmeHost();
      h.enable();
      h.createIoQueues(1, 8, 4);
      const buf = h.alloc(1);
      const cids = Array.from({ length: 7 }, () => h.submit(1, { opcode: READ, slba: 0, nlb: 0, prp1: buf }));
      h.sched.runSync();
      const seen: number[] = [];
      let c = h.reap(1, false);
      expect(c).to.have.length(3);
      seen.push(...c.map((x) => x.cid));
      h.ringCq(h.queues.get(1) as never);
      h.sched.runSync();
      c = h.reap(1, false);
      expect(c).to.have.length(3);
      seen.push(...c.map((x) => x.cid));
      h.ringCq(h.queues.get(1) as never);
      h.sched.runSync();
      c = h.reap(1);
      expect(c).to.have.length(1);
      seen.push(...c.map((x) => x.cid));
      expect([...seen].sort((a, b) => a - b)).to.deep.equal(cids);
    });
  });

  describe('doorbells', () => {
    it('AS-N10: bad doorbells are ignored and reported through an outstanding AER', () => {
      const h = new RawNvmeHost();
      h.enable();
      h.createIoQueues(1, 16, 16);
      const aer = h.submit(0, { opcode: 0x0c });
      h.sched.runSync();
      expect(h.reap(0)).to.have.length(0);
      const before = h.ctrl.stats.fetched;
      h.link.writel(1024, 0x1000 + 2 * 4);
      h.link.writel(0, 0x1000 + (2 * 9 + 1) * 4);
      h.link.writel(1, 0x1002);
      h.sched.runSync();
      expect(h.ctrl.stats.fetched).to.equal(before);
      expect(h.ctrl.stats.badDoorbells).to.equal(3);
      const c = h.reap(0);
      expect(c.map((x) => x.cid)).to.deep.equal([aer]);
      expect(c[0]?.result).to.equal((0x1 << 8) | (0x01 << 16)); // error type, invalid doorbell write value, log 01h
    });

    it('honours CAP.DSTRD: doorbells sit 4 << DSTRD bytes apart', () => {
      const h = new RawNvmeHost({ params: { dstrd: 2 } });
      expect(h.stride).to.equal(16);
      h.enable();
      h.createIoQueues(1, 16, 16);
      const buf = h.alloc(1);
      // The unstrided offset of SQ1's tail is not a doorbell any more.
      h.link.writel(1, 0x1000 + 8);
      expect(h.ctrl.stats.badDoorbells).to.equal(1);
      const c = h.cmd(1, { opcode: READ, slba: 0, nlb: 0, prp1: buf });
      expect(c.status).to.equal(0);
    });
  });

  describe('status code paths', () => {
    it('covers invalid opcode, namespace, fused, media error, write fault, compare', () => {
      const h = new RawNvmeHost();
      h.enable();
      h.createIoQueues(1);
      const buf = h.alloc(1);
      expect(h.cmd(1, { opcode: 0x7f, prp1: buf }).status).to.equal(NVME_SC_INVALID_OPCODE | DNR);
      expect(h.cmd(0, { opcode: 0x7f }).status).to.equal(NVME_SC_INVALID_OPCODE | DNR);
      expect(h.cmd(1, { opcode: READ, nsid: 2, slba: 0, nlb: 0, prp1: buf }).status).to.equal(NVME_SC_INVALID_NS | DNR);
      expect(h.cmd(1, { opcode: READ, flags: 1, slba: 0, nlb: 0, prp1: buf }).status).to.equal(
        NVME_SC_INVALID_FIELD | DNR,
      );
      expect(h.cmd(0, { opcode: 0x06, flags: 0x40, cdw10: 1 }).status).to.equal(NVME_SC_INVALID_FIELD | DNR);
      // AS-N11: sticky read error, cleared by a write.
      h.ns.markUncorrectable(100, 1);
      expect(h.cmd(1, { opcode: READ, slba: 96, nlb: 7, prp1: buf }).status).to.equal(NVME_SC_READ_ERROR | DNR);
      h.mem.fill(buf, 512, 0x42);
      expect(h.cmd(1, { opcode: WRITE, slba: 100, nlb: 0, prp1: buf }).status).to.equal(0);
      h.mem.fill(buf, 512, 0);
      expect(h.cmd(1, { opcode: READ, slba: 100, nlb: 0, prp1: buf }).status).to.equal(0);
      expect(h.mem.bytes(buf, 512).every((b) => b === 0x42)).to.equal(true);
      h.ns.markWriteFault(5, 1);
      expect(h.cmd(1, { opcode: WRITE, slba: 4, nlb: 3, prp1: buf }).status).to.equal(NVME_SC_WRITE_FAULT | DNR);
      h.mem.fill(buf, 512, 0x41);
      expect(h.cmd(1, { opcode: 0x05, slba: 100, nlb: 0, prp1: buf }).status).to.equal(NVME_SC_COMPARE_FAILED | DNR);
      h.mem.fill(buf, 512, 0x42);
      expect(h.cmd(1, { opcode: 0x05, slba: 100, nlb: 0, prp1: buf }).status).to.equal(0);
      // Write Uncorrectable marks, a read fails.
      expect(h.cmd(1, { opcode: 0x04, slba: 200, nlb: 0 }).status).to.equal(0);
      expect(h.cmd(1, { opcode: READ, slba: 200, nlb: 0, prp1: buf }).status).to.equal(NVME_SC_READ_ERROR | DNR);
    });

    it('injects transient statuses and internal errors', () => {
      const h = new RawNvmeHost();
      h.enable();
      h.createIoQueues(1);
      const buf = h.alloc(1);
      h.ctrl.injectStatus(NVME_SC_INTERNAL, 1);
      expect(h.cmd(1, { opcode: READ, slba: 0, nlb: 0, prp1: buf }).status).to.equal(NVME_SC_INTERNAL);
      expect(h.cmd(1, { opcode: READ, slba: 0, nlb: 0, prp1: buf }).status).to.equal(0);
    });

    it('AS-N15: Write Zeroes and DSM deallocate', () => {
      const h = new RawNvmeHost();
      h.enable();
      h.createIoQueues(1);
      h.ns.media.write(0, new Uint8Array(16 * 512).fill(0xab), 0, 16 * 512);
      expect(h.cmd(1, { opcode: 0x08, slba: 4, nlb: 3 }).status).to.equal(0);
      const r = h.alloc(1);
      h.mem.write(r, new Uint8Array(16), 0, 16);
      const v = new DataView(new ArrayBuffer(16));
      v.setUint32(4, 4, true);
      v.setUint32(8, 8, true);
      h.mem.write(r, new Uint8Array(v.buffer), 0, 16);
      expect(h.cmd(1, { opcode: 0x09, cdw10: 0, cdw11: 4, prp1: r }).status).to.equal(0);
      const media = new Uint8Array(16 * 512);
      h.ns.media.read(0, media, 0, media.length);
      for (let lba = 0; lba < 16; lba++) {
        const want = lba >= 4 && lba < 12 ? 0 : 0xab;
        expect(media[lba * 512], `lba ${lba}`).to.equal(want);
      }
    });

    it('AS-N18: SGL data blocks through a Last Segment, and its error variants', () => {
      const h = new RawNvmeHost();
      h.enable();
      h.createIoQueues(1);
      seed(h, 0, 128);
      const seg = h.alloc(1);
      const data = h.alloc(16);
      const desc = (n: number, len: number, last = 0): void => {
        const b = new Uint8Array(16 * n);
        const dv = new DataView(b.buffer);
        for (let i = 0; i < n; i++) {
          dv.setUint32(i * 16, data + i * 16384, true);
          dv.setUint32(i * 16 + 8, len, true);
          dv.setUint8(i * 16 + 15, 0);
        }
        if (last) dv.setUint8((n - 1) * 16 + 15, last << 4);
        h.mem.write(seg, b, 0, b.length);
      };
      desc(4, 16384);
      const ok = h.cmd(1, { opcode: READ, flags: 0x40, slba: 0, nlb: 127, sgl: { addr: seg, len: 64, type: 3 } });
      expect(ok.status).to.equal(0);
      expect(h.mem.bytes(data + 3 * 16384, 1)[0]).to.equal(96);
      expect(
        h.cmd(1, { opcode: READ, flags: 0x40, slba: 0, nlb: 127, sgl: { addr: seg, len: 40, type: 3 } }).status,
      ).to.equal(NVME_SC_SGL_INVALID_LAST | DNR);
      desc(4, 15360);
      expect(
        h.cmd(1, { opcode: READ, flags: 0x40, slba: 0, nlb: 127, sgl: { addr: seg, len: 64, type: 3 } }).status,
      ).to.equal(NVME_SC_SGL_INVALID_DATA | DNR);
      // A Last Segment that ends with a segment pointer.
      desc(4, 16384, 2);
      expect(
        h.cmd(1, { opcode: READ, flags: 0x40, slba: 0, nlb: 127, sgl: { addr: seg, len: 64, type: 3 } }).status,
      ).to.equal(NVME_SC_SGL_INVALID_LAST | DNR);
      expect(
        h.cmd(1, { opcode: READ, flags: 0x40, slba: 0, nlb: 0, sgl: { addr: data, len: 512, type: 1 } }).status,
      ).to.equal(NVME_SC_SGL_INVALID_TYPE | DNR);
      expect(h.cmd(0, { opcode: 0x06, flags: 0x40, cdw10: 1 }).status).to.equal(NVME_SC_INVALID_FIELD | DNR);
    });
  });

  describe('abort and faults', () => {
    it('AS-N13 variant A: Abort of a stuck command completes it with Aborted by Request', () => {
      const h = new RawNvmeHost();
      h.enable();
      h.createIoQueues(1);
      const buf = h.alloc(1);
      h.ctrl.injectTimeout(1);
      const cid = h.submit(1, { opcode: READ, slba: 0, nlb: 0, prp1: buf });
      h.sched.runSync();
      const a = h.cmd(0, { opcode: 0x08, cdw10: (cid << 16) | 1 });
      expect(a.result & 1).to.equal(0);
      const c = h.reap(1);
      expect(c.map((x) => [x.cid, x.status])).to.deep.equal([[cid, NVME_SC_ABORT_REQ]]);
    });

    it('AS-N13 variant B: a controller that ignores Abort answers "not aborted"', () => {
      const h = new RawNvmeHost({ params: { honourAbort: false } });
      h.enable();
      h.createIoQueues(1);
      const buf = h.alloc(1);
      h.ctrl.injectTimeout(1);
      const cid = h.submit(1, { opcode: READ, slba: 0, nlb: 0, prp1: buf });
      h.sched.runSync();
      expect(h.cmd(0, { opcode: 0x08, cdw10: (cid << 16) | 1 }).result & 1).to.equal(1);
      expect(h.reap(1)).to.have.length(0);
      expect(h.ctrl.inFlight()).to.equal(1);
    });

    it('F-N2: a lost interrupt still posts the CQE', () => {
      const h = new RawNvmeHost();
      h.enable();
      h.createIoQueues(1);
      const buf = h.alloc(1);
      h.ctrl.injectLostInterrupt(1);
      const irqs = h.irqs.length;
      h.submit(1, { opcode: READ, slba: 0, nlb: 0, prp1: buf });
      h.sched.runSync();
      expect(h.irqs.length).to.equal(irqs);
      expect(h.reap(1)).to.have.length(1);
    });
  });

  describe('interrupts', () => {
    it('sends one MSI-X message per posting batch on the CQ vector, none with IEN = 0', () => {
      const h = new RawNvmeHost();
      h.enable();
      h.createIoQueues(1, 16, 16, 3);
      const buf = h.alloc(1);
      h.irqs.length = 0;
      h.cmd(1, { opcode: READ, slba: 0, nlb: 0, prp1: buf });
      expect(h.irqs).to.deep.equal([3]);
      const cq = h.alloc(1);
      const sq = h.alloc(1);
      h.cmd(0, { opcode: 0x05, prp1: cq, cdw10: (15 << 16) | 2, cdw11: (4 << 16) | 1 });
      h.cmd(0, { opcode: 0x01, prp1: sq, cdw10: (15 << 16) | 2, cdw11: (2 << 16) | 1 });
      h.queues.set(2, { qid: 2, sqBase: sq, cqBase: cq, sqSize: 16, cqSize: 16, sqTail: 0, cqHead: 0, phase: 1 });
      h.irqs.length = 0;
      h.cmd(2, { opcode: READ, slba: 0, nlb: 0, prp1: buf });
      expect(h.irqs).to.deep.equal([]);
    });

    it('coalesces: one interrupt per THR+1 CQEs or after TIME × 100 µs', () => {
      const h = new RawNvmeHost();
      h.enable();
      h.createIoQueues(1, 64, 64);
      const buf = h.alloc(1);
      expect(h.cmd(0, { opcode: 0x09, cdw10: 0x08, cdw11: (2 << 8) | 3 }).status).to.equal(0);
      h.irqs.length = 0;
      // 4 commands issued at the same time complete at the same time: one batch of 4 = THR+1.
      for (let i = 0; i < 4; i++) h.submit(1, { opcode: READ, slba: i * 8, nlb: 0, prp1: buf });
      h.sched.runSync();
      expect(h.irqs.filter((v) => v === 1)).to.have.length(1);
      h.reap(1);
      h.irqs.length = 0;
      const t0 = h.sched.now();
      h.submit(1, { opcode: READ, slba: 0, nlb: 0, prp1: buf });
      h.sched.runSync();
      expect(h.irqs).to.deep.equal([1]);
      expect(h.sched.now() - t0).to.be.at.least(200_000);
    });
  });

  describe('DMA faults', () => {
    it('AS-N14: an unmapped CQ makes the controller fatal and stops fetching', () => {
      const h = new RawNvmeHost();
      h.enable();
      const q = h.createIoQueues(1, 16, 16);
      const buf = h.alloc(1);
      // Move the CQ out of RAM by faking an unreachable base: inject a write fault on the port.
      h.link.dma.port.inject({ write: true, count: 100 });
      h.submit(1, { opcode: READ, slba: 0, nlb: 0, prp1: buf });
      h.sched.runSync();
      expect(h.csts() & NVME_CSTS_CFS).to.equal(NVME_CSTS_CFS);
      const fetched = h.ctrl.stats.fetched;
      h.writeSqe(q, { opcode: READ, slba: 0, nlb: 0, prp1: buf });
      h.ringSq(q);
      h.sched.runSync();
      expect(h.ctrl.stats.fetched).to.equal(fetched);
    });
  });
});
