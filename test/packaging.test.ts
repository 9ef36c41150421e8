/**
 * The packages as npm users get them: every publishable workspace is built, packed and installed
 * from its tarball into a fresh project (no workspace links; registry packages from the npm cache
 * that `npm ci` filled), then used there as the READMEs show: plain `node`, the `mmtok` command,
 * and `tsc` with skipLibCheck: false. Nothing may appear on stderr.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sha256Hex } from '@mmtok/core';
import { loadTokenizer, readImage } from '@mmtok/image';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPublished, installConsumer, packPublished, REPO, type Tarball } from '../scripts/packaging.js';

const run = promisify(execFile);
const here = join(REPO, 'test/packaging');
const coffee = join(REPO, 'packages/image/assets/samples/coffee.png');

let dir: string;
let tarballs: Tarball[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mmtok-packaging-'));
  await buildPublished();
  tarballs = await packPublished(join(dir, 'tarballs'));
  const devDependencies = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')).devDependencies;
  await installConsumer(join(dir, 'app'), tarballs, {
    typescript: devDependencies.typescript,
    '@types/node': devDependencies['@types/node'],
  });
  for (const f of ['readme-example.mjs', 'types.ts', 'tsconfig.json'])
    await copyFile(join(here, f), join(dir, 'app', f));
}, 400_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Runs in the consumer project; any stderr output fails the caller's assertion. */
function inApp(cmd: string, args: string[]) {
  return run(cmd, args, { cwd: join(dir, 'app'), maxBuffer: 16 << 20, env: { ...process.env, CI: '' } });
}

describe('published tarballs', () => {
  it('hold README, LICENSE, the publishing fields and every file their exports and assets name', async () => {
    for (const t of tarballs) {
      expect(t.files, t.name).toEqual(expect.arrayContaining(['README.md', 'LICENSE', 'package.json']));
      expect(
        t.files.filter((f) => /(^|\/)(test|\.turbo|node_modules)\/|tsconfig|\.tsbuildinfo$/.test(f)),
        t.name,
      ).toEqual([]);
      const pkg = JSON.parse(await readFile(join(REPO, t.workspace, 'package.json'), 'utf8'));
      expect(pkg.private, t.name).toBeUndefined();
      expect(pkg.engines?.node, t.name).toBe('>=20.19');
      expect(pkg.repository?.directory, t.name).toBe(t.workspace);
      for (const target of Object.values<Record<string, string>>(pkg.exports)) {
        const files = typeof target === 'string' ? [target] : [target.types, target.default].filter(Boolean);
        for (const f of files) expect(t.files, `${t.name} exports ${f}`).toContain(f.replace(/^\.\//, ''));
      }
    }
    const byName = new Map(tarballs.map((t) => [t.name, t.files]));
    expect(byName.get('@mmtok/video')).toContain('assets/per-frame/manifest.json');
    // The browser entry: the default tokenizer's files it fetches, and the ONNX loader it runs.
    expect(byName.get('@mmtok/image')).toEqual(
      expect.arrayContaining([
        'dist/browser.js',
        'dist/fetch-tokenizer.js',
        'assets/default/manifest.json',
        'assets/default/encoder.safetensors',
        'assets/default/quantizer.safetensors',
      ]),
    );
    expect(byName.get('@mmtok/cli')).toEqual(expect.arrayContaining(['bin/mmtok.js', 'app/index.html']));
  });

  it('install without the optional heavy runtimes: core and the media packages leave them to the user', async () => {
    const core = JSON.parse(await readFile(join(dir, 'app/node_modules/@mmtok/core/package.json'), 'utf8'));
    expect(core.peerDependenciesMeta.webgpu.optional).toBe(true);
    const { stdout, stderr } = await inApp('node', [
      '--input-type=module',
      '-e',
      `import { createQuantizer } from '@mmtok/core';
       try {
         const q = await createQuantizer({ type: 'fsq', levels: [8, 5, 5, 5] }, { backend: 'webgpu' });
         await q.encode({ data: new Float32Array(4), shape: [1, 4] });
       } catch (e) { console.log(e.code, e.message); }`,
    ]);
    expect(stderr).toBe('');
    expect(stdout).toMatch(/^MMTOK_BACKEND .*npm install webgpu/);
    // The browser entry's ONNX path without onnxruntime-web (an optional peer): what to install.
    const image = JSON.parse(await readFile(join(dir, 'app/node_modules/@mmtok/image/package.json'), 'utf8'));
    expect(image.peerDependenciesMeta['onnxruntime-web'].optional).toBe(true);
    const manifest = await readFile(join(REPO, 'packages/image/test/fixtures/onnx/fsq.manifest.json'), 'utf8');
    const web = await inApp('node', [
      '--input-type=module',
      '-e',
      `import { loadTokenizer } from '@mmtok/image/browser';
       const files = { 'fsq.encoder.onnx': new Uint8Array(1), 'fsq.decoder.onnx': new Uint8Array(1) };
       try { await loadTokenizer({ manifest: ${JSON.stringify(manifest)}, files }); }
       catch (e) { console.log(e.code, e.message); }`,
    ]);
    expect(web.stderr).toBe('');
    expect(web.stdout).toMatch(/^MMTOK_BACKEND .*npm install onnxruntime-web/);
  });

  it('run the README example with plain node, giving the tokens the workspace gives', async () => {
    const { stdout, stderr } = await inApp('node', ['readme-example.mjs']);
    expect(stderr).toBe('');
    const out = JSON.parse(stdout);
    expect(out.fsq.shape).toEqual([100]);
    expect(out.fsq.codes).toEqual([100, 4]);
    expect(out.fsq.max).toBeLessThan(8 * 5 * 5 * 5);
    expect(out.vq.shape).toEqual([50]);
    const image = await readImage(coffee);
    const tokens = await (await loadTokenizer('default')).encode(image);
    expect(out.image.shape).toEqual(tokens.shape);
    const bytes = new Uint8Array(tokens.indices.buffer, tokens.indices.byteOffset, tokens.indices.byteLength);
    expect(out.image.sha256).toBe(await sha256Hex(bytes));
    expect(out.image.psnr).toBeGreaterThan(20);
    expect(out.image.ssim).toBeGreaterThan(0.5);
    expect(out.audio.samples).toBeGreaterThanOrEqual(16_000);
    expect(Object.keys(out.video).sort()).toEqual(['default', 'per-frame']);
    for (const v of Object.values<{ frames: number }>(out.video)) expect(v.frames).toBe(9);
  });

  it('run the mmtok command: encode, decode, info, diagnose, dashboard --export, dataset encode', async () => {
    await mkdir(join(dir, 'app/photos'));
    await copyFile(coffee, join(dir, 'app/photos/coffee.png'));
    const steps: string[][] = [
      ['encode', coffee, '-o', 'photo.mmtok'],
      ['decode', 'photo.mmtok', '-o', 'back.png'],
      ['info', 'photo.mmtok'],
      ['diagnose', coffee, '-o', 'report/'],
      ['dashboard', 'report/', '--export', 'site/'],
      // Shards on a worker thread: the pool's worker file must be in the tarball.
      ['dataset', 'encode', 'photos/', '-o', 'ds/', '--workers', '1'],
    ];
    for (const args of steps) {
      const { stderr } = await inApp('npx', ['--no-install', 'mmtok', ...args]);
      expect(stderr, `mmtok ${args.join(' ')}`).toBe('');
    }
    const back = await readImage(join(dir, 'app/back.png'));
    expect([back.width, back.height]).toEqual([(await readImage(coffee)).width, (await readImage(coffee)).height]);
    const index = await readFile(join(dir, 'app/site/index.html'), 'utf8');
    expect(index).toContain('<script');
    const status = await inApp('npx', ['--no-install', 'mmtok', 'dataset', 'status', 'ds/']);
    expect(status.stdout).toMatch(/1\/1 shards done, 0 failed/);
    expect(status.stderr).toBe('');
  }, 180_000);

  it('type-check with skipLibCheck: false', async () => {
    const { stdout, stderr } = await inApp('npx', ['--no-install', 'tsc', '-p', 'tsconfig.json']).catch(
      (e: { stdout: string; stderr: string }) => e,
    );
    expect(stdout + stderr).toBe('');
  }, 180_000);
});
