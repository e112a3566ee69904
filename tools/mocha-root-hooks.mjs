// Root hooks: rxjs reports errors thrown in subscribers through setTimeout, where mocha would
// pin them on some later test. Collect them and fail the test that caused them.
import { config } from 'rxjs';

process.env.STACKEMU_LOG ??= 'silent';

const pending = [];
config.onUnhandledError = (err) => {
  pending.push(err);
};

export const mochaHooks = {
  afterEach() {
    if (pending.length > 0) {
      const errs = pending.splice(0);
      throw new Error(`rxjs subscriber error(s): ${errs.map((e) => String(e?.stack ?? e)).join('\n---\n')}`);
    }
  },
};
