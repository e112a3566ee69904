import { expect } from 'chai';
import { dioConformanceCases, runDioConformance } from '@stackemu/block/testing';
import { rawBlockDeviceTarget } from '../support/raw-target.js';

describe('runDioConformance() on the raw block-device path (block/fops.c)', () => {
  for (const c of dioConformanceCases(rawBlockDeviceTarget(), {
    expectPins: {
      'aligned sync write+read 4k': 2,
      'unaligned buffer (offset 512) 4k read spans 2 pages': 4,
      'vectored: two 2k iovecs in one page': 3,
      'large 1m write+read': 512,
      'write from never-touched memory (zero page)': 16,
    },
  })) {
    it(c.title, async () => {
      const res = await c.run();
      if (!res.ran) expect.fail(`skipped: ${String(res.skipped)}`);
    });
  }

  it('reports every case it ran', async () => {
    const rep = await runDioConformance(rawBlockDeviceTarget(), { configs: [true], filter: /aligned sync/ });
    expect(rep.cases.map((c) => [c.name, c.ran, c.acquired, c.released])).to.deep.equal([
      ['aligned sync write+read 4k', true, 2, 2],
    ]);
  });
});

describe('runDioConformance() on the raw block-device path under the RFC era (dio_w_* by CONFIG)', () => {
  for (const c of dioConformanceCases(rawBlockDeviceTarget({}, { era: 'rfc' }))) {
    it(c.title, async () => {
      const res = await c.run();
      if (!res.ran) expect.fail(`skipped: ${String(res.skipped)}`);
    });
  }
});
