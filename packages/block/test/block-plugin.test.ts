import { expect } from 'chai';
import { CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO, blockEraGup, blockEraUpstream } from '@stackemu/block';
import { ConfigError, PluginLifecycleError } from '@stackemu/core';
import { rig } from './support/machine.js';

describe('blockPlugin', () => {
  it('declares CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO=y by default: the upstream era', async () => {
    const r = await rig();
    expect(r.machine.kconfig.get(CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO)).to.equal(true);
    expect(r.blk.era).to.equal(blockEraUpstream);
    expect(r.machine.kconfig.format()).to.contain('CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO=y');
    await r.stop();
  });

  it('CONFIG=n selects the GUP era', async () => {
    const r = await rig({ config: { CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO: 'n' } });
    expect(r.blk.era).to.equal(blockEraGup);
    expect(r.blk.dioW.policy).to.equal('gup');
    await r.stop();
  });

  it('rejects era=upstream with CONFIG=n, and bad CONFIG values', async () => {
    try {
      await rig({ config: { CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO: false }, block: { era: 'upstream' } });
      expect.fail('no error');
    } catch (e) {
      expect(e).to.be.instanceOf(PluginLifecycleError);
    }
    try {
      await rig({ config: { CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO: 'maybe' } });
      expect.fail('no error');
    } catch (e) {
      expect(e).to.be.instanceOf(ConfigError);
    }
  });
});
