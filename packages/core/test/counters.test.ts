import { expect } from 'chai';
import { CounterRegistry } from '@stackemu/core';

describe('CounterRegistry', () => {
  it('adds counters to groups and returns the same counter for the same name', () => {
    const r = new CounterRegistry();
    const a = r.counter('vmstat', 'nr_foll_pin_acquired', 'pages pinned');
    const b = r.counter('vmstat', 'nr_foll_pin_acquired');
    expect(b).to.equal(a);
    expect(a.help).to.equal('pages pinned');
    expect(a.value).to.equal(0);
    expect(r.get('nr_foll_pin_acquired')).to.equal(a);
    expect(r.get('nope')).to.equal(undefined);
  });

  it('refuses one name in two groups', () => {
    const r = new CounterRegistry();
    r.counter('vmstat', 'pgfault');
    expect(() => r.counter('diskstats', 'pgfault')).to.throw(/counters: pgfault already registered in another group/);
  });

  it('snapshots one group or all, in registration order, frozen', () => {
    const r = new CounterRegistry();
    const acq = r.counter('vmstat', 'nr_foll_pin_acquired');
    const rel = r.counter('vmstat', 'nr_foll_pin_released');
    const ios = r.counter('diskstats', 'ios');
    acq.value += 3;
    rel.value += 1;
    ios.value = 7;
    const vm = r.snapshot('vmstat');
    expect(Object.keys(vm)).to.deep.equal(['nr_foll_pin_acquired', 'nr_foll_pin_released']);
    expect(vm).to.deep.equal({ nr_foll_pin_acquired: 3, nr_foll_pin_released: 1 });
    expect(Object.isFrozen(vm)).to.equal(true);
    expect(r.snapshot()).to.deep.equal({ nr_foll_pin_acquired: 3, nr_foll_pin_released: 1, ios: 7 });
    expect(r.snapshot('missing')).to.deep.equal({});
    expect(r.groupNames()).to.deep.equal(['vmstat', 'diskstats']);
    acq.value += 10;
    expect(vm['nr_foll_pin_acquired']).to.equal(3); // a snapshot does not follow the counter
  });

  it('diffs two snapshots, counting a counter new in the later one from 0', () => {
    const r = new CounterRegistry();
    const a = r.counter('vmstat', 'a');
    a.value = 5;
    const before = r.snapshot('vmstat');
    a.value = 12;
    r.counter('vmstat', 'b').value = 4;
    const d = CounterRegistry.diff(before, r.snapshot('vmstat'));
    expect(d).to.deep.equal({ a: 7, b: 4 });
    expect(Object.isFrozen(d)).to.equal(true);
  });

  it('formats a group as /proc/vmstat text', () => {
    const r = new CounterRegistry();
    r.counter('vmstat', 'nr_dirty').value = 2;
    r.counter('vmstat', 'nr_writeback');
    expect(r.format('vmstat')).to.equal('nr_dirty 2\nnr_writeback 0\n');
    expect(r.format('none')).to.equal('');
  });
});
