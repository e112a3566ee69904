/**
 * Memory cost of the model: RSS of a process that configures a 64 GiB machine and touches 1 GiB of it
 * through a process's stores (target: under 1.2 GiB).
 * Run: `node packages/mm/dist-bench/rss.bench.js`.
 * @packageDocumentation
 */
import { execFileSync } from 'node:child_process';
import { createLogger, createMachine } from '@stackemu/core';
import { MAP_ANONYMOUS, MAP_PRIVATE, Mm, mmPlugin, PhysMem, PROT_READ, PROT_WRITE } from '@stackemu/mm';

const GiB = 2 ** 30;

async function child(thp: string): Promise<void> {
  const base = process.memoryUsage().rss;
  const m = await createMachine({ plugins: [{ name: 'mm', params: { mem: '64g', thp } }] }, [mmPlugin], {
    logger: createLogger({ level: 'silent' }),
  });
  const configured = process.memoryUsage().rss;
  const mm = m.get<Mm>(Mm).createMm('toucher');
  const a = mm.mmap(0, GiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
  const chunk = new Uint8Array(1 << 20).fill(0xa5);
  for (let off = 0; off < GiB; off += chunk.length) {
    if (mm.copyToUser(a + off, chunk, 0, chunk.length) !== 0) throw new RangeError('rss bench: store failed');
  }
  global.gc?.();
  const touched = process.memoryUsage().rss;
  const fp = m.get<PhysMem>(PhysMem).memoryFootprint();
  process.stdout.write(
    JSON.stringify({ base, configured, touched, metadata: fp.metadataBytes, data: fp.dataBytes, rssPages: mm.rss() }),
  );
}

const arg = process.argv.find((x) => x.startsWith('--thp='));
if (arg !== undefined) await child(arg.slice(6));
else {
  process.stdout.write('mm: RSS after configuring a 64 GiB machine and touching 1 GiB (target < 1.2 GiB)\n');
  for (const thp of ['never', 'always']) {
    const out = execFileSync(process.execPath, ['--expose-gc', import.meta.filename, `--thp=${thp}`], {
      encoding: 'utf8',
    });
    const r = JSON.parse(out) as Record<string, number>;
    const g = (b: number | undefined): string => `${((b ?? 0) / GiB).toFixed(3)} GiB`;
    process.stdout.write(
      `  thp=${thp.padEnd(6)} RSS: empty process ${g(r['base'])}, after configuring 64 GiB ${g(r['configured'])}, after touching 1 GiB ${g(r['touched'])} (model: page data ${g(r['data'])}, page metadata ${g(r['metadata'])}; ${r['rssPages']} pages resident)\n`,
    );
  }
}
