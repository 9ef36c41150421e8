/**
 * Semantic (encoder-only) image tokenizers. The fixture (a ViT-like model in the Transformers.js
 * layout, two PNGs, PIL/numpy preprocessing, PyTorch features, numpy nearest codes over a fixed
 * codebook) is made by fixtures-src/make_feature_model.py. The Hub cases load the same files from
 * the test Hub server (@mmtok/hub's) on 127.0.0.1.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadQuantizer, OnnxFeatureModel, writeSemanticTokenizer } from '@mmtok/core/node';
import { resolveModelFolder } from '@mmtok/hub';
import { type HubServer, startHubServer } from '@mmtok/hub/test-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  imageFeatures,
  loadSemanticImageTokenizer,
  preprocessForFeatures,
  readImage,
  readImageFeatureModel,
  type SemanticImageManifest,
  type SemanticImageTokenizer,
  trainSemanticImageTokenizer,
  validateSemanticImageManifest,
} from '../src/index.js';
import { type PilResample, pilResize } from '../src/pil-resize.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'semantic');
const modelDir = join(dir, 'vit-like');
interface ImageRef {
  file: string;
  width: number;
  height: number;
  pixelValues: string;
  features: string;
  codes: number[];
}
const ref: {
  dim: number;
  grid: [number, number];
  codebook: string;
  images: ImageRef[];
  resizes: { resample: number; width: number; height: number; pixels: string }[];
  processors: { preprocessor: Record<string, unknown>; height: number; width: number; pixelValues: string }[];
} = JSON.parse(readFileSync(join(dir, 'reference.json'), 'utf8'));
const f32 = (b64: string) => {
  const b = Buffer.from(b64, 'base64');
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};
const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
const byFile = (name: string) => ref.images.find((i) => i.file === name)!;

// Float32 conv + attention in onnxruntime vs PyTorch: summation order differs, nothing else.
const FEATURE_TOLERANCE = 1e-4;
function filesOf(root: string): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(root, p)] = readFileSync(p);
    }
  };
  walk(root);
  return out;
}

describe('ViT-like feature model (Transformers.js layout)', () => {
  it('reads the image processor settings and the patch geometry', async () => {
    expect(await readImageFeatureModel(modelDir)).toEqual({
      preprocessing: {
        resize: { height: 32, width: 32 },
        resample: 2,
        rescale: 1 / 255,
        normalize: { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] },
      },
      patchSize: 8,
      prefixTokens: 1,
    });
  });

  it.each(ref.images.map((i) => [i.file] as const))(
    '%s: pixel_values equal ViTImageProcessor’s (PIL resize, rescale, normalize)',
    async (file) => {
      const { preprocessing } = await readImageFeatureModel(modelDir);
      const x = await preprocessForFeatures(await readImage(join(dir, file)), preprocessing);
      expect([x.height, x.width]).toEqual([32, 32]);
      // Both sides compute in float64 from the same 8-bit pixels and round once to float32.
      expect(maxAbsDiff(x.data, f32(byFile(file).pixelValues))).toBeLessThanOrEqual(1e-6);
    },
  );

  it.each(ref.processors.map((p) => [p.preprocessor.image_processor_type as string, p] as const))(
    '%s-style preprocessing (shortest edge, bicubic, centre crop, own mean/std) equals transformers’ steps in PIL/numpy',
    async (_, p) => {
      const folder = mkdtempSync(join(tmpdir(), 'mmtok-processor-'));
      try {
        writeFileSync(join(folder, 'preprocessor_config.json'), JSON.stringify(p.preprocessor));
        const { preprocessing } = await readImageFeatureModel(folder);
        const x = await preprocessForFeatures(await readImage(join(dir, 'scene.png')), preprocessing);
        expect([x.height, x.width]).toEqual([p.height, p.width]);
        expect(maxAbsDiff(x.data, f32(p.pixelValues))).toBeLessThanOrEqual(1e-6);
      } finally {
        rmSync(folder, { recursive: true, force: true });
      }
    },
  );

  it('refuses an image whose shortest-edge resize would exceed 4096×4096 pixels, before allocating it', async () => {
    const thin = { data: new Uint8Array(100_000 * 3), width: 1, height: 100_000, channels: 3 as const };
    await expect(
      preprocessForFeatures(thin, { resample: 2, resize: { shortestEdge: 224 }, rescale: 1 / 255 }),
    ).rejects.toMatchObject({ code: 'MMTOK_SHAPE' });
  });

  it.each(ref.resizes.map((r) => [r.resample, r.width, r.height, r] as const))(
    'resample %i to %i×%i equals PIL to the level',
    async (_, width, height, r) => {
      const out = pilResize(await readImage(join(dir, 'scene.png')), width, height, r.resample as PilResample);
      expect(Buffer.from(out.data).equals(Buffer.from(r.pixels, 'base64'))).toBe(true);
    },
  );

  it.each(ref.images.map((i) => [i.file, i] as const))(
    '%s: patch features from PyTorch’s pixel values equal PyTorch’s (CLS row dropped)',
    async (_, image) => {
      const model = await OnnxFeatureModel.load(join(modelDir, 'onnx', 'model.onnx'), {
        inputName: 'pixel_values',
        outputName: 'last_hidden_state',
        inputRank: 4,
      });
      try {
        const f = await imageFeatures(
          model,
          { data: f32(image.pixelValues), height: 32, width: 32 },
          {
            patchSize: 8,
            prefixTokens: 1,
          },
        );
        expect([f.gridH, f.gridW, f.dim]).toEqual([...ref.grid, ref.dim]);
        const all = f32(image.features);
        expect(maxAbsDiff(f.data, all.subarray(ref.dim))).toBeLessThanOrEqual(FEATURE_TOLERANCE);
      } finally {
        await model.dispose();
      }
    },
  );
});

describe('semantic image tokenizer through the Hub (test server)', () => {
  let server: HubServer;
  const root = mkdtempSync(join(tmpdir(), 'mmtok-image-semantic-'));
  const hub = () => ({ endpoint: server.endpoint, cacheDir: join(root, 'hub-cache'), offline: false });
  const manifest: SemanticImageManifest = {
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
    },
    quantizer: { config: { type: 'vq', dim: ref.dim, codebookSize: 24 }, file: 'quantizer.safetensors' },
    tokens: { layout: ['h', 'w', 'levels'] },
  };
  const opened: SemanticImageTokenizer[] = [];

  beforeAll(async () => {
    server = await startHubServer({ 'test/vit-like': { files: filesOf(modelDir) } });
  });
  afterAll(async () => {
    await Promise.all(opened.map((t) => t.dispose()));
    await server?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('the manifest validator names bad preprocessing keys before anything is sized from them', () => {
    const key = (pre: object) => {
      try {
        validateSemanticImageManifest({ ...manifest, encoder: { ...manifest.encoder, preprocessing: pre } });
      } catch (e) {
        return (e as { details?: { key?: string } }).details?.key;
      }
      return undefined;
    };
    const pre = manifest.encoder.preprocessing;
    expect(key(pre)).toBeUndefined();
    expect(key({ ...pre, resize: { height: 1e9, width: 32 } })).toBe('manifest.encoder.preprocessing.resize.height');
    expect(key({ ...pre, resize: { shortestEdge: 0 } })).toBe('manifest.encoder.preprocessing.resize.shortestEdge');
    expect(key({ ...pre, centerCrop: { height: 8 } })).toBe('manifest.encoder.preprocessing.centerCrop.width');
    expect(key({ ...pre, normalize: { mean: [0, 0, 0], std: [1, 0, 1] } })).toBe(
      'manifest.encoder.preprocessing.normalize.std',
    );
    expect(key({ ...pre, resample: 7 })).toBe('manifest.encoder.preprocessing.resample');
  });

  it('a tokenizer over the hf: model with a given codebook gives numpy’s codes; decode is MMTOK_NO_DECODER', async () => {
    const folder = await resolveModelFolder('hf:test/vit-like', { hub: hub() });
    expect(folder.source).toBe(`hf:test/vit-like@${server.commitOf('test/vit-like')}`);
    const out = join(root, 'units');
    await writeSemanticTokenizer(out, {
      modelDir: folder.dir,
      modelFile: folder.modelFile,
      quantizer: await loadQuantizer(join(dir, ref.codebook)),
      manifest: { ...manifest, encoder: { ...manifest.encoder, source: folder.source } },
    });
    const tok = await loadSemanticImageTokenizer(out);
    opened.push(tok);
    for (const file of ['square.png', 'scene.png']) {
      const tokens = await tok.encode(await readImage(join(dir, file)));
      expect(tokens.shape).toEqual(ref.grid);
      expect(Array.from(tokens.indices)).toEqual(byFile(file).codes);
    }
    const tokens = await tok.encode(await readImage(join(dir, 'square.png')));
    await expect(tok.decode(tokens)).rejects.toMatchObject({ code: 'MMTOK_NO_DECODER' });

    // The same folder published as a Hub repo loads by name, with the same identity and tokens.
    server = await restartWith(server, { 'test/vit-units': { files: filesOf(out) } });
    const fromHub = await loadSemanticImageTokenizer('hf:test/vit-units', { hub: hub() });
    opened.push(fromHub);
    expect(fromHub.identity).toEqual(tok.identity);
    expect(Array.from((await fromHub.encode(await readImage(join(dir, 'square.png')))).indices)).toEqual(
      byFile('square.png').codes,
    );
  });

  it('trainSemanticImageTokenizer fits k-means codes over an hf: model’s patch features', async () => {
    server = await restartWith(server, { 'test/vit-like': { files: filesOf(modelDir) } });
    const images = ref.images.map((i) => join(dir, i.file));
    const r = await trainSemanticImageTokenizer(images, {
      model: 'hf:test/vit-like',
      hub: hub(),
      outDir: join(root, 'trained'),
      codebookSize: 8,
      pcaDim: 6,
      seed: 3,
    });
    expect(r.patches).toBe(2 * 16);
    expect(r.health.perLevel[0].used + r.health.perLevel[0].dead.count).toBe(8);
    expect(r.explainedVariance).toBeGreaterThan(0);
    expect(r.explainedVariance).toBeLessThan(1);
    const m = JSON.parse(readFileSync(r.manifestPath, 'utf8'));
    expect(m.decoder).toBeUndefined();
    expect(m.encoder).toMatchObject({ projection: 'projection.safetensors', source: r.source });
    const tok = await loadSemanticImageTokenizer(join(root, 'trained'));
    opened.push(tok);
    const tokens = await tok.encode(await readImage(images[0]));
    expect(tokens.shape).toEqual(ref.grid);
    expect(Array.from(tokens.indices).every((i) => i >= 0 && i < 8)).toBe(true);
  });
});

/** A fresh server with other repos (the test server's repos are fixed at start). */
async function restartWith(old: HubServer, repos: Parameters<typeof startHubServer>[0]): Promise<HubServer> {
  await old.close();
  return startHubServer(repos);
}
