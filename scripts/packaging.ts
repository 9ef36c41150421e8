/**
 * What a user of the published packages gets: build, `npm pack` every publishable workspace, and
 * install the tarballs into a fresh project outside the repository (no workspace links). Used by
 * test/packaging.test.ts and scripts/install-sizes.ts.
 */
import { execFile } from 'node:child_process';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const REPO = resolve(import.meta.dirname, '..');

/** Workspaces published to npm, in dependency order. */
export const PUBLISHED = [
  'packages/core',
  'packages/diagnostics',
  'packages/image',
  'packages/audio',
  'packages/video',
  'packages/hub',
  'packages/sequence',
  'packages/dataset',
  'apps/cli',
] as const;

export interface Tarball {
  workspace: string;
  name: string;
  file: string;
  /** Packed (gzip) bytes. */
  size: number;
  unpackedSize: number;
  files: string[];
}

/** `npm` with the repository's scripts policy and no network unless the cache lacks something. */
export async function npm(args: string[], cwd: string): Promise<{ stdout: string; stderr: string }> {
  return run('npm', args, {
    cwd,
    maxBuffer: 64 << 20,
    env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' },
  });
}

/** Builds the published workspaces (turbo, cached) so dist/ and the CLI's app/ are current. */
export async function buildPublished(): Promise<void> {
  const filters = PUBLISHED.map((w) => `--filter=./${w}`);
  await run('npx', ['turbo', 'run', 'build', '--output-logs=errors-only', ...filters], {
    cwd: REPO,
    maxBuffer: 64 << 20,
  });
}

/** Packs every published workspace into `dir`. */
export async function packPublished(dir: string): Promise<Tarball[]> {
  await mkdir(dir, { recursive: true });
  const args = ['pack', '--json', '--pack-destination', dir, ...PUBLISHED.flatMap((w) => ['-w', w])];
  const { stdout } = await npm(args, REPO);
  const packed = JSON.parse(stdout) as {
    name: string;
    filename: string;
    size: number;
    unpackedSize: number;
    files: { path: string }[];
  }[];
  return packed.map((p, i) => ({
    workspace: PUBLISHED[i] ?? p.name,
    name: p.name,
    file: join(dir, p.filename),
    size: p.size,
    unpackedSize: p.unpackedSize,
    files: p.files.map((f) => f.path),
  }));
}

/**
 * A fresh project in `dir` depending on the given tarballs (plus `extra` registry packages), installed
 * from the npm cache that `npm ci` filled. npm's own config outside the repo applies, as for a user.
 */
export async function installConsumer(
  dir: string,
  tarballs: readonly Tarball[],
  extra: Record<string, string> = {},
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const dependencies: Record<string, string> = { ...extra };
  for (const t of tarballs) dependencies[t.name] = `file:${t.file}`;
  const pkg = { name: 'mmtok-consumer', private: true, type: 'module', dependencies };
  await writeFile(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  await npm(['install', '--prefer-offline', '--no-package-lock', '--loglevel=error'], dir);
}

/** Bytes of every file under `dir` (symlinks not followed). */
export async function duBytes(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += await duBytes(p);
    else if (e.isFile()) total += (await stat(p)).size;
  }
  return total;
}
