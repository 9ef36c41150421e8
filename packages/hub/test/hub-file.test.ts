import { readFileSync, readlinkSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMmtokError } from '@mmtok/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type HubOptions, hubFile, hubFileIfExists, hubListFiles } from '../src/index.js';
import { type HubServer, seededBytes, sha256, startHubServer } from './hub-server.js';

const REPO = 'onnx-community/tiny-ONNX';
const MODEL = seededBytes(7, 50_000);
const FILES = {
  'config.json': JSON.stringify({ model_type: 'mimi', sampling_rate: 24000 }),
  'onnx/encoder_model.onnx': MODEL,
  'onnx/encoder_model_fp16.onnx': seededBytes(8, 20_000),
};

let server: HubServer;
let cacheDir: string;
let opts: HubOptions;

beforeEach(async () => {
  server = await startHubServer({
    [REPO]: { files: FILES, formerNames: ['old-org/tiny'] },
    'org/gated': { files: FILES, gatedToken: 'hf_good' },
  });
  cacheDir = await mkdtemp(join(tmpdir(), 'mmtok-hub-'));
  opts = { endpoint: server.endpoint, cacheDir, offline: false, token: undefined };
});
afterEach(async () => {
  await server.close();
  await rm(cacheDir, { recursive: true, force: true });
});

/** Every path under the cache folder, with `-> target` for links. */
async function tree(dir = cacheDir): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .map((e) => {
      const p = join(e.parentPath, e.name);
      const rel = p.slice(dir.length + 1);
      return e.isSymbolicLink() ? `${rel} -> ${readlinkSync(p)}` : e.isDirectory() ? `${rel}/` : rel;
    })
    .sort();
}

async function rejection(p: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await p;
  } catch (e) {
    return { code: isMmtokError(e) ? e.code : undefined, message: (e as Error).message };
  }
  throw new Error('expected a rejection');
}

describe('hubFile', () => {
  it('resolves a small file and an LFS file (302 to another origin) into huggingface_hub layout', async () => {
    const commit = server.commitOf(REPO);
    const config = await hubFile(`hf:${REPO}`, 'config.json', opts);
    const model = await hubFile({ repo: REPO, revision: 'main' }, 'onnx/encoder_model.onnx', opts);
    const root = join(cacheDir, 'models--onnx-community--tiny-ONNX');
    expect(config).toEqual({ repo: REPO, commit, path: join(root, 'snapshots', commit, 'config.json') });
    expect(model.path).toBe(join(root, 'snapshots', commit, 'onnx/encoder_model.onnx'));
    expect(readFileSync(model.path)).toEqual(Buffer.from(MODEL));
    const lfsEtag = server.etagOf(REPO, 'onnx/encoder_model.onnx');
    expect(lfsEtag).toBe(sha256(MODEL));
    const configEtag = server.etagOf(REPO, 'config.json');
    expect(await tree()).toEqual(
      [
        '.locks/',
        '.locks/models--onnx-community--tiny-ONNX/',
        'models--onnx-community--tiny-ONNX/',
        'models--onnx-community--tiny-ONNX/blobs/',
        `models--onnx-community--tiny-ONNX/blobs/${configEtag}`,
        `models--onnx-community--tiny-ONNX/blobs/${lfsEtag}`,
        'models--onnx-community--tiny-ONNX/refs/',
        'models--onnx-community--tiny-ONNX/refs/main',
        'models--onnx-community--tiny-ONNX/snapshots/',
        `models--onnx-community--tiny-ONNX/snapshots/${commit}/`,
        `models--onnx-community--tiny-ONNX/snapshots/${commit}/config.json -> ../../blobs/${configEtag}`,
        `models--onnx-community--tiny-ONNX/snapshots/${commit}/onnx/`,
        `models--onnx-community--tiny-ONNX/snapshots/${commit}/onnx/encoder_model.onnx -> ../../../blobs/${lfsEtag}`,
      ].sort(),
    );
    expect(await readFile(join(root, 'refs/main'), 'utf8')).toBe(commit);
    // The LFS file: HEAD to the Hub (not followed to the CDN), then one GET on the CDN.
    const lfs = server.requests.filter((r) => r.url.includes('encoder_model.onnx') || r.url.includes(lfsEtag));
    expect(lfs.map((r) => `${r.origin} ${r.method}`)).toEqual(['hub HEAD', 'cdn GET']);
  });

  it('reports download progress to onProgress, ending at the file size', async () => {
    const seen: { file: string; bytes: number; total?: number }[] = [];
    await hubFile(`hf:${REPO}`, 'onnx/encoder_model.onnx', { ...opts, onProgress: (p) => seen.push(p) });
    expect(seen.at(-1)).toEqual({
      file: `hf:${REPO}@main/onnx/encoder_model.onnx`,
      bytes: MODEL.length,
      total: MODEL.length,
    });
    expect(seen.every((p, i) => i === 0 || p.bytes > seen[i - 1].bytes)).toBe(true);
  });

  it('follows a same-host redirect (a renamed repo) with the token, and caches under the name asked for', async () => {
    const f = await hubFile('hf:old-org/tiny', 'onnx/encoder_model.onnx', { ...opts, token: 'hf_t' });
    expect(f.path).toContain('/models--old-org--tiny/snapshots/');
    expect(readFileSync(f.path)).toEqual(Buffer.from(MODEL));
    expect(server.requests.map((r) => `${r.origin} ${r.method} ${r.headers.authorization}`)).toEqual([
      'hub HEAD Bearer hf_t', // 307 to /onnx-community/tiny-ONNX/…
      'hub HEAD Bearer hf_t', // 302 to the CDN
      'cdn GET undefined',
    ]);
  });

  it('a file at a commit already cached needs no request', async () => {
    const { commit } = await hubFile(`hf:${REPO}`, 'config.json', opts);
    const before = server.requests.length;
    const again = await hubFile(`hf:${REPO}@${commit}`, 'config.json', opts);
    expect(again.commit).toBe(commit);
    expect(server.requests.length).toBe(before);
  });

  it('lists files online (Hub API) and offline (the cached snapshot)', async () => {
    const listed = await hubListFiles(`hf:${REPO}`, opts);
    expect(listed).toEqual({ repo: REPO, commit: server.commitOf(REPO), files: Object.keys(FILES).sort() });
    await hubFile(`hf:${REPO}`, 'config.json', opts);
    const offline = await hubListFiles(`hf:${REPO}`, { ...opts, offline: true });
    expect(offline.files).toEqual(['config.json']);
  });
});

describe('hub errors', () => {
  it('a gated repo without a token is MMTOK_HUB_UNAUTHORIZED (403 with a wrong one), and works with HF_TOKEN', async () => {
    expect((await rejection(hubFile('hf:org/gated', 'config.json', opts))).code).toBe('MMTOK_HUB_UNAUTHORIZED');
    const wrong = await rejection(hubFile('hf:org/gated', 'config.json', { ...opts, token: 'hf_bad' }));
    expect(wrong.code).toBe('MMTOK_HUB_UNAUTHORIZED');
    expect(await tree()).toEqual([]);
    const ok = await hubFile('hf:org/gated', 'config.json', { ...opts, token: 'hf_good' });
    expect(readFileSync(ok.path, 'utf8')).toBe(FILES['config.json']);
  });

  it('a missing file is MMTOK_HUB_NOT_FOUND and leaves a .no_exist marker that answers offline', async () => {
    const missing = await rejection(hubFile(`hf:${REPO}`, 'preprocessor_config.json', opts));
    expect(missing.code).toBe('MMTOK_HUB_NOT_FOUND');
    const commit = server.commitOf(REPO);
    expect(await tree()).toEqual(
      expect.arrayContaining([
        `models--onnx-community--tiny-ONNX/.no_exist/${commit}/preprocessor_config.json`,
        'models--onnx-community--tiny-ONNX/refs/main',
      ]),
    );
    await server.close();
    expect(await hubFileIfExists(`hf:${REPO}`, 'preprocessor_config.json', { ...opts, offline: true })).toBeUndefined();
  });

  it('an unknown repo is MMTOK_HUB_NOT_FOUND (the Hub answers 401 RepoNotFound) and writes nothing', async () => {
    expect((await rejection(hubFile('hf:org/nope', 'config.json', opts))).code).toBe('MMTOK_HUB_NOT_FOUND');
    expect(await tree()).toEqual([]);
  });

  it('an unknown revision is MMTOK_HUB_NOT_FOUND even from hubFileIfExists, and writes nothing', async () => {
    expect((await rejection(hubFileIfExists(`hf:${REPO}@v9`, 'config.json', opts))).code).toBe('MMTOK_HUB_NOT_FOUND');
    expect(await tree()).toEqual([]);
  });

  it('bad names are MMTOK_HUB_SPEC', async () => {
    for (const [spec, file] of [
      ['hf:org/../x', 'config.json'],
      ['hf:org--a/b', 'config.json'],
      ['org/name', 'config.json'],
      [`hf:${REPO}`, '../config.json'],
      [`hf:${REPO}@`, 'config.json'],
    ]) {
      expect((await rejection(hubFile(spec, file, opts))).code, `${spec} ${file}`).toBe('MMTOK_HUB_SPEC');
    }
    expect(server.requests).toEqual([]);
  });
});

describe('offline', () => {
  it('after one online run, HF_HUB_OFFLINE with the server stopped gives the same files', async () => {
    const online = await Promise.all(Object.keys(FILES).map((f) => hubFile(`hf:${REPO}`, f, opts)));
    await server.close();
    const offline = await Promise.all(
      Object.keys(FILES).map((f) => hubFile(`hf:${REPO}`, f, { ...opts, offline: true })),
    );
    expect(offline).toEqual(online);
    for (const [i, data] of Object.values(FILES).entries())
      expect(readFileSync(offline[i].path)).toEqual(Buffer.from(data));
    // The Hub unreachable without HF_HUB_OFFLINE: the cache still answers for the same revision.
    expect((await hubFile(`hf:${REPO}`, 'config.json', opts)).path).toBe(online[0].path);
  });

  it('offline and not cached is MMTOK_HUB_OFFLINE naming the file', async () => {
    await hubFile(`hf:${REPO}`, 'config.json', opts);
    const before = server.requests.length;
    const e = await rejection(hubFile(`hf:${REPO}`, 'onnx/encoder_model_fp16.onnx', { ...opts, offline: true }));
    expect(e.code).toBe('MMTOK_HUB_OFFLINE');
    expect(e.message).toContain('onnx/encoder_model_fp16.onnx');
    expect(server.requests.length).toBe(before);
  });
});
