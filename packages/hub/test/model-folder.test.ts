import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { resolveModelFolder } from '../src/index.js';
import { type HubServer, seededBytes, startHubServer } from './hub-server.js';

const REPO = 'org/hubert-tiny-ONNX';
let server: HubServer;
let dir: string;
beforeEach(async () => {
  server = await startHubServer({
    [REPO]: {
      files: {
        'config.json': '{"model_type":"hubert"}',
        'onnx/model_fp16.onnx': seededBytes(5, 3000),
        'onnx/model_fp16.onnx_data': seededBytes(6, 5000),
      },
    },
  });
  dir = await mkdtemp(join(tmpdir(), 'mmtok-model-folder-'));
});
afterEach(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

it('a hub model folder is its snapshot, with config, model and external data fetched and the commit as identity', async () => {
  const hub = { endpoint: server.endpoint, cacheDir: join(dir, 'cache'), offline: false };
  const folder = await resolveModelFolder(`hf:${REPO}`, { dtype: 'fp16', hub });
  const commit = server.commitOf(REPO);
  expect(folder).toEqual({
    dir: join(dir, 'cache', 'models--org--hubert-tiny-ONNX', 'snapshots', commit),
    modelFile: 'onnx/model_fp16.onnx',
    source: `hf:${REPO}@${commit}`,
  });
  expect(readFileSync(join(folder.dir, 'onnx/model_fp16.onnx_data'))).toEqual(Buffer.from(seededBytes(6, 5000)));
  expect(readFileSync(join(folder.dir, 'config.json'), 'utf8')).toContain('hubert');
  expect(existsSync(join(folder.dir, 'preprocessor_config.json'))).toBe(false);
});

it('a local folder needs the model file for the dtype (MMTOK_MODEL otherwise)', async () => {
  await mkdir(join(dir, 'm', 'onnx'), { recursive: true });
  await writeFile(join(dir, 'm', 'onnx', 'model.onnx'), 'x');
  expect(await resolveModelFolder(join(dir, 'm'))).toEqual({
    dir: join(dir, 'm'),
    modelFile: 'onnx/model.onnx',
    source: join(dir, 'm'),
  });
  await expect(resolveModelFolder(join(dir, 'm'), { dtype: 'q8' })).rejects.toThrow(
    /MMTOK_MODEL.*model_quantized\.onnx/,
  );
});

it('a missing or empty model spec is MMTOK_CONFIG (not a TypeError from a JS caller)', async () => {
  for (const spec of ['', undefined]) {
    await expect(resolveModelFolder(spec as string)).rejects.toMatchObject({ code: 'MMTOK_CONFIG' });
  }
});
