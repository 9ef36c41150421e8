import { execFileSync, spawnSync } from 'node:child_process';
import { realpathSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { hubFile, hubFileIfExists } from '../src/index.js';
import { type HubServer, seededBytes, sha256, startHubServer } from './hub-server.js';

const REPO = 'onnx-community/snac_24khz-ONNX';
const FILES: Record<string, Uint8Array> = {
  'config.json': new TextEncoder().encode('{"model_type":"snac"}'),
  'onnx/decoder_model.onnx': seededBytes(3, 30_000),
  'onnx/decoder_model_fp16.onnx': seededBytes(4, 15_000),
  'onnx/encoder_model.onnx': seededBytes(3, 30_000), // the same bytes as decoder_model.onnx: one blob, two links
};
const WALKER = join(import.meta.dirname, '../fixtures-src/walk_hf_cache.py');

let server: HubServer;
let cacheDir: string;
beforeEach(async () => {
  server = await startHubServer({ [REPO]: { files: FILES, tags: ['v1'] } });
  cacheDir = await mkdtemp(join(tmpdir(), 'mmtok-hub-py-'));
});
afterEach(async () => {
  await server.close();
  await rm(cacheDir, { recursive: true, force: true });
});

it('the cache walks as huggingface_hub documents it (Python, stdlib): refs → snapshot → blob', async () => {
  const options = { endpoint: server.endpoint, cacheDir, offline: false };
  for (const file of Object.keys(FILES)) await hubFile(`hf:${REPO}`, file, options);
  await hubFile(`hf:${REPO}@v1`, 'config.json', options);
  expect(await hubFileIfExists(`hf:${REPO}`, 'preprocessor_config.json', options)).toBeUndefined();

  const out = execFileSync('/usr/bin/python3', [WALKER, cacheDir], { encoding: 'utf8' });
  const commit = server.commitOf(REPO);
  const walked = JSON.parse(out) as { errors: string[]; repos: Record<string, unknown> };
  expect(walked.errors).toEqual([]);
  const files = Object.fromEntries(
    Object.entries(FILES).map(([path, data]) => [
      path,
      { blob: server.etagOf(REPO, path), size: data.length, sha256: sha256(data) },
    ]),
  );
  expect(walked.repos).toEqual({
    [REPO]: {
      refs: { main: commit, v1: commit },
      snapshots: { [commit]: files },
      no_exist: { [commit]: ['preprocessor_config.json'] },
      blobs: [...new Set(Object.values(files).map((f) => f.blob))].sort(),
    },
  });
  // Small files are named by git blob id, LFS files by sha256.
  expect(files['config.json'].blob).toMatch(/^[0-9a-f]{40}$/);
  expect(files['onnx/decoder_model.onnx'].blob).toBe(files['onnx/decoder_model.onnx'].sha256);
});

it('the walker refuses an absolute link and a blob whose bytes are not its name', async () => {
  const options = { endpoint: server.endpoint, cacheDir, offline: false };
  const model = await hubFile(`hf:${REPO}`, 'onnx/decoder_model_fp16.onnx', options);
  const config = await hubFile(`hf:${REPO}`, 'config.json', options);
  const blob = realpathSync(model.path);
  unlinkSync(model.path);
  symlinkSync(blob, model.path); // absolute
  writeFileSync(realpathSync(config.path), '{"model_type":"dac"}');
  const run = spawnSync('/usr/bin/python3', [WALKER, cacheDir], { encoding: 'utf8' });
  expect(run.status).toBe(1);
  const { errors } = JSON.parse(run.stdout) as { errors: string[] };
  expect(errors).toHaveLength(2);
  expect(errors[0]).toContain('config.json: blob');
  expect(errors[1]).toContain('absolute link');
});
