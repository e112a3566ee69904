import { expect } from 'chai';
import { main, type CliIo } from '@stackemu/cli';

function io(files: Record<string, string> = {}): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: (s) => out.push(s),
    stderr: (s) => err.push(s),
    readFile: (p) => files[p],
    writeFile: (p, t) => (files[p] = t),
    env: {},
    isTTY: false,
    clock: { nowNs: () => 0, epochMs: () => 0 },
  };
}

describe('main()', () => {
  it('lists built-in stacks and plugins', async () => {
    const s = io();
    expect(await main(['stacks'], s)).to.equal(0);
    expect(s.out.join('')).to.match(/^default {6}NVMe SSD/);
    const p = io();
    expect(await main(['plugins'], p)).to.equal(0);
    expect(p.out.join('')).to.match(/^mm /m);
    expect(p.out.join('')).to.match(/^vfs /m);
  });
  it('reports errors as one line and a non-zero exit', async () => {
    const a = io();
    expect(await main(['fio', '--name=t', '--bogus=1'], a)).to.equal(1);
    expect(a.err).to.deep.equal(["fio: unrecognized option '--bogus=1'\n"]);
    const b = io();
    expect(await main(['fio', '--name=t', '--rate_iops=10'], b)).to.equal(1);
    expect(b.err.join('')).to.match(
      /^fio: option 'rate_iops' is not supported by stackemu: rate limiting is not modelled\n$/,
    );
    const c = io();
    expect(await main(['frob'], c)).to.equal(1);
    expect(c.err.join('')).to.equal('stackemu: unknown command "frob" (commands: fio, stacks, plugins)\n');
    const d = io();
    expect(await main(['fio', '--stack', 'nope.yaml', '--name=t'], d)).to.equal(1);
    expect(d.err.join('')).to.match(/^stackemu: --stack nope.yaml: no such file or built-in stack/);
    const e = io();
    expect(await main(['fio', '--set', 'nfs.x=1', '--name=t'], e)).to.equal(1);
    expect(e.err.join('')).to.match(/plugin "nfs" is not in stack "default"/);
  });
  it('prints usage without a command', async () => {
    const a = io();
    expect(await main([], a)).to.equal(2);
    expect(a.out.join('')).to.match(/^usage: stackemu/);
  });
});
