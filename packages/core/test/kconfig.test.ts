import { expect } from 'chai';
import { ConfigError, Kconfig, kconfigBool, kconfigInt, kconfigString } from '@stackemu/core';

const PIN = kconfigBool('CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO', true, 'Use pin_user_pages() for direct I/O.');
const DEPTH = kconfigInt('CONFIG_NR_TAGS', 64, 'tags', [1, 4096]);
const FREE = kconfigInt('CONFIG_ANY_INT', -3, 'any');
const SCHED = kconfigString('CONFIG_IOSCHED', 'none', 'I/O scheduler', ['none', 'mq-deadline']);
const NAME = kconfigString('CONFIG_LOCALVERSION', '', 'suffix');

function fresh(): Kconfig {
  const k = new Kconfig();
  k.declare('block', PIN);
  k.declare('block', DEPTH);
  k.declare('block', FREE);
  k.declare('block', SCHED);
  k.declare('core', NAME);
  return k;
}

describe('kconfigBool/Int/String()', () => {
  it('declare frozen options with type, default, help and limits', () => {
    expect(PIN).to.deep.equal({
      name: 'CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO',
      type: 'bool',
      default: true,
      help: 'Use pin_user_pages() for direct I/O.',
    });
    expect(DEPTH.range).to.deep.equal([1, 4096]);
    expect(FREE).to.not.have.property('range');
    expect(SCHED.choices).to.deep.equal(['none', 'mq-deadline']);
    expect(NAME).to.not.have.property('choices');
    expect(Object.isFrozen(DEPTH)).to.equal(true);
  });
});

describe('Kconfig', () => {
  it('gives defaults until values are applied', () => {
    const k = fresh();
    expect(k.get(PIN)).to.equal(true);
    expect(k.get(DEPTH)).to.equal(64);
    expect(k.has('CONFIG_NR_TAGS')).to.equal(true);
    expect(k.has('CONFIG_NOPE')).to.equal(false);
  });

  it('accepts y/n/true/false for bools and decimal/hex strings for ints', () => {
    const k = fresh();
    k.apply({ CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO: 'n', CONFIG_NR_TAGS: '0x20', CONFIG_ANY_INT: '-7' });
    expect(k.get(PIN)).to.equal(false);
    expect(k.get(DEPTH)).to.equal(32);
    expect(k.get(FREE)).to.equal(-7);
    k.apply({ CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO: 'y', CONFIG_NR_TAGS: 128 });
    expect(k.get(PIN)).to.equal(true);
    for (const v of [true, 'Y', 'true']) {
      k.apply({ CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO: false });
      k.apply({ CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO: v });
      expect(k.get(PIN)).to.equal(true);
    }
    k.apply({ CONFIG_IOSCHED: 'mq-deadline', CONFIG_LOCALVERSION: '-stackemu' });
    expect(k.get(SCHED)).to.equal('mq-deadline');
    expect(k.get(NAME)).to.equal('-stackemu');
  });

  it('throws ConfigError naming the option for unknown, ill-typed and out-of-range values', () => {
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ CONFIG_NOPE: 'y' }, 'CONFIG_NOPE', /unknown option/],
      [{ CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO: 1 }, 'CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO', /expects a bool/],
      [{ CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO: 'm' }, 'CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO', /expects a bool/],
      [{ CONFIG_NR_TAGS: 'lots' }, 'CONFIG_NR_TAGS', /expects an int/],
      [{ CONFIG_NR_TAGS: 1.5 }, 'CONFIG_NR_TAGS', /expects an int/],
      [{ CONFIG_NR_TAGS: true }, 'CONFIG_NR_TAGS', /expects an int/],
      [{ CONFIG_NR_TAGS: 0 }, 'CONFIG_NR_TAGS', /0 is outside \[1, 4096\]/],
      [{ CONFIG_NR_TAGS: '99999999999999999999' }, 'CONFIG_NR_TAGS', /expects an int/],
      [{ CONFIG_IOSCHED: 'bfq' }, 'CONFIG_IOSCHED', /"bfq" is not one of none, mq-deadline/],
      [{ CONFIG_LOCALVERSION: 5 }, 'CONFIG_LOCALVERSION', /expects a string/],
    ];
    for (const [values, option, reason] of cases) {
      const k = fresh();
      let err: unknown;
      try {
        k.apply(values);
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(values)).to.be.instanceOf(ConfigError);
      expect((err as ConfigError).option).to.equal(option);
      expect((err as ConfigError).reason).to.match(reason);
      expect((err as ConfigError).message).to.equal(`${option}: ${(err as ConfigError).reason}`);
    }
  });

  it('lets the same option object be declared twice, but not two definitions of one name', () => {
    const k = fresh();
    k.declare('other', PIN);
    expect(k.entries().find((e) => e.option === PIN)?.owner).to.equal('block');
    expect(() => {
      k.declare('nvme', kconfigBool('CONFIG_NR_TAGS', false, 'x'));
    }).to.throw(ConfigError, /declared by both block and nvme/);
  });

  it('refuses get() of an option no plugin declared', () => {
    expect(() => new Kconfig().get(PIN)).to.throw(ConfigError, /not declared by any plugin/);
  });

  it('formats a .config', () => {
    const k = fresh();
    k.apply({ CONFIG_IOSCHED: 'mq-deadline' });
    expect(k.format()).to.equal(
      [
        'CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO=y',
        'CONFIG_NR_TAGS=64',
        'CONFIG_ANY_INT=-3',
        'CONFIG_IOSCHED="mq-deadline"',
        'CONFIG_LOCALVERSION=""',
      ].join('\n'),
    );
    k.apply({ CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO: false });
    expect(k.format().split('\n')[0]).to.equal('# CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO is not set');
  });
});
