/**
 * What installing mmtok from npm weighs: each tarball, `@mmtok/core` alone, each media package, and
 * the CLI with everything, each installed into a fresh project from the packed tarballs. Prints a
 * table and writes bench-results/install-sizes.json. Run: npx tsx scripts/install-sizes.ts
 * (builds first unless --no-build; uses the npm cache that `npm ci` filled).
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPublished, duBytes, installConsumer, packPublished, REPO, type Tarball } from './packaging.js';

const MB = 1e6;
const work = await mkdtemp(join(tmpdir(), 'mmtok-sizes-'));
try {
  // --no-build: measure the dist/ folders as they are.
  if (!process.argv.includes('--no-build')) await buildPublished();
  const tarballs = await packPublished(join(work, 'tarballs'));
  const byName = new Map(tarballs.map((t) => [t.name, t]));
  const dependencies = new Map<string, string[]>();
  for (const t of tarballs) {
    const pkg = JSON.parse(await readFile(join(REPO, t.workspace, 'package.json'), 'utf8'));
    dependencies.set(
      t.name,
      Object.keys(pkg.dependencies ?? {}).filter((d) => byName.has(d)),
    );
  }
  /** The tarballs of `name` and of every @mmtok package it needs, so none is looked up by name. */
  const closure = (name: string, seen = new Set<string>()): Tarball[] => {
    if (!seen.has(name)) {
      seen.add(name);
      for (const d of dependencies.get(name) ?? []) closure(d, seen);
    }
    return [...seen].map((n) => byName.get(n) as Tarball);
  };

  const installs: { install: string; bytes: number; packages: number }[] = [];
  for (const name of ['@mmtok/core', '@mmtok/image', '@mmtok/audio', '@mmtok/video', '@mmtok/cli']) {
    const dir = join(work, name.replace('/', '-'));
    const wanted = closure(name);
    await installConsumer(dir, wanted);
    const modules = join(dir, 'node_modules');
    installs.push({ install: name, bytes: await duBytes(modules), packages: wanted.length });
    await rm(dir, { recursive: true, force: true });
  }

  console.log('tarball                   packed      unpacked');
  for (const t of tarballs) {
    console.log(
      `${t.name.padEnd(24)} ${(t.size / MB).toFixed(2).padStart(7)} MB ${(t.unpackedSize / MB).toFixed(2).padStart(8)} MB`,
    );
  }
  console.log('\ninstall (fresh project)   node_modules');
  for (const i of installs) console.log(`${i.install.padEnd(24)} ${(i.bytes / MB).toFixed(1).padStart(8)} MB`);

  await mkdir(join(REPO, 'bench-results'), { recursive: true });
  const json = {
    date: new Date().toISOString(),
    tarballs: tarballs.map(({ name, size, unpackedSize }) => ({ name, size, unpackedSize })),
    installs,
  };
  await writeFile(join(REPO, 'bench-results/install-sizes.json'), `${JSON.stringify(json, null, 2)}\n`);
} finally {
  await rm(work, { recursive: true, force: true });
}
