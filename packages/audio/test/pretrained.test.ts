/**
 * Pretrained codecs by model_type, through a local server that answers like the Hub: tokens must be
 * PyTorch's exactly and the decoded audio within 1e-4 of PyTorch's (fixtures from
 * fixtures-src/make_hub_codecs.py); an offline rerun from the cache gives the same tokens.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type HubServer, startHubServer } from '@mmtok/hub/test-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AudioBuffer, type AudioTokenizer, loadAudioTokenizer } from '../src/index.js';
import { decodeChunked, encodeChunked } from '../src/pretrained-chunking.js';
import { errorCode } from './helpers.js';

const HUB = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'hub');
const TOLERANCE = 1e-4;
const ORG = 'test-org';
const MODELS = ['mimi-like', 'dac-like', 'snac-like', 'encodec-like'] as const;

interface Expected {
  tokenShape: number[];
  tokens: number[];
  scales?: { levels: number; frames: number; frameRate: number }[];
  audio: string;
  levelSelection?: { levels: number; audio: string };
}
interface Reference {
  channels: number;
  sampleRate: number;
  samples: number;
  paddingMultiple: number;
  input: string;
  dtypes: Record<string, Expected>;
}

const reference = (name: string): Reference => JSON.parse(readFileSync(join(HUB, `${name}.reference.json`), 'utf8'));

function floats(b64: string): Float32Array {
  const b = Buffer.from(b64, 'base64');
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
}

function input(ref: Reference): AudioBuffer {
  return { data: floats(ref.input), channels: ref.channels, sampleRate: ref.sampleRate, length: ref.samples };
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** A fixture folder as the server's repo files. */
function repoFiles(name: string): Record<string, Uint8Array> {
  const root = join(HUB, name);
  const files: Record<string, Uint8Array> = {};
  for (const e of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) files[relative(root, join(e.parentPath, e.name))] = readFileSync(join(e.parentPath, e.name));
  }
  return files;
}

const temp = mkdtempSync(join(tmpdir(), 'mmtok-pretrained-'));
const cacheDir = join(temp, 'hub-cache');
let server: HubServer;
const loaded: AudioTokenizer[] = [];
const HF_VARS = ['HF_HOME', 'HF_HUB_CACHE', 'HF_HUB_OFFLINE'] as const;
const savedEnv = HF_VARS.map((k) => [k, process.env[k]] as const);

beforeAll(async () => {
  // Never the user's cache: everything the hub package reads from the environment points into temp.
  process.env.HF_HOME = join(temp, 'hf-home');
  process.env.HF_HUB_CACHE = cacheDir;
  delete process.env.HF_HUB_OFFLINE;
  server = await startHubServer(Object.fromEntries(MODELS.map((m) => [`${ORG}/${m}`, { files: repoFiles(m) }])));
});

afterAll(async () => {
  await Promise.all(loaded.map((t) => t.dispose()));
  await server?.close();
  for (const [k, v] of savedEnv) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  rmSync(temp, { recursive: true, force: true });
});

async function load(spec: string, options: { dtype?: string; offline?: boolean } = {}): Promise<AudioTokenizer> {
  const tok = await loadAudioTokenizer(spec, {
    dtype: options.dtype,
    hub: { endpoint: server.endpoint, cacheDir, offline: options.offline ?? false },
  });
  loaded.push(tok);
  return tok;
}

describe.each([
  ['mimi-like', 'fp32'],
  ['dac-like', 'fp32'],
  ['dac-like', 'fp16'],
  ['snac-like', 'fp32'],
  ['encodec-like', 'fp32'],
])('hf:%s (%s) through the hub', (name, dtype) => {
  const ref = reference(name);
  const want = ref.dtypes[dtype];

  it("encodes to PyTorch's tokens exactly and decodes within 1e-4, trimmed to the source length", async () => {
    const tok = await load(`hf:${ORG}/${name}`, { dtype });
    const commit = server.commitOf(`${ORG}/${name}`);
    expect(tok.identity.name).toBe(`hf:${ORG}/${name}@${commit}`);
    expect(tok.identity.version).toBe(dtype);
    expect([tok.sampleRate, tok.channels, tok.hopLength]).toEqual([ref.sampleRate, ref.channels, ref.paddingMultiple]);
    // Bits per second: every scale's frames × levels × log2(codebook_size) (SNAC's three rates summed).
    const { codebook_size } = JSON.parse(readFileSync(join(HUB, name, 'config.json'), 'utf8'));
    const scales = want.scales ?? [{ levels: want.tokenShape[0], frameRate: ref.sampleRate / ref.paddingMultiple }];
    const perSecond = scales.reduce((sum, x) => sum + x.levels * x.frameRate, 0);
    expect(tok.bitrate()).toBeCloseTo(perSecond * Math.log2(codebook_size), 6);
    const tokens = await tok.encode(input(ref));
    expect(tokens.shape).toEqual(want.tokenShape);
    expect(Array.from(tokens.indices)).toEqual(want.tokens);
    if (want.scales) expect(tokens.source.scales).toEqual(want.scales);
    const audio = await tok.decode(tokens);
    expect([audio.length, audio.channels]).toEqual([ref.samples, ref.channels]);
    expect(maxDiff(audio.data, floats(want.audio))).toBeLessThanOrEqual(TOLERANCE);
    // The files of the dtype asked for, from the cache's snapshot of that commit.
    const requested = server.requests.filter((r) => r.url.includes(`/${ORG}/${name}/resolve/`)).map((r) => r.url);
    const suffix = dtype === 'fp16' ? '_fp16' : '';
    expect(requested.some((u) => u.endsWith(`/onnx/encoder_model${suffix}.onnx`))).toBe(true);
    expect(requested.some((u) => u.endsWith(`/onnx/decoder_model${suffix}.onnx`))).toBe(true);
  });

  if (want.levelSelection) {
    it('a lower bitrate keeps the first n codebooks and decodes like PyTorch from them', async () => {
      const tok = await load(`hf:${ORG}/${name}`, { dtype });
      const k = want.levelSelection!.levels;
      const tokens = await tok.encode(input(ref), { levels: k });
      const frames = want.tokenShape[1];
      expect(tokens.shape).toEqual([k, frames]);
      expect(Array.from(tokens.indices)).toEqual(want.tokens.slice(0, k * frames));
      const audio = await tok.decode(tokens);
      expect(maxDiff(audio.data, floats(want.levelSelection!.audio))).toBeLessThanOrEqual(TOLERANCE);
    });
  }
});

describe('hub behaviour', () => {
  it('offline, with the server stopped, the cached repo gives identical tokens and identity', async () => {
    const ref = reference('snac-like');
    const online = await load(`hf:${ORG}/snac-like`);
    const before = await online.encode(input(ref));
    const offlineServer = server;
    await offlineServer.close();
    // As a cache filled by huggingface_hub (which never asked for mmtok.json) would be: no .no_exist markers.
    rmSync(join(cacheDir, 'models--test-org--snac-like', '.no_exist'), { recursive: true, force: true });
    process.env.HF_HUB_OFFLINE = '1';
    try {
      const tok = await loadAudioTokenizer(`hf:${ORG}/snac-like`, { hub: { endpoint: server.endpoint, cacheDir } });
      loaded.push(tok);
      expect(tok.identity).toEqual(online.identity);
      const after = await tok.encode(input(ref));
      expect(Array.from(after.indices)).toEqual(Array.from(before.indices));
      // Not cached: an offline load says which file it lacks.
      const err = await loadAudioTokenizer(`hf:${ORG}/mimi-like`, { dtype: 'fp16', hub: { cacheDir } }).catch((e) => e);
      expect(err.code).toBe('MMTOK_HUB_OFFLINE');
    } finally {
      delete process.env.HF_HUB_OFFLINE;
      server = await startHubServer(Object.fromEntries(MODELS.map((m) => [`${ORG}/${m}`, { files: repoFiles(m) }])));
    }
  });

  it('a spec pinned to the commit is the same tokenizer and loads from the cache without asking the Hub', async () => {
    const viaMain = await load(`hf:${ORG}/dac-like`);
    const commit = server.commitOf(`${ORG}/dac-like`);
    const asked = server.requests.length;
    const pinned = await load(`hf:${ORG}/dac-like@${commit}`);
    expect(pinned.identity).toEqual(viaMain.identity);
    // config.json and both models are cached at that commit; only files never seen (the optional ones) are asked.
    const urls = server.requests.slice(asked).map((r) => r.url);
    expect(urls.filter((u) => /config\.json$|\.onnx$/.test(u))).toEqual([]);
  });

  it('a dtype the repo lacks fails MMTOK_HUB_NOT_FOUND naming the dtypes it has', async () => {
    const err = await load(`hf:${ORG}/mimi-like`, { dtype: 'q4' }).catch((e) => e);
    expect(err.code).toBe('MMTOK_HUB_NOT_FOUND');
    expect(err.message).toContain('onnx/encoder_model_q4.onnx');
    expect(err.details.present).toEqual(['fp32']);
    expect(await errorCode(load(`hf:${ORG}/mimi-like`, { dtype: 'fp12' }))).toBe('MMTOK_CONFIG');
  });
});

describe('local folders in the Transformers.js layout', () => {
  it('a folder loads like the repo; its identity is the folder', async () => {
    const ref = reference('encodec-like');
    const tok = await loadAudioTokenizer(join(HUB, 'encodec-like'));
    loaded.push(tok);
    expect(tok.identity.name).toBe(join(HUB, 'encodec-like'));
    const tokens = await tok.encode(input(ref));
    expect(Array.from(tokens.indices)).toEqual(ref.dtypes.fp32.tokens);
  });

  it('a malformed config.json or preprocessor_config.json fails MMTOK_MODEL, naming the file', async () => {
    const dir = join(temp, 'broken-config');
    cpSync(join(HUB, 'mimi-like'), dir, { recursive: true });
    const config = readFileSync(join(dir, 'config.json'), 'utf8');
    writeFileSync(join(dir, 'config.json'), config.slice(0, -2));
    const truncated = await loadAudioTokenizer(dir).then(
      () => ({ code: 'loaded', message: '' }),
      (e: { code: string; message: string }) => e,
    );
    expect([truncated.code, truncated.message]).toEqual([
      'MMTOK_MODEL',
      expect.stringContaining(join(dir, 'config.json')),
    ]);
    writeFileSync(join(dir, 'config.json'), config);
    writeFileSync(join(dir, 'preprocessor_config.json'), '[1, 2]');
    expect(await errorCode(loadAudioTokenizer(dir))).toBe('MMTOK_MODEL');
  });

  it('an mmtok.json in the repo overrides what config.json would give', async () => {
    const dir = join(temp, 'custom-codec');
    cpSync(join(HUB, 'mimi-like'), dir, { recursive: true });
    // A model_type mmtok does not know: without the manifest this repo cannot load.
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ model_type: 'my-codec' }));
    expect(await errorCode(loadAudioTokenizer(dir))).toBe('MMTOK_UNSUPPORTED_MODEL');
    const manifest = {
      format: 'mmtok-tokenizer',
      formatVersion: 1,
      name: 'my-codec',
      version: '1.0.0',
      modality: 'audio',
      preprocessing: { sampleRate: 24000, channels: 1 },
      encoder: {
        kind: 'onnx',
        file: 'onnx/encoder_model.onnx',
        inputName: 'input_values',
        outputName: 'audio_codes',
        output: 'codes',
      },
      decoder: { kind: 'onnx', file: 'onnx/decoder_model.onnx', inputName: 'audio_codes', outputName: 'audio_values' },
      tokens: { layout: ['levels', 'frames'], frameRate: 1500, codebookSize: 32 },
    };
    writeFileSync(join(dir, 'mmtok.json'), JSON.stringify(manifest));
    const ref = reference('mimi-like');
    const tok = await loadAudioTokenizer(dir);
    loaded.push(tok);
    const tokens = await tok.encode(input(ref));
    expect(Array.from(tokens.indices)).toEqual(ref.dtypes.fp32.tokens);
    expect(await errorCode(loadAudioTokenizer(dir, { dtype: 'fp16' }))).toBe('MMTOK_CONFIG');
  });
});

describe('chunked encoding', () => {
  it("with context beyond the receptive field, chunk by chunk gives PyTorch's whole-file tokens", async () => {
    for (const name of ['mimi-like', 'snac-like', 'encodec-like']) {
      const ref = reference(name);
      const tok = await load(`hf:${ORG}/${name}`);
      const unit = tok.hopLength;
      // 3 units per chunk, so the 1,001 samples take several chunks with seams inside the file.
      const chunked = await encodeChunked(tok, input(ref), { chunkSamples: 3 * unit, contextSamples: 2 * unit });
      expect(chunked.shape, name).toEqual(ref.dtypes.fp32.tokenShape);
      expect(Array.from(chunked.indices), name).toEqual(ref.dtypes.fp32.tokens);
      if (ref.dtypes.fp32.scales) expect(chunked.source.scales).toEqual(ref.dtypes.fp32.scales);
      // Fed as a stream of odd-sized pieces: the same tokens.
      const a = input(ref);
      async function* pieces(): AsyncGenerator<AudioBuffer> {
        for (let i = 0; i < a.length; i += 77) {
          const n = Math.min(77, a.length - i);
          const data = new Float32Array(a.channels * n);
          for (let c = 0; c < a.channels; c++) data.set(a.data.subarray(c * a.length + i, c * a.length + i + n), c * n);
          yield { data, channels: a.channels, sampleRate: a.sampleRate, length: n };
        }
      }
      const streamed = await encodeChunked(tok, pieces(), { chunkSamples: 3 * unit, contextSamples: 2 * unit });
      expect(Array.from(streamed.indices), name).toEqual(ref.dtypes.fp32.tokens);
    }
  });

  it("decoding chunk by chunk with context gives PyTorch's whole-file audio, trimmed to the source", async () => {
    for (const name of ['mimi-like', 'snac-like', 'encodec-like']) {
      const ref = reference(name);
      const tok = await load(`hf:${ORG}/${name}`);
      const tokens = await tok.encode(input(ref));
      const parts: AudioBuffer[] = [];
      for await (const a of decodeChunked(tok, tokens, { chunkUnits: 3, contextUnits: 3 })) parts.push(a);
      expect(parts.length, name).toBeGreaterThan(5);
      const C = ref.channels;
      const n = parts.reduce((k, p) => k + p.length, 0);
      expect(n, name).toBe(ref.samples);
      const joined = new Float32Array(C * n);
      let at = 0;
      for (const p of parts) {
        for (let c = 0; c < C; c++) joined.set(p.data.subarray(c * p.length, (c + 1) * p.length), c * n + at);
        at += p.length;
      }
      expect(maxDiff(joined, floats(ref.dtypes.fp32.audio)), name).toBeLessThanOrEqual(TOLERANCE);
      // Without context the decoder sees the chunk's edge as the end of the signal: the seams show.
      const bare: AudioBuffer[] = [];
      for await (const a of decodeChunked(tok, tokens, { chunkUnits: 3, contextUnits: 0 })) bare.push(a);
      const first = bare[0].data.subarray(0, bare[0].length);
      const want = floats(ref.dtypes.fp32.audio).subarray(0, bare[0].length);
      expect(maxDiff(first, want), name).toBeGreaterThan(TOLERANCE);
    }
  });

  it('without context, frames next to the seams change (the encoder sees zeros there)', async () => {
    const ref = reference('mimi-like');
    const tok = await load(`hf:${ORG}/mimi-like`);
    const chunked = await encodeChunked(tok, input(ref), { chunkSamples: 3 * tok.hopLength, contextSamples: 0 });
    expect(chunked.shape).toEqual(ref.dtypes.fp32.tokenShape);
    expect(Array.from(chunked.indices)).not.toEqual(ref.dtypes.fp32.tokens);
  });
});
