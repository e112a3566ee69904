#!/usr/bin/env node
// Runs every package's benches, one Node process per script, in a stable order.
//
// Convention: a package keeps bench sources in `packages/<pkg>/bench/*.bench.ts` with a
// `bench/tsconfig.json` (rootDir ".", outDir "../dist-bench", a reference to ".."). This script builds
// every such project (`tsc -b`), then runs each `packages/*/dist-bench/**/*.bench.js` (and
// `examples/dist-bench/**`) with its output passed through. Benches print their own figures; they are
// never timed tests.
//
// Usage: node tools/run-benches.mjs [substring…]   (only scripts whose path contains one of the substrings)
//        --no-build                                  skip the tsc -b step
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const noBuild = args.includes('--no-build');
const filters = args.filter((a) => !a.startsWith('--'));

/** Directories that may hold a bench/ project: every package, plus examples. */
function packageDirs() {
  const pk = join(root, 'packages');
  const dirs = existsSync(pk) ? readdirSync(pk).map((d) => join(pk, d)) : [];
  dirs.push(join(root, 'examples'));
  return dirs.filter((d) => existsSync(d) && statSync(d).isDirectory()).sort();
}

/** Every file under `dir` whose name ends with `.bench.js`, sorted. */
function benchFiles(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...benchFiles(p));
    else if (e.name.endsWith('.bench.js')) out.push(p);
  }
  return out.sort();
}

const projects = packageDirs()
  .map((d) => join(d, 'bench'))
  .filter((b) => existsSync(join(b, 'tsconfig.json')));

if (!noBuild && projects.length > 0) {
  const tsc = join(root, 'node_modules', '.bin', 'tsc');
  const r = spawnSync(tsc, ['-b', ...projects.map((p) => relative(root, p))], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    process.stderr.write(`run-benches: tsc -b of the bench projects failed (exit ${r.status})\n`);
    process.exit(r.status ?? 1);
  }
}

const scripts = packageDirs()
  .flatMap((d) => benchFiles(join(d, 'dist-bench')))
  .filter((f) => filters.length === 0 || filters.some((s) => relative(root, f).includes(s)));

if (scripts.length === 0) {
  process.stderr.write('run-benches: no packages/*/dist-bench/**/*.bench.js found\n');
  process.exit(1);
}

let failed = 0;
for (const f of scripts) {
  process.stdout.write(`\n== ${relative(root, f)}\n`);
  const r = spawnSync(process.execPath, [f], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    process.stderr.write(`run-benches: ${relative(root, f)} exited ${r.status ?? r.signal}\n`);
  }
}
process.exit(failed === 0 ? 0 : 1);
