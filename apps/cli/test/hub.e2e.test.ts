/** `mmtok info hf:…` and `mmtok tokenizers --cached`: the real process against a local Hub (127.0.0.1). */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type HubServer, seededBytes, startHubServer } from '@mmtok/hub/test-server';
import { afterAll, beforeAll, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const MAIN = join(here, '..', 'src', 'main.ts');
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const REPO = 'onnx-community/dac-tiny-ONNX';
const CONFIG = '{"model_type":"dac","sampling_rate":44100}';

let server: HubServer;
let cache: string;

beforeAll(async () => {
  server = await startHubServer({
    [REPO]: {
      files: {
        'config.json': CONFIG,
        'onnx/encoder_model.onnx': seededBytes(1, 1000),
        'onnx/encoder_model_fp16.onnx': seededBytes(2, 600),
        'onnx/decoder_model_quantized.onnx': seededBytes(3, 400),
      },
    },
    'org/gated': { files: { 'config.json': CONFIG }, gatedToken: 'hf_x' },
  });
  cache = await mkdtemp(join(tmpdir(), 'mmtok-cli-hub-'));
});
afterAll(async () => {
  await server?.close();
  await rm(cache, { recursive: true, force: true });
});

function mmtok(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', HF_ENDPOINT: server.endpoint, HF_HUB_CACHE: cache };
  delete env.HF_TOKEN;
  delete env.HF_HUB_OFFLINE;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--conditions=source', '--import', TSX, MAIN, ...args],
      { env, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? -1) : 0, stdout, stderr }),
    );
  });
}

it('info hf:… shows the commit, model_type and the dtypes per ONNX model; tokenizers --cached lists the cache', async () => {
  const info = await mmtok('info', `hf:${REPO}`, '--json');
  expect(info.code, info.stderr).toBe(0);
  expect(JSON.parse(info.stdout)).toEqual({
    kind: 'hub-repo',
    repo: REPO,
    revision: 'main',
    commit: server.commitOf(REPO),
    modelType: 'dac',
    files: [
      'config.json',
      'onnx/decoder_model_quantized.onnx',
      'onnx/encoder_model.onnx',
      'onnx/encoder_model_fp16.onnx',
    ],
    models: [
      { name: 'decoder_model', dtypes: { q8: 'onnx/decoder_model_quantized.onnx' } },
      { name: 'encoder_model', dtypes: { fp32: 'onnx/encoder_model.onnx', fp16: 'onnx/encoder_model_fp16.onnx' } },
    ],
  });
  const human = await mmtok('info', `hf:${REPO}`);
  expect(human.stdout).toContain('model_type dac');
  expect(human.stdout).toContain('encoder_model: fp32, fp16');

  const cached = await mmtok('tokenizers', '--cached', '--json');
  expect(cached.code, cached.stderr).toBe(0);
  expect(JSON.parse(cached.stdout)).toEqual({
    cacheDir: cache,
    repos: [
      {
        repo: REPO,
        path: join(cache, 'models--onnx-community--dac-tiny-ONNX'),
        size: CONFIG.length, // info fetched config.json only
        revisions: [{ commit: server.commitOf(REPO), refs: ['main'], files: 1, size: CONFIG.length }],
      },
    ],
  });
  expect((await mmtok('tokenizers', '--cached')).stdout).toContain(`hf:${REPO}  ${CONFIG.length} B`);
});

it('a gated repo without HF_TOKEN fails with MMTOK_HUB_UNAUTHORIZED', async () => {
  const r = await mmtok('info', 'hf:org/gated');
  expect(r.code).not.toBe(0);
  expect(r.stderr).toContain('(MMTOK_HUB_UNAUTHORIZED)');
});
