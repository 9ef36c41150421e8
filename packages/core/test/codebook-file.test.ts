import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createQuantizer,
  deserializeQuantizer,
  MmtokError,
  type QuantizerConfig,
  Random,
  serializeQuantizer,
} from '../src/index.js';
import { loadQuantizer, saveQuantizer } from '../src/node.js';
import { gaussian, runSeed } from './helpers.js';

const seed = runSeed('codebook-file');
const rng = new Random(seed);
const dir = mkdtempSync(join(tmpdir(), 'mmtok-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const configs: QuantizerConfig[] = [
  { type: 'vq', dim: 6, codebookSize: 10, seed: rng.int(1e6) },
  { type: 'vq', dim: 6, codebookSize: 10, distance: 'cosine', seed: rng.int(1e6) },
  { type: 'rvq', dim: 5, codebookSize: 8, numQuantizers: 3, seed: rng.int(1e6) },
  { type: 'fsq', levels: [8, 5, 5, 5] },
  { type: 'fsq', levels: [2, 4], preserveSymmetry: true },
  { type: 'lfq', dim: 9, codebookScale: 0.5, bitOrder: 'lsb' },
  { type: 'residual-fsq', levels: [5, 5], numQuantizers: 2 },
  { type: 'residual-lfq', dim: 4, numQuantizers: 2 },
  {
    type: 'grouped',
    quantizers: [
      { type: 'vq', dim: 3, codebookSize: 4, seed: 7 },
      { type: 'rvq', dim: 3, codebookSize: 4, numQuantizers: 2, seed: 8 },
    ],
  },
];

async function errorCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(MmtokError);
    return (e as MmtokError).code;
  }
  throw new Error('expected an MmtokError');
}

describe('codebook files', () => {
  for (const [i, config] of configs.entries()) {
    it(`${config.type} #${i}: save → load → encode is identical`, async () => {
      const q = await createQuantizer(config);
      const path = join(dir, `q${i}.safetensors`);
      await saveQuantizer(q, path);
      const back = await loadQuantizer(path);
      expect(back.config.type).toBe(config.type);
      const x = gaussian(rng, 50, q.dim);
      expect(Array.from((await back.encode(x)).data)).toEqual(Array.from((await q.encode(x)).data));
      expect(Array.from((await back.quantize(x)).codes.data)).toEqual(Array.from((await q.quantize(x)).codes.data));
    });
  }

  it('is readable from Python with numpy alone (safetensors layout, config in metadata)', async () => {
    const q = await createQuantizer({ type: 'rvq', dim: 3, codebookSize: 4, numQuantizers: 2, seed: 5 });
    const path = join(dir, 'py.safetensors');
    await saveQuantizer(q, path);
    const script = `
import json, struct, sys
import numpy as np
raw = open(sys.argv[1], 'rb').read()
n = struct.unpack('<Q', raw[:8])[0]
header = json.loads(raw[8:8 + n])
data = raw[8 + n:]
out = {'config': json.loads(header['__metadata__']['config'])}
for name, t in header.items():
    if name == '__metadata__':
        continue
    a, b = t['data_offsets']
    out[name] = np.frombuffer(data[a:b], dtype='<f4').reshape(t['shape']).tolist()
print(json.dumps(out))
`;
    const out = JSON.parse(execFileSync('/usr/bin/python3', ['-c', script, path], { encoding: 'utf8' }));
    expect(out.config).toEqual({ type: 'rvq', dim: 3, codebookSize: 4, numQuantizers: 2, seed: 5 });
    const cbs = q.codebooks();
    expect(out['codebooks.1'].flat()).toEqual(Array.from(cbs[1]));
  });

  it('a truncated file → MMTOK_FILE_FORMAT', async () => {
    const bytes = await serializeQuantizer(await createQuantizer(configs[0]));
    for (const cut of [0, 5, 20, bytes.length - 4]) {
      const path = join(dir, `cut${cut}.safetensors`);
      writeFileSync(path, bytes.subarray(0, cut));
      expect(await errorCode(loadQuantizer(path))).toBe('MMTOK_FILE_FORMAT');
    }
  });

  it('a corrupted weight byte → MMTOK_CHECKSUM', async () => {
    const bytes = await serializeQuantizer(await createQuantizer(configs[2]));
    bytes[bytes.length - 3] ^= 0x40;
    const path = join(dir, 'corrupt.safetensors');
    writeFileSync(path, bytes);
    expect(await errorCode(loadQuantizer(path))).toBe('MMTOK_CHECKSUM');
  });

  it('an error names where the bytes came from: the path for loadQuantizer, `source` for deserializeQuantizer', async () => {
    const bytes = await serializeQuantizer(await createQuantizer(configs[2]));
    bytes[bytes.length - 3] ^= 0x40;
    const path = join(dir, 'corrupt-named.safetensors');
    writeFileSync(path, bytes);
    const caught = async (p: Promise<unknown>) =>
      (await p.then(
        () => undefined,
        (e) => e,
      )) as MmtokError;
    for (const [e, where] of [
      [await caught(loadQuantizer(path)), path],
      [
        await caught(deserializeQuantizer(bytes, { source: 'https://host/tok/q.safetensors' })),
        'https://host/tok/q.safetensors',
      ],
    ] as const) {
      expect(e.code).toBe('MMTOK_CHECKSUM');
      expect(e.message.startsWith(`MMTOK_CHECKSUM: ${where}: `), e.message).toBe(true);
      expect(e.details?.path).toBe(where);
    }
    // Without a source the message is the decoder's own.
    const plain = await caught(deserializeQuantizer(bytes));
    expect([plain.code, plain.details?.path]).toEqual(['MMTOK_CHECKSUM', undefined]);
  });

  it('another file type or a mismatched expectation → clear errors', async () => {
    const path = join(dir, 'q0.safetensors');
    expect(await errorCode(loadQuantizer(path, { expectType: 'rvq' }))).toBe('MMTOK_MISMATCH');
    expect(await errorCode(loadQuantizer(path, { expectDim: 3 }))).toBe('MMTOK_MISMATCH');
    const json = join(dir, 'not.safetensors');
    writeFileSync(json, '{"hello": "world"}');
    expect(await errorCode(loadQuantizer(json))).toBe('MMTOK_FILE_FORMAT');
    expect(await errorCode(loadQuantizer(join(dir, 'missing.safetensors')))).toBe('MMTOK_IO');
  });

  it('writes atomically: a failed save leaves the old file and no temp files', async () => {
    const path = join(dir, 'atomic.safetensors');
    await saveQuantizer(await createQuantizer(configs[0]), path);
    const before = readFileSync(path);
    expect(
      await errorCode(saveQuantizer(await createQuantizer(configs[2]), join(dir, 'no-such-dir', 'x.safetensors'))),
    ).toBe('MMTOK_IO');
    // The final rename fails (a directory stands at the target): the temp file is removed.
    const blocked = join(dir, 'blocked.safetensors');
    mkdirSync(join(blocked, 'inside'), { recursive: true });
    expect(await errorCode(saveQuantizer(await createQuantizer(configs[2]), blocked))).toBe('MMTOK_IO');
    expect(readdirSync(blocked)).toEqual(['inside']);
    expect(readFileSync(path).equals(before)).toBe(true);
    await saveQuantizer(await createQuantizer(configs[3]), path);
    expect(readFileSync(path).equals(before)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
