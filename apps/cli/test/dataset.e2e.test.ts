/**
 * `mmtok dataset` end to end (TypeScript source through tsx): every sample's token file holds what
 * `mmtok encode` writes for the same image (header and indices; only createdBy differs), status
 * reports the folder, and usage mistakes exit 2.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { decodeTokenFile } from '@mmtok/core';
import { readDatasetSamples } from '@mmtok/dataset';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const MAIN = join(here, '..', 'src', 'main.ts');
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const IMAGES = ['coffee-96x64.png', 'coins-48x38.png', 'rocket-80x53.jpg'];

let dir: string;

function mmtok(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['--conditions=source', '--import', TSX, MAIN, ...args],
      { cwd: dir, env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000 },
      (error, stdout, stderr) => done({ code: error ? Number(error.code ?? -1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mmtok-cli-dataset-'));
  await mkdir(join(dir, 'photos'));
  for (const f of IMAGES) await copyFile(join(here, 'fixtures', f), join(dir, 'photos', f));
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('mmtok dataset', () => {
  it('writes for each image the tokens mmtok encode writes, and reports the folder', async () => {
    const enc = await mmtok('encode', 'photos', '-o', 'tokens/');
    expect(enc.code, enc.stderr).toBe(0);
    const ds = await mmtok('dataset', 'encode', 'photos', '-o', 'ds', '--shard-size', '2', '--workers', '2', '--json');
    expect(ds.code, ds.stderr).toBe(0);
    expect(JSON.parse(ds.stdout)).toMatchObject({ action: 'encode', shards: 2, failed: [], index: { items: 3 } });
    const samples = [];
    for await (const s of readDatasetSamples(join(dir, 'ds'))) samples.push(s);
    expect(samples.map((s) => s.meta.source)).toEqual(IMAGES.map((f) => resolve(dir, 'photos', f)));
    for (const [i, s] of samples.entries()) {
      const fromEncode = decodeTokenFile(await readFile(join(dir, 'tokens', IMAGES[i].replace(/\.\w+$/, '.mmtok'))));
      const fromDataset = decodeTokenFile(s.tokenFile);
      expect({ ...fromDataset.header, createdBy: undefined }).toEqual({ ...fromEncode.header, createdBy: undefined });
      expect(Array.from(fromDataset.indices)).toEqual(Array.from(fromEncode.indices));
    }
    const status = await mmtok('dataset', 'status', 'ds');
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain('ds: 2/2 shards done, 0 failed, 0 missing (complete: dataset.json written)');
  });

  it('refuses a missing action, output or queue with exit 2', async () => {
    for (const args of [
      ['dataset', 'frob'],
      ['dataset', 'encode', 'photos'],
      ['dataset', 'worker'],
      ['dataset', 'encode', 'photos', '-o', 'ds', '--batch-size', '0'],
    ]) {
      const r = await mmtok(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^mmtok: .+ \(MMTOK_USAGE\)$/m);
    }
  });
});
