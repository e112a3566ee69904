import { expect } from 'chai';
import fc from 'fast-check';
import { delay, interval, of, take, timer, concatMap, map } from 'rxjs';
import { VirtualScheduler, type TimerHandle } from '@stackemu/core';

describe('VirtualScheduler', () => {
  describe('schedule() and runSync()', () => {
    it('runs events in virtual-time order, advancing now() to each', () => {
      const s = new VirtualScheduler();
      const seen: string[] = [];
      s.schedule(30, () => seen.push(`c@${s.now()}`));
      s.schedule(10, () => seen.push(`a@${s.now()}`));
      s.schedule(20, () => seen.push(`b@${s.now()}`));
      const r = s.runSync();
      expect(seen).to.deep.equal(['a@10', 'b@20', 'c@30']);
      expect(r).to.deep.equal({ events: 3, now: 30, reason: 'idle' });
      expect(s.executed).to.equal(3);
      expect(s.pending).to.equal(0);
    });

    it('breaks ties by insertion order, including events scheduled by events', () => {
      const s = new VirtualScheduler();
      const seen: string[] = [];
      s.schedule(5, () => {
        seen.push('a');
        s.schedule(0, () => seen.push('a-child')); // same time, after every event already queued at 5
      });
      s.schedule(5, () => seen.push('b'));
      s.schedule(5, () => seen.push('c'));
      s.runSync();
      expect(seen).to.deep.equal(['a', 'b', 'c', 'a-child']);
    });

    it('passes the argument through without a closure', () => {
      const s = new VirtualScheduler();
      const got: number[] = [];
      const fn = (n: number): void => {
        got.push(n);
      };
      s.schedule(1, fn, 7);
      s.scheduleAt(3, fn, 9);
      s.runSync();
      expect(got).to.deep.equal([7, 9]);
    });

    it('rejects negative, NaN and infinite delays, and times in the past', () => {
      const s = new VirtualScheduler();
      const noop = (): void => undefined;
      expect(() => s.schedule(-1, noop)).to.throw(RangeError, /scheduler: delay/);
      expect(() => s.schedule(Number.NaN, noop)).to.throw(RangeError);
      expect(() => s.schedule(Infinity, noop)).to.throw(RangeError);
      s.schedule(10, noop);
      s.runSync();
      expect(() => s.scheduleAt(9, noop, undefined)).to.throw(RangeError, /scheduler: time/);
      expect(() => s.scheduleAt(Infinity, noop, undefined)).to.throw(RangeError);
      expect(() => s.sleep(-5)).to.throw(RangeError);
      expect(s.pending).to.equal(0);
    });

    it('keeps its state consistent when an event throws', () => {
      const s = new VirtualScheduler();
      const seen: number[] = [];
      s.schedule(1, () => {
        throw new Error('boom');
      });
      s.schedule(2, () => seen.push(2));
      expect(() => s.runSync()).to.throw('boom');
      expect(s.now()).to.equal(1);
      expect(s.pending).to.equal(1);
      s.runSync();
      expect(seen).to.deep.equal([2]);
    });

    it('refuses to run re-entrantly', () => {
      const s = new VirtualScheduler();
      let inner: unknown;
      s.schedule(1, () => {
        try {
          s.runSync();
        } catch (e) {
          inner = e;
        }
      });
      s.runSync();
      expect(inner).to.be.instanceOf(Error);
      expect(String(inner)).to.match(/while the scheduler is running/);
    });
  });

  describe('cancel()', () => {
    it('cancels a pending event once and reports whether it was pending', () => {
      const s = new VirtualScheduler();
      const seen: string[] = [];
      const h = s.schedule(10, () => seen.push('cancelled'));
      s.schedule(20, () => seen.push('kept'));
      expect(s.pending).to.equal(2);
      expect(s.cancel(h)).to.equal(true);
      expect(h.done).to.equal(true);
      expect(s.cancel(h)).to.equal(false);
      expect(s.pending).to.equal(1);
      s.runSync();
      expect(seen).to.deep.equal(['kept']);
      expect(s.executed).to.equal(1);
    });

    it('returns false for an event that already fired', () => {
      const s = new VirtualScheduler();
      const h = s.schedule(1, () => undefined);
      s.runSync();
      expect(h.done).to.equal(true);
      expect(s.cancel(h)).to.equal(false);
    });

    it('refuses handles of another scheduler and forged ones', () => {
      const a = new VirtualScheduler();
      const b = new VirtualScheduler();
      const h = a.schedule(1, () => undefined);
      expect(() => b.cancel(h)).to.throw(RangeError);
      const forged: TimerHandle = { time: 1, done: false };
      expect(() => a.cancel(forged)).to.throw(RangeError);
      expect(a.pending).to.equal(1);
      expect(b.pending).to.equal(0);
    });

    it('purges cancelled events when they outnumber live ones, keeping order', () => {
      const s = new VirtualScheduler();
      const seen: number[] = [];
      const handles: TimerHandle[] = [];
      // A timeout per I/O, cancelled at completion: the heap must not grow without bound.
      for (let i = 0; i < 5000; i++) handles.push(s.schedule(1_000_000 + i, () => seen.push(-1)));
      for (let i = 0; i < 10; i++) s.schedule(100 - i, (n: number) => seen.push(n), i);
      for (const h of handles) s.cancel(h);
      expect(s.pending).to.equal(10);
      s.runSync();
      expect(seen).to.deep.equal([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    });
  });

  describe('run limits', () => {
    it('stops at until (inclusive) and advances now() to it', () => {
      const s = new VirtualScheduler();
      const seen: number[] = [];
      for (const t of [10, 20, 30, 40]) s.schedule(t, () => seen.push(t));
      expect(s.runSync({ until: 30 })).to.deep.equal({ events: 3, now: 30, reason: 'until' });
      expect(seen).to.deep.equal([10, 20, 30]);
      expect(s.runSync({ until: 35 })).to.deep.equal({ events: 0, now: 35, reason: 'until' });
      expect(s.runSync({ until: 100 })).to.deep.equal({ events: 1, now: 100, reason: 'idle' });
      expect(seen).to.deep.equal([10, 20, 30, 40]);
    });

    it('reports idle, not until, when only cancelled events remain', () => {
      const s = new VirtualScheduler();
      const h = s.schedule(100, () => undefined);
      s.cancel(h);
      expect(s.runSync({ until: 50 })).to.deep.equal({ events: 0, now: 50, reason: 'idle' });
    });

    it('stops after maxEvents', () => {
      const s = new VirtualScheduler();
      for (let i = 1; i <= 5; i++) s.schedule(i, () => undefined);
      expect(s.runSync({ maxEvents: 2 })).to.deep.equal({ events: 2, now: 2, reason: 'maxEvents' });
      expect(s.pending).to.equal(3);
      expect(s.runSync()).to.deep.equal({ events: 3, now: 5, reason: 'idle' });
    });

    it('applies the same limits in run()', async () => {
      const s = new VirtualScheduler();
      for (let i = 1; i <= 5; i++) s.schedule(i * 10, () => undefined);
      expect(await s.run({ maxEvents: 1 })).to.deep.equal({ events: 1, now: 10, reason: 'maxEvents' });
      expect(await s.run({ until: 35 })).to.deep.equal({ events: 2, now: 35, reason: 'until' });
      expect(await s.run()).to.deep.equal({ events: 2, now: 50, reason: 'idle' });
    });
  });

  describe('async processes: sleep(), defer() and run()', () => {
    it('wakes processes at the right virtual time across chains of awaits', async () => {
      const s = new VirtualScheduler();
      const log: string[] = [];
      const helper = async (tag: string): Promise<void> => {
        await Promise.resolve();
        await Promise.resolve();
        log.push(`${tag}@${s.now()}`);
      };
      const proc = async (name: string, step: number, n: number): Promise<void> => {
        for (let i = 0; i < n; i++) {
          await s.sleep(step);
          await helper(`${name}${i}`); // more awaits after the wakeup: must still run before the next event
        }
      };
      const a = proc('a', 10, 3);
      const b = proc('b', 15, 2);
      s.schedule(25, () => log.push(`event@${s.now()}`));
      const r = await s.run();
      await Promise.all([a, b]);
      expect(log).to.deep.equal(['a0@10', 'b0@15', 'a1@20', 'event@25', 'b1@30', 'a2@30']);
      expect(r.now).to.equal(30);
      expect(r.reason).to.equal('idle');
    });

    it('lets an awakened process schedule and cancel before the next event runs', async () => {
      const s = new VirtualScheduler();
      const log: string[] = [];
      const d = s.defer<number>();
      const victim = s.schedule(20, () => log.push('victim'));
      s.schedule(10, () => {
        d.resolve(42);
      });
      s.schedule(20, () => log.push('other@20'));
      const proc = (async () => {
        const v = await d.promise;
        await Promise.resolve();
        log.push(`woke ${v}@${s.now()}`);
        s.cancel(victim);
        s.schedule(5, () => log.push(`new@${s.now()}`));
      })();
      await s.run();
      await proc;
      expect(log).to.deep.equal(['woke 42@10', 'new@15', 'other@20']);
    });

    it('propagates defer().reject to the waiting process', async () => {
      const s = new VirtualScheduler();
      const d = s.defer<undefined>();
      s.schedule(7, () => {
        d.reject(new Error('EIO'));
      });
      let caught = '';
      const proc = (async () => {
        try {
          await d.promise;
        } catch (e) {
          caught = `${(e as Error).message}@${s.now()}`;
        }
      })();
      await s.run();
      await proc;
      expect(caught).to.equal('EIO@7');
    });

    it('runs processes started before run() up to their first wait', async () => {
      const s = new VirtualScheduler();
      const seen: number[] = [];
      void (async () => {
        await Promise.resolve();
        await Promise.resolve();
        await s.sleep(5);
        seen.push(s.now());
      })();
      const r = await s.run();
      expect(seen).to.deep.equal([5]);
      expect(r.events).to.equal(1);
    });

    it('handles many wakeups (past the event-loop yield period) deterministically', async () => {
      const simulate = async (): Promise<{ digest: number; events: number; now: number }> => {
        const s = new VirtualScheduler();
        let digest = 0;
        const proc = async (id: number): Promise<void> => {
          for (let i = 0; i < 300; i++) {
            await s.sleep(1 + ((id * 7 + i) % 5));
            digest = (digest * 31 + id * 1000 + s.now()) % 1_000_000_007;
          }
        };
        const procs = [1, 2, 3, 4, 5, 6, 7, 8].map(proc);
        const r = await s.run();
        await Promise.all(procs);
        return { digest, events: r.events, now: r.now };
      };
      const a = await simulate();
      const b = await simulate();
      expect(a.events).to.equal(2400);
      expect(b).to.deep.equal(a);
    });

    it('rejects run() while running', async () => {
      const s = new VirtualScheduler();
      s.schedule(1, () => undefined);
      const first = s.run();
      let err: unknown;
      try {
        await s.run();
      } catch (e) {
        err = e;
      }
      await first;
      expect(String(err)).to.match(/while the scheduler is running/);
    });
  });

  describe('runUntil()', () => {
    it('runs events until the awaited work settles, leaving later events pending', async () => {
      const s = new VirtualScheduler();
      const seen: number[] = [];
      s.schedule(5_000, () => seen.push(5_000));
      const work = (async () => {
        await s.sleep(100);
        seen.push(s.now());
        await s.sleep(100);
        return s.now();
      })();
      expect(await s.runUntil(work)).to.equal(200);
      expect(seen).to.deep.equal([100]);
      expect(s.pending).to.equal(1);
      await s.run();
      expect(seen).to.deep.equal([100, 5_000]);
    });

    it("propagates the work's rejection", async () => {
      const s = new VirtualScheduler();
      const work = (async () => {
        await s.sleep(10);
        throw new Error('EIO');
      })();
      let caught: unknown;
      try {
        await s.runUntil(work);
      } catch (e) {
        caught = e;
      }
      expect((caught as Error).message).to.equal('EIO');
      expect(s.now()).to.equal(10);
    });

    it('throws on a deadlock: no events left and the work still pending', async () => {
      const s = new VirtualScheduler();
      let caught: unknown;
      try {
        await s.runUntil(new Promise<void>(() => undefined));
      } catch (e) {
        caught = e;
      }
      expect((caught as Error).message).to.match(/deadlock/);
    });

    it('stops run() as soon as stopWhen() is true', async () => {
      const s = new VirtualScheduler();
      let n = 0;
      for (let i = 1; i <= 10; i++) s.schedule(i, () => n++);
      const r = await s.run({ stopWhen: () => n === 3 });
      expect(r.reason).to.equal('stopWhen');
      expect(n).to.equal(3);
      expect(s.now()).to.equal(3);
    });
  });

  describe('heap order (property)', () => {
    it('runs 10^5 random events in (time, insertion) order', () => {
      fc.assert(
        fc.property(
          fc.array(fc.tuple(fc.nat(1000), fc.boolean()), { minLength: 100_000, maxLength: 100_000 }),
          (specs) => {
            const s = new VirtualScheduler();
            const fired: number[] = [];
            const handles: TimerHandle[] = [];
            const record = (i: number): void => {
              fired.push(i);
            };
            specs.forEach(([t], i) => handles.push(s.schedule(t, record, i)));
            specs.forEach(([, cancel], i) => {
              if (cancel) s.cancel(handles[i] as TimerHandle);
            });
            s.runSync();
            const expected = specs
              .map(([t, cancel], i) => ({ t, cancel, i }))
              .filter((e) => !e.cancel)
              .sort((a, b) => a.t - b.t || a.i - b.i)
              .map((e) => e.i);
            expect(fired).to.deep.equal(expected);
          },
        ),
        { numRuns: 3, endOnFailure: true }, // no shrinking of 10^5-element counterexamples
      );
    });

    it('keeps order when events schedule more events while running (small cases)', () => {
      fc.assert(
        fc.property(fc.array(fc.tuple(fc.nat(50), fc.nat(50)), { minLength: 1, maxLength: 200 }), (specs) => {
          const s = new VirtualScheduler();
          const fired: { t: number; seq: number }[] = [];
          let seq = 0;
          for (const [t, child] of specs) {
            const mySeq = seq++;
            s.schedule(t, () => {
              fired.push({ t: s.now(), seq: mySeq });
              const cs = seq++;
              s.schedule(child, () => fired.push({ t: s.now(), seq: cs }));
            });
          }
          s.runSync();
          for (let i = 1; i < fired.length; i++) {
            const a = fired[i - 1] as { t: number; seq: number };
            const b = fired[i] as { t: number; seq: number };
            expect(a.t < b.t || (a.t === b.t && a.seq < b.seq)).to.equal(true);
          }
          expect(fired.length).to.equal(specs.length * 2);
        }),
        { numRuns: 200 },
      );
    });
  });

  describe('rx(): RxJS operators in virtual time', () => {
    it('runs delay() in virtual ns', async () => {
      const s = new VirtualScheduler();
      const got: string[] = [];
      of(1, 2)
        .pipe(delay(100, s.rx()))
        .subscribe((v) => got.push(`${v}@${s.now()}`));
      expect(got).to.deep.equal([]);
      await s.run();
      expect(got).to.deep.equal(['1@100', '2@100']);
    });

    it('runs timer() and interval() with a unit of 1 µs', () => {
      const s = new VirtualScheduler();
      const rx = s.rx(1000);
      const got: string[] = [];
      timer(5, rx).subscribe(() => got.push(`timer@${s.now()}`));
      interval(2, rx)
        .pipe(take(3))
        .subscribe((i) => got.push(`tick${i}@${s.now()}`));
      s.runSync();
      expect(got).to.deep.equal(['tick0@2000', 'tick1@4000', 'timer@5000', 'tick2@6000']);
      expect(rx.now()).to.equal(6);
    });

    it('cancels scheduled work on unsubscribe', () => {
      const s = new VirtualScheduler();
      const got: number[] = [];
      const sub = interval(10, s.rx()).subscribe((i) => got.push(i));
      s.runSync({ until: 25 });
      sub.unsubscribe();
      s.runSync();
      expect(got).to.deep.equal([0, 1]);
      expect(s.pending).to.equal(0);
    });

    it('sequences per-item delays (concatMap + delay) on the virtual clock', () => {
      const s = new VirtualScheduler();
      const rx = s.rx();
      const got: number[] = [];
      of(30, 10, 20)
        .pipe(
          concatMap((d) => of(d).pipe(delay(d, rx))),
          map(() => s.now()),
        )
        .subscribe((t) => got.push(t));
      s.runSync();
      expect(got).to.deep.equal([30, 40, 60]);
    });

    it('rejects a non-positive unit', () => {
      expect(() => new VirtualScheduler().rx(0)).to.throw(RangeError);
    });
  });
});
