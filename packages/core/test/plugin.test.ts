import { expect } from 'chai';
import { ContainerModule } from 'inversify';
import { capabilityId, definePlugin, param } from '@stackemu/core';

describe('capabilityId()', () => {
  it('is one stable symbol per capability name', () => {
    expect(capabilityId('mm')).to.equal(capabilityId('mm'));
    expect(capabilityId('mm')).to.not.equal(capabilityId('block'));
    expect(capabilityId('blockdev:nvme').description).to.equal('stackemu.capability.blockdev:nvme');
  });
});

describe('definePlugin()', () => {
  it('returns the plugin value itself, with typed params', () => {
    const module = new ContainerModule(() => undefined);
    const p = definePlugin({
      name: 'x',
      version: '1.0.0',
      requires: [],
      provides: [],
      params: { depth: param.int(4, 'depth') },
      module,
      start(ctx) {
        const depth: number = ctx.params.depth; // typed as number at compile time
        expect(depth).to.be.a('number');
      },
    });
    expect(p.module).to.equal(module);
    expect(p.params?.depth.default).to.equal(4);
  });
});
