/**
 * Property-based fuzzing of every parser of untrusted bytes: token files, safetensors, codebook
 * files, tokenizer manifests (image, audio, video), diagnostics reports, WAV, WebDataset tars.
 * Inputs are valid files mutated at random (bytes flipped, cut, spliced; JSON values replaced or
 * deleted, with checksums recomputed so the mutations reach the checks behind them). Each case
 * must either parse, into output no larger than its input allows, or throw an MmtokError; any
 * other exception is a crash. A case hanging past HANG_MS fails too (a hang guard, not a timing).
 *
 * CI runs FUZZ_RUNS cases per parser from a fixed seed in a few seconds; `npm run fuzz` runs many
 * more from a fresh seed (MMTOK_FUZZ_RUNS, MMTOK_FUZZ_SEED to replay) and prints cases and time.
 */

import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeWav, encodeWav, listAudioTokenizers, validateAudioManifest } from '@mmtok/audio';
import {
  crc32,
  createQuantizer,
  decodeSafetensors,
  decodeTokenFile,
  deserializeQuantizer,
  encodeSafetensors,
  encodeTokenFile,
  serializeQuantizer,
  TOKEN_FILE_MAGIC,
} from '@mmtok/core';
import { codebookStats, createReport, parseReport, serializeReport } from '@mmtok/diagnostics';
import { listTokenizers, validateManifest } from '@mmtok/image';
import { type FrameGroup, listVideoTokenizers, loadVideoTokenizer, validateVideoManifest } from '@mmtok/video';
import fc from 'fast-check';
import { pack } from 'tar-stream';
import { afterAll, describe, expect, it } from 'vitest';
import { readTarSamples } from '../packages/dataset/src/tar-input.js';

const RUNS = Number(process.env.MMTOK_FUZZ_RUNS ?? 150);
const SEED = process.env.MMTOK_FUZZ_SEED
  ? Number(process.env.MMTOK_FUZZ_SEED)
  : process.env.MMTOK_FUZZ_RUNS
    ? Math.floor(Math.random() * 2 ** 31)
    : 20261206;
const HANG_MS = 10_000;
console.log(
  `[fuzz] seed ${SEED}, ${RUNS} cases per parser (replay with MMTOK_FUZZ_SEED=${SEED} MMTOK_FUZZ_RUNS=${RUNS})`,
);

const tally: { parser: string; cases: number; parsed: number; refused: number; ms: number }[] = [];
afterAll(() => console.table(tally));

/** An error mmtok means to throw (by name too: a second copy of @mmtok/core may be loaded). */
function isMmtok(e: unknown): boolean {
  return e instanceof Error && e.name === 'MmtokError' && /^MMTOK_[A-Z_]+$/.test((e as { code?: string }).code ?? '');
}

/**
 * Runs `parse` on RUNS generated inputs. `bound` checks what a successful parse returned (e.g. no
 * more indices than input bytes): a parser that allocates from declared sizes fails it.
 */
async function fuzz<T, R>(
  parser: string,
  input: fc.Arbitrary<T>,
  parse: (x: T) => R | Promise<R>,
  bound: (result: R, x: T) => void = () => {},
): Promise<void> {
  const row = { parser, cases: 0, parsed: 0, refused: 0, ms: 0 };
  const started = performance.now();
  await fc.assert(
    fc.asyncProperty(input, async (x) => {
      row.cases++;
      let result: R;
      try {
        result = await parse(x);
      } catch (e) {
        if (!isMmtok(e)) throw e;
        row.refused++;
        return;
      }
      row.parsed++;
      bound(result, x);
    }),
    { numRuns: RUNS, seed: SEED, timeout: HANG_MS, endOnFailure: true },
  );
  row.ms = Math.round(performance.now() - started);
  tally.push(row);
}

// ---- Mutations ---------------------------------------------------------------------------------

type ByteEdit = { kind: 'flip' | 'set' | 'cut' | 'insert' | 'delete' | 'overwrite'; at: number; bytes: Uint8Array };
const byteEdit: fc.Arbitrary<ByteEdit> = fc.record({
  kind: fc.constantFrom('flip', 'set', 'cut', 'insert', 'delete', 'overwrite'),
  at: fc.nat(),
  bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }),
});

function editBytes(base: Uint8Array, edits: ByteEdit[]): Uint8Array {
  let b = Uint8Array.from(base);
  for (const e of edits) {
    const at = b.length ? e.at % (b.length + 1) : 0;
    if (e.kind === 'flip' && at < b.length) b[at] ^= 1 << (e.bytes[0] % 8);
    else if (e.kind === 'set' && at < b.length) b[at] = e.bytes[0];
    else if (e.kind === 'cut') b = b.subarray(0, at);
    else if (e.kind === 'insert') b = Uint8Array.from([...b.subarray(0, at), ...e.bytes, ...b.subarray(at)]);
    else if (e.kind === 'delete') b = Uint8Array.from([...b.subarray(0, at), ...b.subarray(at + e.bytes.length)]);
    else if (e.kind === 'overwrite')
      for (let i = 0; i < e.bytes.length && at + i < b.length; i++) b[at + i] = e.bytes[i];
  }
  return b;
}

const bytesFrom = (base: Uint8Array) =>
  fc.oneof(
    fc.array(byteEdit, { minLength: 1, maxLength: 4 }).map((edits) => editBytes(base, edits)),
    fc.uint8Array({ maxLength: 256 }),
  );

/** Values that break size arithmetic: negatives, huge, fractional, wrong types. */
const nasty = fc.oneof(
  fc.constantFrom(0, -1, 1, 0.5, 3, 255, 256, 65535, 65536, 30000, 2 ** 31, 2 ** 32, 2 ** 53, 1e308, -1e308),
  fc.constantFrom('', 'x', '../../../etc/passwd', null, true, [], {}, [-1], [1e9, 1e9], [0, 0]),
  fc.jsonValue({ maxDepth: 2 }),
);

type JsonEdit = { path: number[]; op: 'set' | 'delete'; value: unknown };
const jsonEdit: fc.Arbitrary<JsonEdit> = fc.record({
  path: fc.array(fc.nat(), { minLength: 1, maxLength: 5 }),
  op: fc.constantFrom('set', 'set', 'set', 'delete'),
  value: nasty,
});

/** Replaces or deletes the value at a path chosen by index into each level's keys. */
function editJson<T>(base: T, edits: JsonEdit[]): T {
  const root = structuredClone(base) as unknown;
  for (const e of edits) {
    let node = root as Record<string, unknown>;
    for (let depth = 0; depth < e.path.length; depth++) {
      const keys = Object.keys(node);
      if (keys.length === 0) break;
      const key = keys[e.path[depth] % keys.length];
      const child = node[key];
      const last = depth === e.path.length - 1 || !child || typeof child !== 'object';
      if (last) {
        if (e.op === 'delete') delete node[key];
        else node[key] = structuredClone(e.value);
        break;
      }
      node = child as Record<string, unknown>;
    }
  }
  return root as T;
}

const jsonFrom = <T>(base: T) =>
  fc.array(jsonEdit, { minLength: 1, maxLength: 2 }).map((edits) => editJson(base, edits));

// ---- Seeds -------------------------------------------------------------------------------------

const tokenFile = encodeTokenFile({
  header: {
    tokenizer: { name: 'fuzz', version: '1', hash: 'abc' },
    modality: 'video',
    shape: [2, 3, 4, 2],
    codebookSize: 300,
    source: { width: 16, height: 12, frames: 5, fps: 25 },
  },
  indices: Int32Array.from({ length: 48 }, (_, i) => (i * 37) % 300),
  tracks: [
    {
      header: { name: 'audio', modality: 'audio', tokenizer: { name: 'a', version: '1', hash: 'd' }, shape: [2, 5] },
      indices: Int32Array.from({ length: 10 }, (_, i) => i),
    },
  ],
});

/** A token file with this header JSON and payload, CRCs correct (so structure checks are reached). */
function craftTokenFile(header: unknown, payload: Uint8Array, version = 2): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(16 + json.length + 4 + payload.length + 4);
  const view = new DataView(out.buffer);
  out.set(TOKEN_FILE_MAGIC);
  view.setUint32(8, version, true);
  view.setUint32(12, json.length, true);
  out.set(json, 16);
  view.setUint32(16 + json.length, crc32(out.subarray(0, 16 + json.length)), true);
  out.set(payload, 16 + json.length + 4);
  view.setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)), true);
  return out;
}

const tokenHeader = (() => {
  const view = new DataView(tokenFile.buffer);
  const n = view.getUint32(12, true);
  return {
    header: JSON.parse(new TextDecoder().decode(tokenFile.subarray(16, 16 + n))) as Record<string, unknown>,
    payload: tokenFile.subarray(16 + n + 4, tokenFile.length - 4),
  };
})();

const safetensors = encodeSafetensors(
  { a: { shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) }, b: { shape: [4], data: new Float32Array(4) } },
  { format: 'fuzz' },
);
const safetensorsHeader = (() => {
  const n = Number(new DataView(safetensors.buffer).getBigUint64(0, true));
  return {
    json: JSON.parse(new TextDecoder().decode(safetensors.subarray(8, 8 + n))),
    data: safetensors.subarray(8 + n),
  };
})();

function withSafetensorsHeader(json: unknown, data: Uint8Array): Uint8Array {
  const text = new TextEncoder().encode(JSON.stringify(json));
  const out = new Uint8Array(8 + text.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
  out.set(text, 8);
  out.set(data, 8 + text.length);
  return out;
}

const manifestOf = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

// ---- Properties --------------------------------------------------------------------------------

describe('fuzz: parsers of untrusted bytes throw only MmtokError and allocate within their input', () => {
  it('token files (bytes)', async () => {
    await fuzz(
      'token file: bytes',
      bytesFrom(tokenFile),
      (b) => decodeTokenFile(b),
      (f, b) => {
        const n = f.indices.length + f.tracks.reduce((a, t) => a + t.indices.length, 0);
        expect(n).toBeLessThanOrEqual(b.length);
      },
    );
  });

  it('token files (header fields, CRCs recomputed)', async () => {
    const input = fc.tuple(jsonFrom(tokenHeader.header), fc.constantFrom(1, 2), bytesFrom(tokenHeader.payload));
    await fuzz(
      'token file: header',
      input,
      ([header, version, payload]) => decodeTokenFile(craftTokenFile(header, payload, version)),
      (f, [, , payload]) => {
        expect(f.indices.length + f.tracks.reduce((a, t) => a + t.indices.length, 0)).toBeLessThanOrEqual(
          payload.length,
        );
      },
    );
  });

  it('safetensors (bytes and header fields)', async () => {
    const input = fc.oneof(
      bytesFrom(safetensors),
      fc
        .tuple(jsonFrom(safetensorsHeader.json), bytesFrom(safetensorsHeader.data))
        .map(([j, d]) => withSafetensorsHeader(j, d)),
    );
    await fuzz(
      'safetensors',
      input,
      (b) => decodeSafetensors(b),
      (r, b) => {
        const floats = Object.values(r.tensors).reduce((a, t) => a + t.data.length, 0);
        expect(floats * 4).toBeLessThanOrEqual(b.length);
      },
    );
  });

  it('codebook files (bytes, header and config fields)', async () => {
    const files = await Promise.all(
      [
        { type: 'rvq', dim: 4, codebookSize: 8, numQuantizers: 2, seed: 1 },
        { type: 'fsq', levels: [8, 5, 5] },
        { type: 'lfq', dim: 4 },
      ].map(async (c) => serializeQuantizer(await createQuantizer(c as never))),
    );
    const split = files.map((f) => {
      const n = Number(new DataView(f.buffer, f.byteOffset).getBigUint64(0, true));
      const json = JSON.parse(new TextDecoder().decode(f.subarray(8, 8 + n)));
      return {
        json: { ...json, __metadata__: { ...json.__metadata__, config: JSON.parse(json.__metadata__.config) } },
        data: f.subarray(8 + n),
      };
    });
    const input = fc.oneof(
      fc.constantFrom(...files).chain((f) => bytesFrom(f)),
      fc.constantFrom(...split).chain((s) =>
        jsonFrom(s.json).map((j) => {
          const meta = (j as { __metadata__?: { config?: unknown } }).__metadata__;
          const fixed =
            meta && typeof meta === 'object' && !Array.isArray(meta)
              ? { ...j, __metadata__: { ...meta, config: JSON.stringify(meta.config) } }
              : j;
          return withSafetensorsHeader(fixed, s.data);
        }),
      ),
    );
    // Stored codebooks come from the file: written back, the quantizer takes no more bytes than it
    // was read from (plus header slack), so nothing was allocated from declared sizes alone.
    await fuzz(
      'codebook file',
      input,
      async (b) => (await serializeQuantizer(await deserializeQuantizer(b, { backend: 'js' }))).length,
      (size, b) => expect(size).toBeLessThanOrEqual(b.length + 4096),
    );
  });

  it('tokenizer manifests (image, audio, video)', async () => {
    const cases: [string, unknown, (v: unknown, f: string) => unknown][] = [
      ['image manifest', manifestOf(listTokenizers()[0].manifestPath), validateManifest],
      ['audio manifest', manifestOf(listAudioTokenizers()[0].manifestPath), validateAudioManifest],
      ['video manifest', manifestOf(listVideoTokenizers()[0].manifestPath), validateVideoManifest],
    ];
    for (const [name, base, validate] of cases) {
      await fuzz(
        name,
        jsonFrom(base),
        (m) => validate(m, 'manifest.json'),
        (_, m) => {
          // What validation lets through must keep resize targets within the limit (4096²).
          const pre = (m as { preprocessing?: Record<string, unknown> }).preprocessing ?? {};
          const r = (pre.resize ?? pre) as Record<string, number>;
          const w = r.width ?? r.size ?? r.height ?? 1;
          const h = r.height ?? r.size ?? r.width ?? 1;
          expect(w * h).toBeLessThanOrEqual(4096 * 4096);
        },
      );
    }
  });

  it('video token headers (source facts against the token grid)', async () => {
    const tok = await loadVideoTokenizer('default', { backend: 'js' });
    try {
      // 9 frames of 20×12: a small real token set of the default tubelet tokenizer.
      async function* frames(): AsyncGenerator<FrameGroup> {
        const f = Array.from({ length: 9 }, (_, i) =>
          Uint8Array.from({ length: 20 * 12 * 3 }, (_, j) => (i * 7 + j) % 256),
        );
        yield { frames: f, width: 20, height: 12, firstFrame: 0 };
      }
      const tokens = await tok.encode(frames());
      const [t, h, w] = tokens.shape;
      const P = 32; // generous: no default cell is larger
      const most = (1 + t * tok.temporalPatch) * (h * P) * (w * P) * 3;
      // Near the true facts most of the time (so decodes run), hostile values the rest.
      const near = (v: number, span: number) => fc.oneof(fc.constant(v), fc.integer({ min: 1, max: span }), nasty);
      const src = tokens.source as { width: number; height: number; frames: number };
      const source = fc.record({
        width: near(src.width, 2 * w * P),
        height: near(src.height, 2 * h * P),
        frames: near(src.frames, 2 * t * tok.temporalPatch),
        firstStep: fc.option(nasty, { nil: undefined }),
      });
      await fuzz(
        'video token header',
        source,
        async (s) => {
          let bytes = 0;
          for await (const g of tok.decode({ ...tokens, source: { ...tokens.source, ...s } as never }))
            for (const f of g.frames) bytes += f.length;
          return bytes;
        },
        (bytes) => expect(bytes).toBeLessThanOrEqual(most),
      );
    } finally {
      await tok.dispose();
    }
  });

  it('diagnostics reports', async () => {
    const report = createReport({
      tokenizer: { name: 'fuzz', version: '1' },
      data: { name: 'fuzz', items: 1 },
      codebook: codebookStats(
        Int32Array.from({ length: 300 }, (_, i) => i % 7),
        { codebookSize: 8 },
      ),
    } as never);
    const base = JSON.parse(serializeReport(report));
    const input = fc.oneof(
      jsonFrom(base),
      bytesFrom(new TextEncoder().encode(serializeReport(report))).map((b) => new TextDecoder().decode(b)),
    );
    await fuzz('report', input, (r) => parseReport(r));
  });

  it('WAV files', async () => {
    const tone = {
      data: Float32Array.from({ length: 64 }, (_, i) => Math.sin(i)),
      channels: 2,
      sampleRate: 8000,
      length: 32,
    };
    const wavs = (['pcm16', 'pcm24', 'float32'] as const).map((e) => encodeWav(tone, e));
    await fuzz(
      'wav',
      fc.constantFrom(...wavs).chain((w) => bytesFrom(w)),
      (b) => decodeWav(b, 'fuzz.wav'),
      (a, b) => expect(a.length * a.channels).toBeLessThanOrEqual(b.length),
    );
  });

  it('WebDataset tars', async () => {
    const tar = await new Promise<Uint8Array>((ok) => {
      const p = pack();
      const chunks: Buffer[] = [];
      p.on('data', (c: Buffer) => chunks.push(c));
      p.on('end', () => ok(new Uint8Array(Buffer.concat(chunks))));
      p.entry({ name: 'a/0001.png' }, Buffer.from('\x89PNG fake'));
      p.entry({ name: 'a/0001.txt' }, Buffer.from('a caption'));
      p.entry({ name: 'a/0002.json' }, Buffer.from('{"k":1}'));
      p.finalize();
    });
    const dir = await mkdtemp(join(tmpdir(), 'mmtok-fuzz-tar-'));
    let n = 0;
    try {
      await fuzz(
        'webdataset tar',
        bytesFrom(tar),
        async (b) => {
          const path = join(dir, `${n++}.tar`);
          await writeFile(path, b);
          const samples = [];
          for await (const s of readTarSamples(path)) samples.push(s);
          await rm(path);
          return samples;
        },
        (samples, b) => {
          const bytes = samples.reduce((a, s) => a + [...s.members.values()].reduce((x, m) => x + m.length, 0), 0);
          expect(bytes).toBeLessThanOrEqual(b.length);
        },
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
