import { expect } from 'chai';
import { applySets, defaultStack, parseStackFile, StackFileError } from '@stackemu/cli';

describe('parseStackFile()', () => {
  it('reads YAML and JSON stack configs', () => {
    const y = parseStackFile(
      'name: s\nseed: 3\nplugins:\n  - name: mm\n  - { name: vfs, params: { mounts: [] } }\nconfig:\n  CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO: n\n',
      's.yaml',
    );
    expect(y).to.deep.equal({
      name: 's',
      seed: 3,
      plugins: [{ name: 'mm' }, { name: 'vfs', params: { mounts: [] } }],
      config: { CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO: 'n' },
    });
    const j = parseStackFile('{"plugins": ["mm", {"name": "block"}]}', 's.json');
    expect(j.plugins).to.deep.equal([{ name: 'mm' }, { name: 'block' }]);
  });
  it('names what is wrong', () => {
    expect(() => parseStackFile('plugins: 3', 'x.yaml')).to.throw(StackFileError, 'x.yaml: "plugins" must be a list');
    expect(() => parseStackFile('plugins: []\nfoo: 1', 'x.yaml')).to.throw(StackFileError, /unknown key "foo"/);
    expect(() => parseStackFile('plugins: [{params: {}}]', 'x.yaml')).to.throw(
      StackFileError,
      /plugins\[0\] needs a "name"/,
    );
    expect(() => parseStackFile('plugins: [', 'x.yaml')).to.throw(StackFileError, /x.yaml/);
  });
});

describe('applySets()', () => {
  it('overrides seed, CONFIG_* and plugin params (dotted, YAML scalars)', () => {
    const c = applySets(defaultStack, [
      'seed=7',
      'CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO=n',
      'nvme.queue_depth=64',
      'mm.sanitizer=false',
    ]);
    expect(c.seed).to.equal(7);
    expect(c.config?.['CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO']).to.equal('n');
    expect(c.plugins.find((p) => p.name === 'nvme')?.params?.['queue_depth']).to.equal(64);
    expect(c.plugins.find((p) => p.name === 'mm')?.params?.['sanitizer']).to.equal(false);
    expect(defaultStack.seed).to.equal(0);
  });
  it('refuses plugins not in the stack and malformed overrides', () => {
    expect(() => applySets(defaultStack, ['nfs.rsize=4k'])).to.throw(
      StackFileError,
      /plugin "nfs" is not in stack "default"/,
    );
    expect(() => applySets(defaultStack, ['oops'])).to.throw(StackFileError, /key=value/);
  });
});
