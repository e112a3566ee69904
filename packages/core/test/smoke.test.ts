import { expect } from 'chai';
import { VirtualScheduler } from '@stackemu/core';

describe('VirtualScheduler smoke', () => {
  it('runs events in time order', async () => {
    const s = new VirtualScheduler();
    const seen: number[] = [];
    s.schedule(20, () => seen.push(2));
    s.schedule(10, () => seen.push(1));
    await s.run();
    expect(seen).to.deep.equal([1, 2]);
  });
});
