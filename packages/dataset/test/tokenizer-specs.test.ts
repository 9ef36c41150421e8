/**
 * A dataset takes the tokenizer specs `mmtok encode` takes, through the same resolver: an hf:
 * pretrained audio codec and an hf: semantic image tokenizer, served by @mmtok/hub's test server on
 * 127.0.0.1, then from the cache alone with the server gone (HF_HUB_OFFLINE=1). Tokens are checked
 * against outside references: PyTorch's codes for the codec
 * (packages/audio/fixtures-src/make_hub_codecs.py) and numpy's nearest codes for the image units
 * (packages/image/fixtures-src/make_feature_model.py).
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeTokenFile } from '@mmtok/core';
import { loadQuantizer, writeSemanticTokenizer } from '@mmtok/core/node';
import { resolveModelFolder } from '@mmtok/hub';
import { type HubServer, startHubServer } from '@mmtok/hub/test-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeDataset, readDatasetSamples } from '../src/index.js';
import { outputDigests, useHubServer, writeReferenceWav } from './helpers.js';

const packages = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CODEC = join(packages, 'audio', 'test', 'fixtures', 'hub');
const SEMANTIC = join(packages, 'image', 'test', 'fixtures', 'semantic');
const codecRef = JSON.parse(await readFile(join(CODEC, 'mimi-like.reference.json'), 'utf8'));
const imageRef: { dim: number; grid: number[]; codebook: string; images: { file: string; codes: number[] }[] } =
  JSON.parse(await readFile(join(SEMANTIC, 'reference.json'), 'utf8'));

let root: string;
let server: HubServer;
let restoreHub: (() => void) | undefined;

async function repoFiles(dir: string): Promise<Record<string, Uint8Array>> {
  const files: Record<string, Uint8Array> = {};
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) files[relative(dir, join(e.parentPath, e.name))] = await readFile(join(e.parentPath, e.name));
  }
  return files;
}

/** The nearest-code units over the ViT-like model with the fixture's codebook, as a tokenizer folder. */
async function imageUnits(out: string): Promise<void> {
  const folder = await resolveModelFolder(join(SEMANTIC, 'vit-like'));
  await writeSemanticTokenizer(out, {
    modelDir: folder.dir,
    modelFile: folder.modelFile,
    quantizer: await loadQuantizer(join(SEMANTIC, imageRef.codebook)),
    manifest: {
      format: 'mmtok-tokenizer',
      formatVersion: 1,
      name: 'vit-like-units',
      version: '1.0.0',
      modality: 'image',
      encoder: {
        kind: 'features',
        file: 'encoder/onnx/model.onnx',
        inputName: 'pixel_values',
        outputName: 'last_hidden_state',
        preprocessing: {
          resize: { height: 32, width: 32 },
          resample: 2,
          rescale: 1 / 255,
          normalize: { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] },
        },
        patchSize: 8,
        prefixTokens: 1,
        source: folder.source,
      },
      quantizer: { config: { type: 'vq', dim: imageRef.dim, codebookSize: 24 }, file: 'quantizer.safetensors' },
      tokens: { layout: ['h', 'w', 'levels'] },
    },
  });
}

async function samplesOf(dir: string) {
  const out = [];
  for await (const s of readDatasetSamples(dir)) out.push(s);
  return out;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'mmtok-dataset-specs-'));
  await imageUnits(join(root, 'units'));
  server = await startHubServer({
    'test-org/mimi-like': { files: await repoFiles(join(CODEC, 'mimi-like')) },
    'test/vit-units': { files: await repoFiles(join(root, 'units')) },
  });
  // float32 WAV: the exact samples PyTorch encoded.
  await writeReferenceWav(codecRef, join(root, 'x.wav'));
  restoreHub = useHubServer(server.endpoint, root);
}, 120_000);

afterAll(async () => {
  restoreHub?.();
  await server?.close();
  await rm(root, { recursive: true, force: true });
});

describe('dataset tokenizer specs', () => {
  it('hf: codec and hf: semantic image tokenizer, online then offline from the cache', async () => {
    const codec = 'hf:test-org/mimi-like';
    const units = 'hf:test/vit-units';
    const images = imageRef.images.map((i) => join(SEMANTIC, i.file)).sort();
    await encodeDataset({ inputs: [join(root, 'x.wav')], output: join(root, 'audio'), tokenizer: codec, workers: 1 });
    await encodeDataset({ inputs: images, output: join(root, 'images'), tokenizer: units, workers: 1 });

    const [speech] = await samplesOf(join(root, 'audio'));
    const file = decodeTokenFile(speech.tokenFile);
    expect(file.header.tokenizer).toMatchObject({ name: `${codec}@${server.commitOf('test-org/mimi-like')}` });
    expect(file.header.shape).toEqual(codecRef.dtypes.fp32.tokenShape);
    expect(Array.from(file.indices)).toEqual(codecRef.dtypes.fp32.tokens);
    const audioMarker = JSON.parse(await readFile(join(root, 'audio', 'shard-00000.json'), 'utf8'));
    expect(audioMarker.tokenizers).toEqual({ audio: file.header.tokenizer });

    const pictures = await samplesOf(join(root, 'images'));
    expect(pictures.map((s) => s.meta.source)).toEqual(images);
    for (const s of pictures) {
      const tokens = decodeTokenFile(s.tokenFile);
      const numpy = imageRef.images.find((i) => join(SEMANTIC, i.file) === s.meta.source)!;
      expect(tokens.header.shape.slice(0, 2)).toEqual(imageRef.grid);
      expect(Array.from(tokens.indices)).toEqual(numpy.codes);
      expect(tokens.header.codebookSize).toBe(24);
    }
    const imageMarker = JSON.parse(await readFile(join(root, 'images', 'shard-00000.json'), 'utf8'));
    expect(imageMarker.tokenizers.image.name).toBe('vit-like-units');

    // Server gone: the cache answers, and the shards are the same bytes.
    await server.close();
    process.env.HF_HUB_OFFLINE = '1';
    for (const [name, input, tokenizer] of [
      ['audio', [join(root, 'x.wav')], codec],
      ['images', images, units],
    ] as const) {
      const again = join(root, `${name}-offline`);
      const r = await encodeDataset({ inputs: [...input], output: again, tokenizer, workers: 1 });
      expect(r.failed).toEqual([]);
      expect(await outputDigests(again)).toEqual(await outputDigests(join(root, name)));
    }
  }, 240_000);
});
