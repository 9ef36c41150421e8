/**
 * What a codebook file holds, read by hand here (8-byte length, JSON header, raw float32 data) with
 * SHA-256 from node:crypto, and each refusal of deserializeQuantizer with its code and message.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  CODEBOOK_FORMAT,
  CODEBOOK_FORMAT_VERSION,
  createQuantizer,
  deserializeQuantizer,
  encodeSafetensors,
  MmtokError,
  type QuantizerConfig,
  type ResidualVectorQuantizer,
  type StoredTensor,
  serializeQuantizer,
  type VectorQuantizer,
} from '../src/index.js';

/** The safetensors header and data section of `bytes`, parsed without our decoder. */
function parse(bytes: Uint8Array) {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  const data = bytes.subarray(8 + n);
  return { header, data, sha256: createHash('sha256').update(data).digest('hex') };
}

/** A quantizer file written by hand: tensors, the metadata given, the checksum unless given. */
function craft(tensors: Record<string, StoredTensor>, metadata: Record<string, string>): Uint8Array {
  const body = encodeSafetensors(tensors, {});
  const sha256 = metadata.sha256 ?? parse(body).sha256;
  return encodeSafetensors(tensors, { format: CODEBOOK_FORMAT, version: CODEBOOK_FORMAT_VERSION, sha256, ...metadata });
}

async function refusal(bytes: Uint8Array, options = {}): Promise<string> {
  try {
    await deserializeQuantizer(bytes, options);
  } catch (e) {
    expect(e).toBeInstanceOf(MmtokError);
    return (e as MmtokError).message;
  }
  return 'loaded';
}

const grouped: QuantizerConfig = {
  type: 'grouped',
  quantizers: [
    { type: 'fsq', levels: [3, 3] },
    { type: 'vq', dim: 2, codebookSize: 3, codebook: [1, 2, 3, 4, 5, 6] },
    {
      type: 'rvq',
      dim: 1,
      codebookSize: 2,
      numQuantizers: 2,
      codebooks: [
        [0.5, -0.5],
        [0.25, -0.25],
      ],
    },
  ],
};

describe('codebook file contents', () => {
  it('names each learned tensor by its place in the config, with its shape and float32 data', async () => {
    const bytes = await serializeQuantizer(await createQuantizer(grouped));
    const { header, data, sha256 } = parse(bytes);
    const { __metadata__: meta, ...tensors } = header;
    expect(tensors).toEqual({
      'groups.1.codebook': { dtype: 'F32', shape: [3, 2], data_offsets: [0, 24] },
      'groups.2.codebooks.0': { dtype: 'F32', shape: [2, 1], data_offsets: [24, 32] },
      'groups.2.codebooks.1': { dtype: 'F32', shape: [2, 1], data_offsets: [32, 40] },
    });
    expect(Array.from(new Float32Array(data.slice().buffer))).toEqual([1, 2, 3, 4, 5, 6, 0.5, -0.5, 0.25, -0.25]);
    expect(meta.format).toBe('mmtok-quantizer');
    expect(meta.version).toBe('1');
    expect(meta.sha256).toBe(sha256);
    // The config travels without its weights (they are the tensors).
    expect(JSON.parse(meta.config)).toEqual({
      type: 'grouped',
      quantizers: [
        { type: 'fsq', levels: [3, 3] },
        { type: 'vq', dim: 2, codebookSize: 3 },
        { type: 'rvq', dim: 1, codebookSize: 2, numQuantizers: 2 },
      ],
    });
  });

  it('a seeded VQ or RVQ stores the codebooks it drew; implicit codebooks store no tensors', async () => {
    const vq = (await createQuantizer({ type: 'vq', dim: 2, codebookSize: 3, seed: 4 })) as VectorQuantizer;
    const v = parse(await serializeQuantizer(vq));
    expect(v.header.codebook.shape).toEqual([3, 2]);
    expect(Array.from(new Float32Array(v.data.slice().buffer))).toEqual(Array.from(vq.weights));
    const rvq = (await createQuantizer({
      type: 'rvq',
      dim: 2,
      codebookSize: 2,
      numQuantizers: 2,
    })) as ResidualVectorQuantizer;
    const r = parse(await serializeQuantizer(rvq));
    expect(Object.keys(r.header).sort()).toEqual(['__metadata__', 'codebooks.0', 'codebooks.1']);
    expect(Array.from(new Float32Array(r.data.slice().buffer))).toEqual([
      ...rvq.levelCodebooks[0],
      ...rvq.levelCodebooks[1],
    ]);
    for (const config of [
      { type: 'lfq', dim: 3 },
      { type: 'residual-fsq', levels: [3], numQuantizers: 2 },
    ] as QuantizerConfig[]) {
      expect(Object.keys(parse(await serializeQuantizer(await createQuantizer(config))).header)).toEqual([
        '__metadata__',
      ]);
    }
  });

  it('loads from a view into a larger buffer', async () => {
    const bytes = await serializeQuantizer(await createQuantizer(grouped));
    const big = new Uint8Array(bytes.length + 5);
    big.set(bytes, 5);
    const q = await deserializeQuantizer(big.subarray(5));
    expect(q.dim).toBe(5);
  });
});

describe('codebook file refusals', () => {
  const vqTensors = { codebook: { shape: [3, 2], data: Float32Array.of(1, 2, 3, 4, 5, 6) } };
  const vqConfig = JSON.stringify({ type: 'vq', dim: 2, codebookSize: 3 });

  it('reads a hand-made file', async () => {
    expect(await refusal(craft(vqTensors, { config: vqConfig }))).toBe('loaded');
  });

  it('another format or version', async () => {
    expect(await refusal(encodeSafetensors(vqTensors, {}))).toBe(
      'MMTOK_FILE_FORMAT: not an mmtok quantizer file (format undefined)',
    );
    expect(await refusal(craft(vqTensors, { config: vqConfig, format: 'gguf' }))).toBe(
      'MMTOK_FILE_FORMAT: not an mmtok quantizer file (format "gguf")',
    );
    expect(await refusal(craft(vqTensors, { config: vqConfig, version: '2' }))).toBe(
      'MMTOK_FILE_FORMAT: unsupported quantizer file version "2" (this build reads 1)',
    );
  });

  it('weights that do not match the checksum name both digests', async () => {
    const stored = 'f'.repeat(64);
    const actual = parse(encodeSafetensors(vqTensors, {})).sha256;
    expect(await refusal(craft(vqTensors, { config: vqConfig, sha256: stored }))).toBe(
      `MMTOK_CHECKSUM: checksum mismatch: the weights are corrupted (expected ${stored}, got ${actual})`,
    );
  });

  it('a config that is not JSON, or tensors the config does not find', async () => {
    expect(await refusal(craft(vqTensors, { config: '{type: vq' }))).toBe(
      'MMTOK_FILE_FORMAT: the stored config is not valid JSON',
    );
    expect(await refusal(craft({}, { config: vqConfig }))).toBe(
      "MMTOK_MISMATCH: the file's config needs tensor 'codebook', which it lacks",
    );
    const narrow = { codebook: { shape: [2, 3], data: vqTensors.codebook.data } };
    expect(await refusal(craft(narrow, { config: vqConfig }))).toBe(
      "MMTOK_MISMATCH: tensor 'codebook' has shape [2,3] but the config needs [3,2]",
    );
    const rvq = JSON.stringify({ type: 'rvq', dim: 1, codebookSize: 2, numQuantizers: 2 });
    const oneLevel = { 'codebooks.0': { shape: [2, 1], data: Float32Array.of(1, 2) } };
    expect(await refusal(craft(oneLevel, { config: rvq }))).toBe(
      "MMTOK_MISMATCH: the file's config needs tensor 'codebooks.1', which it lacks",
    );
    const inGroup = JSON.stringify({ type: 'grouped', quantizers: [{ type: 'lfq', dim: 1 }, JSON.parse(vqConfig)] });
    expect(await refusal(craft(vqTensors, { config: inGroup }))).toBe(
      "MMTOK_MISMATCH: the file's config needs tensor 'groups.1.codebook', which it lacks",
    );
  });

  it('an expected type or dim the file does not hold; matching expectations load', async () => {
    const bytes = craft(vqTensors, { config: vqConfig });
    expect(await refusal(bytes, { expectType: 'rvq' })).toBe(
      "MMTOK_MISMATCH: expected a 'rvq' quantizer, the file holds 'vq'",
    );
    expect(await refusal(bytes, { expectDim: 3 })).toBe(
      'MMTOK_MISMATCH: expected a quantizer of dim 3, the file holds dim 2',
    );
    expect(await refusal(bytes, { expectType: 'vq', expectDim: 2 })).toBe('loaded');
    const q = (await deserializeQuantizer(bytes)) as VectorQuantizer;
    expect(Array.from(q.weights)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
