/**
 * End-to-end for pretrained codecs: the real `mmtok` process encodes with --tokenizer hf:… from a
 * local server that answers like the Hub, and decodes the token file by the identity it records
 * (hf:org/name@commit) — fetched into an empty cache, then from the cache with the server gone.
 * Model and PyTorch reference: packages/audio/fixtures-src/make_hub_codecs.py.
 */
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { encodeWav, readAudio } from '@mmtok/audio';
import { readTokenFile } from '@mmtok/core/node';
import { type HubServer, startHubServer } from '@mmtok/hub/test-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const MAIN = join(here, '..', 'src', 'main.ts');
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const FIXTURE = join(here, '..', '..', '..', 'packages', 'audio', 'test', 'fixtures', 'hub');
const REPO = 'test-org/mimi-like';

let dir: string;
let server: HubServer;

function mmtok(
  env: Record<string, string>,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--conditions=source', '--import', TSX, MAIN, ...args],
      // HF_HOME too, so nothing can reach the user's ~/.cache.
      { cwd: dir, env: { ...process.env, NO_COLOR: '1', HF_HOME: join(dir, 'hf-home'), ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
      },
    );
  });
}

function floats(b64: string): Float32Array {
  const b = Buffer.from(b64, 'base64');
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
}

const reference = JSON.parse(await readFile(join(FIXTURE, 'mimi-like.reference.json'), 'utf8'));

async function repoFiles(root: string): Promise<Record<string, Uint8Array>> {
  const files: Record<string, Uint8Array> = {};
  for (const e of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) files[relative(root, join(e.parentPath, e.name))] = await readFile(join(e.parentPath, e.name));
  }
  return files;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mmtok-cli-pretrained-'));
  server = await startHubServer({ [REPO]: { files: await repoFiles(join(FIXTURE, 'mimi-like')) } });
  // float32 WAV: the exact samples PyTorch encoded.
  const { sampleRate, samples } = reference;
  await writeFile(
    join(dir, 'x.wav'),
    encodeWav({ data: floats(reference.input), channels: 1, sampleRate, length: samples }, 'float32'),
  );
});

afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('mmtok with a pretrained codec from the Hub', () => {
  it('encode --tokenizer hf:… then decode finds the tokenizer from the identity in the file', async () => {
    const online = { HF_ENDPOINT: server.endpoint, HF_HUB_CACHE: join(dir, 'cache-a') };
    const enc = await mmtok(online, 'encode', 'x.wav', '--tokenizer', `hf:${REPO}`, '-o', 'x.mmtok', '--json');
    expect(enc.code, enc.stderr).toBe(0);
    const file = await readTokenFile(join(dir, 'x.mmtok'));
    expect(file.header.tokenizer.name).toBe(`hf:${REPO}@${server.commitOf(REPO)}`);
    expect(file.header.tokenizer.version).toBe('fp32');
    expect(file.header.shape).toEqual(reference.dtypes.fp32.tokenShape);
    expect(Array.from(file.indices)).toEqual(reference.dtypes.fp32.tokens);

    // Decode with an empty cache: the tokenizer is fetched by its identity.
    const fresh = { HF_ENDPOINT: server.endpoint, HF_HUB_CACHE: join(dir, 'cache-b') };
    const dec = await mmtok(fresh, 'decode', 'x.mmtok', '-o', 'y.wav', '--json');
    expect(dec.code, dec.stderr).toBe(0);
    const y = await readAudio(join(dir, 'y.wav'));
    expect([y.length, y.channels, y.sampleRate]).toEqual([reference.samples, 1, reference.sampleRate]);
    const want = floats(reference.dtypes.fp32.audio);
    // The WAV writer's 16-bit rounding (half a step) on top of the 1e-4 model tolerance.
    const tol = 1e-4 + 1 / 32768;
    expect(Math.max(...y.data.map((v, i) => Math.abs(v - want[i])))).toBeLessThanOrEqual(tol);

    // Server gone, offline: the cache answers; a cache that never saw the repo says so.
    await server.close();
    const offline = { HF_ENDPOINT: server.endpoint, HF_HUB_OFFLINE: '1' };
    const again = await mmtok({ ...offline, HF_HUB_CACHE: join(dir, 'cache-b') }, 'decode', 'x.mmtok', '-o', 'z.wav');
    expect(again.code, again.stderr).toBe(0);
    expect((await readAudio(join(dir, 'z.wav'))).data).toEqual(y.data);
    const missing = await mmtok({ ...offline, HF_HUB_CACHE: join(dir, 'cache-c') }, 'decode', 'x.mmtok', '-o', 'w.wav');
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('MMTOK_HUB_OFFLINE');
  }, 240_000);
});

describe('mmtok with a pretrained codec from a local folder', () => {
  it('decode never loads the folder a token file names: it says to pass --tokenizer, which then works', async () => {
    const folder = join(dir, 'mimi-local');
    await cp(join(FIXTURE, 'mimi-like'), folder, { recursive: true });
    const enc = await mmtok({}, 'encode', 'x.wav', '--tokenizer', folder, '-o', 'local.mmtok');
    expect(enc.code, enc.stderr).toBe(0);
    expect((await readTokenFile(join(dir, 'local.mmtok'))).header.tokenizer.name).toBe(folder);

    const refused = await mmtok({}, 'decode', 'local.mmtok', '-o', 'local-a.wav');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('MMTOK_TOKENIZER_MISMATCH');
    expect(refused.stderr).toContain(`if you trust it, pass --tokenizer ${folder}`);

    const given = await mmtok({}, 'decode', 'local.mmtok', '--tokenizer', folder, '-o', 'local-b.wav');
    expect(given.code, given.stderr).toBe(0);
    expect((await readAudio(join(dir, 'local-b.wav'))).length).toBe(reference.samples);
  }, 240_000);
});
