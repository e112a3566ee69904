import { expect } from 'chai';
import fc from 'fast-check';
import { EventBus, Topic, topic, tracepoint } from '@stackemu/core';

interface BioEntry {
  readonly sector: number;
  readonly len: number;
}
interface IrqEntry {
  readonly vector: number;
}

const bioQueue = tracepoint<BioEntry>('block', 'block_bio_queue');
const rqComplete = tracepoint<BioEntry>('block', 'block_rq_complete');
const irq = topic<IrqEntry>('pci', 'msix');

describe('topic() and tracepoint()', () => {
  it('declare frozen descriptors named system:name', () => {
    expect(bioQueue.id).to.equal('block:block_bio_queue');
    expect(bioQueue.system).to.equal('block');
    expect(bioQueue.name).to.equal('block_bio_queue');
    expect(Object.isFrozen(bioQueue)).to.equal(true);
    expect(irq.id).to.equal('pci:msix');
  });
});

describe('Topic', () => {
  it('delivers synchronously, in emission order, to subscribers in subscription order', () => {
    const t = new Topic(bioQueue);
    const log: string[] = [];
    t.subscribe((e) => log.push(`A${e.sector}`));
    t.subscribe((e) => log.push(`B${e.sector}`));
    t.emit({ sector: 1, len: 8 });
    log.push('after1');
    t.emit({ sector: 2, len: 8 });
    expect(log).to.deep.equal(['A1', 'B1', 'after1', 'A2', 'B2']);
  });

  it('is observed exactly while someone subscribes (the guard tracepoints use)', () => {
    const t = new Topic(bioQueue);
    expect(t.observed).to.equal(false);
    const s1 = t.subscribe(() => undefined);
    const s2 = t.events.subscribe(() => undefined);
    expect(t.observed).to.equal(true);
    s1.unsubscribe();
    expect(t.observed).to.equal(true);
    s2.unsubscribe();
    expect(t.observed).to.equal(false);
  });

  it('lets a guarded emission skip building the payload when unobserved', () => {
    const t = new Topic(bioQueue);
    let built = 0;
    const make = (sector: number): BioEntry => {
      built++;
      return { sector, len: 8 };
    };
    const site = (sector: number): void => {
      if (t.observed) t.emit(make(sector));
    };
    site(1);
    expect(built).to.equal(0);
    const got: number[] = [];
    const sub = t.subscribe((e) => got.push(e.sector));
    site(2);
    sub.unsubscribe();
    site(3);
    expect(built).to.equal(1);
    expect(got).to.deep.equal([2]);
  });

  it('exposes a read-only observable that cannot emit', () => {
    const t = new Topic(irq);
    expect('next' in t.events).to.equal(false);
  });

  it('drops emissions after complete() and remembers a subscriber left attached', () => {
    const t = new Topic(irq);
    const got: number[] = [];
    let completed = false;
    t.events.subscribe({ next: (e) => got.push(e.vector), complete: () => (completed = true) });
    t.emit({ vector: 1 });
    t.complete();
    t.emit({ vector: 2 });
    expect(got).to.deep.equal([1]);
    expect(completed).to.equal(true);
    expect(t.observed).to.equal(false);
    expect(t.leaked).to.equal(true);
  });

  it('does not report a leak when every subscriber unsubscribed before complete()', () => {
    const t = new Topic(irq);
    t.subscribe(() => undefined).unsubscribe();
    t.complete();
    expect(t.leaked).to.equal(false);
  });
});

describe('EventBus', () => {
  it('gives each descriptor one live topic, created on first use', () => {
    const bus = new EventBus('trace');
    const a = bus.topic(bioQueue);
    expect(bus.topic(bioQueue)).to.equal(a);
    expect(bus.byId('block:block_bio_queue')).to.equal(a);
    expect(bus.byId('block:nope')).to.equal(undefined);
  });

  it('lists registered topics in registration order', () => {
    const bus = new EventBus('trace');
    bus.register(rqComplete, bioQueue);
    bus.topic(irq);
    expect(bus.list().map((t) => t.descriptor.id)).to.deep.equal([
      'block:block_rq_complete',
      'block:block_bio_queue',
      'pci:msix',
    ]);
  });

  it('refuses two different descriptors with the same id', () => {
    const bus = new EventBus('trace');
    bus.topic(bioQueue);
    const impostor = tracepoint<{ other: string }>('block', 'block_bio_queue');
    expect(() => bus.topic(impostor)).to.throw(/trace: two different topics named block:block_bio_queue/);
  });

  it('never delivers one topic to another topic’s subscribers (property)', () => {
    const descs = [bioQueue, rqComplete, tracepoint<BioEntry>('nvme', 'nvme_setup_cmd')] as const;
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(2), fc.nat(1000)), { maxLength: 200 }), (emits) => {
        const bus = new EventBus('trace');
        const got: number[][] = [[], [], []];
        descs.forEach((d, i) => bus.topic(d).subscribe((e) => got[i]?.push(e.sector)));
        for (const [which, sector] of emits) bus.topic(descs[which] as (typeof descs)[number]).emit({ sector, len: 1 });
        descs.forEach((_, i) => {
          expect(got[i]).to.deep.equal(emits.filter(([w]) => w === i).map(([, s]) => s));
        });
      }),
    );
  });

  it('keeps two buses apart (two machines never see each other’s events)', () => {
    const a = new EventBus('trace');
    const b = new EventBus('trace');
    const got: string[] = [];
    a.topic(bioQueue).subscribe(() => got.push('a'));
    b.topic(bioQueue).subscribe(() => got.push('b'));
    b.topic(bioQueue).emit({ sector: 0, len: 1 });
    expect(got).to.deep.equal(['b']);
  });

  it('reports observed while any topic has a subscriber, and leftovers by id', () => {
    const bus = new EventBus('trace');
    bus.register(bioQueue, irq);
    expect(bus.observed).to.equal(false);
    const sub = bus.topic(irq).subscribe(() => undefined);
    expect(bus.observed).to.equal(true);
    expect(bus.leftovers()).to.deep.equal(['pci:msix']);
    sub.unsubscribe();
    expect(bus.observed).to.equal(false);
    expect(bus.leftovers()).to.deep.equal([]);
  });

  it('still reports a subscription left attached after complete() (leak check)', () => {
    const bus = new EventBus('trace');
    bus.topic(bioQueue).subscribe(() => undefined); // never unsubscribed
    bus
      .topic(irq)
      .subscribe(() => undefined)
      .unsubscribe();
    bus.complete();
    expect(bus.observed).to.equal(true);
    expect(bus.leftovers()).to.deep.equal(['block:block_bio_queue']);
  });

  it('delivers a re-entrant emission depth-first (documented RxJS behaviour: schedule instead)', () => {
    const bus = new EventBus('trace');
    const t = bus.topic(irq);
    const log: string[] = [];
    t.subscribe((e) => {
      log.push(`A${e.vector}`);
      if (e.vector === 1) t.emit({ vector: 2 });
    });
    t.subscribe((e) => log.push(`B${e.vector}`));
    t.emit({ vector: 1 });
    expect(log).to.deep.equal(['A1', 'A2', 'B2', 'B1']);
  });
});
