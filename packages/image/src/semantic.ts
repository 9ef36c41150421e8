/**
 * Semantic (representation) image tokenizers: an encoder-only ONNX vision model (ViT, DINOv2,
 * CLIP/SigLIP vision exports: `pixel_values` float32 [1, 3, H, W] → `last_hidden_state`
 * [1, prefix + N, D]) whose patch features are quantized by a codebook `mmtok train` fits with
 * k-means. Tokens are the patch grid [h, w] (or [h, w, levels]); there is no decoder.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import {
  type AnyQuantizer,
  MAX_MANIFEST_FRAME_PIXELS,
  ManifestChecker,
  type ManifestFile,
  type ManifestHeader,
  MmtokError,
  type QuantizerConfig,
} from '@mmtok/core';
import {
  checkFeatureEncoder,
  checkTokenIdentity,
  FEATURE_ENCODER_KEYS,
  type FeatureEncoderSpec,
  featureEncoderFiles,
  loadFeatureProjection,
  loadManifestQuantizer,
  noDecoderError,
  OnnxFeatureModel,
  readManifestFile,
  readModelJson,
  tokenizerIdentity,
} from '@mmtok/core/node';
import type { HubOptions } from '@mmtok/hub';
import { checkImage } from './io.js';
import { type PilResample, pilResize } from './pil-resize.js';
import type { RgbImage, TokenizerIdentity, TokenSet } from './types.js';

/** The PIL resample codes: 0 nearest, 1 lanczos, 2 bilinear, 3 bicubic. */
const RESAMPLE_NAMES = { 0: 'nearest', 1: 'lanczos', 2: 'bilinear', 3: 'bicubic' };

/**
 * The image processor steps of ViTImageProcessor / CLIPImageProcessor / BitImageProcessor (DINOv2):
 * resize (to height×width, or the shorter side to `shortestEdge` keeping the aspect), centre crop,
 * rescale, normalize, channels first.
 */
export interface ImageFeaturePreprocessing {
  resize?: { height: number; width: number } | { shortestEdge: number };
  /** PIL code: 0 nearest, 1 lanczos, 2 bilinear, 3 bicubic. */
  resample: number;
  centerCrop?: { height: number; width: number };
  /** Multiplies the 0…255 values (1/255 by default); absent: values stay 0…255. */
  rescale?: number;
  normalize?: { mean: [number, number, number]; std: [number, number, number] };
}

/** What a ViT-like model folder says about its input and its output rows. */
export interface ImageFeatureModelFacts {
  preprocessing: ImageFeaturePreprocessing;
  patchSize: number;
  /** Rows before the patch rows in last_hidden_state: CLS (1) plus register tokens (DINOv2 with registers). */
  prefixTokens: number;
}

function fail(path: string, message: string): never {
  throw new MmtokError('MMTOK_MODEL', `${path}: ${message}`, { path });
}

function posInt(v: unknown, where: string, path: string): number {
  if (!Number.isInteger(v) || (v as number) < 1 || (v as number) > 8192)
    fail(path, `${where} must be an integer in [1, 8192]`);
  return v as number;
}

function hw(v: unknown, where: string, path: string): { height: number; width: number } {
  if (typeof v === 'number') return { height: posInt(v, where, path), width: v };
  const o = (v ?? {}) as Record<string, unknown>;
  return { height: posInt(o.height, `${where}.height`, path), width: posInt(o.width, `${where}.width`, path) };
}

function triple(v: unknown, where: string, path: string, positive: boolean): [number, number, number] {
  const a = typeof v === 'number' ? [v, v, v] : v;
  if (!Array.isArray(a) || a.length !== 3 || !a.every((x) => Number.isFinite(x) && (!positive || x > 0))) {
    fail(path, `${where} must be 3 finite${positive ? ' positive' : ''} numbers`);
  }
  return a as [number, number, number];
}

/** Reads config.json (patch_size, num_register_tokens) and preprocessor_config.json as transformers' image processors do. */
export async function readImageFeatureModel(dir: string): Promise<ImageFeatureModelFacts> {
  const config = (await readModelJson(dir, 'config.json')) ?? {};
  const p = await readModelJson(dir, 'preprocessor_config.json');
  const where = join(dir, 'preprocessor_config.json');
  if (!p) fail(where, 'missing: an image feature model needs its preprocessing (size, mean, std)');
  const pre: ImageFeaturePreprocessing = { resample: p.resample === undefined ? 2 : Number(p.resample) };
  if (!(pre.resample in RESAMPLE_NAMES)) fail(where, `resample ${p.resample} is not one of 0, 1, 2, 3`);
  if (p.do_resize !== false) {
    const size = p.size as Record<string, unknown> | number | undefined;
    if (size && typeof size === 'object' && 'shortest_edge' in size) {
      pre.resize = { shortestEdge: posInt(size.shortest_edge, 'size.shortest_edge', where) };
    } else pre.resize = hw(size, 'size', where);
  }
  if (p.do_center_crop === true) pre.centerCrop = hw(p.crop_size, 'crop_size', where);
  if (p.do_rescale !== false) {
    const f = p.rescale_factor ?? 1 / 255;
    if (typeof f !== 'number' || !(f > 0)) fail(where, 'rescale_factor must be a positive number');
    pre.rescale = f;
  }
  if (p.do_normalize !== false) {
    pre.normalize = {
      mean: triple(p.image_mean ?? 0.5, 'image_mean', where, false),
      std: triple(p.image_std ?? 0.5, 'image_std', where, true),
    };
  }
  const cfg = join(dir, 'config.json');
  const registers = config.num_register_tokens ?? 0;
  if (!Number.isInteger(registers) || (registers as number) < 0)
    fail(cfg, 'num_register_tokens must be an integer ≥ 0');
  return {
    preprocessing: pre,
    patchSize: posInt(config.patch_size ?? 16, 'patch_size', cfg),
    prefixTokens: 1 + (registers as number),
  };
}

/** The size transformers resizes to: height×width, or the shorter side to `shortestEdge` (longer side floored). */
function resizeTarget(w: number, h: number, r: NonNullable<ImageFeaturePreprocessing['resize']>): [number, number] {
  if ('height' in r) return [r.width, r.height];
  const s = r.shortestEdge;
  return w <= h ? [s, Math.floor((s * h) / w)] : [Math.floor((s * w) / h), s];
}

/** Image → pixel_values [1, 3, H, W] float32 as the model's image processor makes them. */
export async function preprocessForFeatures(
  image: RgbImage,
  pre: ImageFeaturePreprocessing,
): Promise<{ data: Float32Array; height: number; width: number }> {
  checkImage(image);
  let img = image;
  if (pre.resize) {
    const [w, h] = resizeTarget(img.width, img.height, pre.resize);
    // shortestEdge keeps the aspect: a thin image (1×100000) would ask for billions of pixels.
    if (w * h > MAX_MANIFEST_FRAME_PIXELS) {
      throw new MmtokError(
        'MMTOK_SHAPE',
        `a ${img.width}×${img.height} image resizes to ${w}×${h}, more than ${MAX_MANIFEST_FRAME_PIXELS} pixels (4096×4096)`,
        { width: img.width, height: img.height, resized: [w, h] },
      );
    }
    img = pilResize(img, w, h, pre.resample as PilResample);
  }
  let [top, left, H, W] = [0, 0, img.height, img.width];
  if (pre.centerCrop) {
    ({ height: H, width: W } = pre.centerCrop);
    if (H > img.height || W > img.width) {
      throw new MmtokError(
        'MMTOK_SHAPE',
        `the resized image (${img.width}×${img.height}) is smaller than the crop ${W}×${H}`,
      );
    }
    top = Math.floor((img.height - H) / 2);
    left = Math.floor((img.width - W) / 2);
  }
  const out = new Float32Array(3 * H * W);
  const scale = pre.rescale ?? 1;
  for (let c = 0; c < 3; c++) {
    const mean = pre.normalize?.mean[c] ?? 0;
    const std = pre.normalize?.std[c] ?? 1;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const v = img.data[((top + y) * img.width + left + x) * 3 + c] * scale;
        out[(c * H + y) * W + x] = (v - mean) / std;
      }
    }
  }
  return { data: out, height: H, width: W };
}

/** Patch features [h·w, D] row-major over the grid, the prefix rows (CLS, registers) dropped. */
export async function imageFeatures(
  model: OnnxFeatureModel,
  pixels: { data: Float32Array; height: number; width: number },
  facts: Pick<ImageFeatureModelFacts, 'patchSize' | 'prefixTokens'>,
): Promise<{ data: Float32Array; gridH: number; gridW: number; dim: number }> {
  const gridH = Math.floor(pixels.height / facts.patchSize);
  const gridW = Math.floor(pixels.width / facts.patchSize);
  const f = await model.features(pixels.data, [1, 3, pixels.height, pixels.width]);
  const n = gridH * gridW;
  // Some exports (e.g. pooled CLIP towers) have no prefix rows: accept exactly the patch grid too.
  const skip = f.rows === n + facts.prefixTokens ? facts.prefixTokens : f.rows === n ? 0 : -1;
  if (skip < 0) {
    model.fail(
      `${f.rows} output rows fit neither the ${gridH}×${gridW} patch grid nor it plus ${facts.prefixTokens} prefix token(s)`,
    );
  }
  return { data: f.data.subarray(skip * f.dim, (skip + n) * f.dim), gridH, gridW, dim: f.dim };
}

/** The 'features' encoder entry of a semantic image manifest. */
export interface FeatureImageEncoderSpec extends FeatureEncoderSpec, ImageFeatureModelFacts {}

export interface SemanticImageManifest extends ManifestHeader {
  modality: 'image';
  encoder: FeatureImageEncoderSpec;
  quantizer: { config?: QuantizerConfig; file?: string };
  tokens: { layout: ['h', 'w', 'levels'] };
}

/** Validates a semantic image manifest (an image manifest whose encoder is 'features' and that has no decoder). */
export function validateSemanticImageManifest(value: unknown, file = 'manifest'): SemanticImageManifest {
  const c = new ManifestChecker(file);
  const m = c.manifest(value, 'image', ['encoder', 'quantizer', 'tokens'], []);
  const e = c.object(
    m.encoder,
    'manifest.encoder',
    [...FEATURE_ENCODER_KEYS.required, 'preprocessing', 'patchSize', 'prefixTokens'],
    [...FEATURE_ENCODER_KEYS.optional],
  );
  c.oneOf(e.kind, ['features'] as const, 'manifest.encoder.kind');
  checkFeatureEncoder(c, e);
  c.int(e.patchSize, 'manifest.encoder.patchSize', 1, 8192);
  c.int(e.prefixTokens, 'manifest.encoder.prefixTokens', 0, 1024);
  const p = c.object(
    e.preprocessing,
    'manifest.encoder.preprocessing',
    ['resample'],
    ['resize', 'centerCrop', 'rescale', 'normalize'],
  );
  const at = 'manifest.encoder.preprocessing';
  if (!(Number(p.resample) in RESAMPLE_NAMES)) c.fail(`${at}.resample`, 'must be 0, 1, 2 or 3');
  // Sizes are bounded before anything is allocated from them.
  const side = (v: unknown, where: string) => c.int(v, where, 1, 8192);
  if (p.resize !== undefined) {
    const r = p.resize as Record<string, unknown>;
    if (r && typeof r === 'object' && 'shortestEdge' in r) {
      c.object(r, `${at}.resize`, ['shortestEdge'], []);
      side(r.shortestEdge, `${at}.resize.shortestEdge`);
    } else {
      c.object(r, `${at}.resize`, ['height', 'width'], []);
      side(r.height, `${at}.resize.height`);
      side(r.width, `${at}.resize.width`);
    }
  }
  if (p.centerCrop !== undefined) {
    const r = c.object(p.centerCrop, `${at}.centerCrop`, ['height', 'width'], []);
    side(r.height, `${at}.centerCrop.height`);
    side(r.width, `${at}.centerCrop.width`);
  }
  if (p.rescale !== undefined) c.positive(p.rescale, `${at}.rescale`);
  if (p.normalize !== undefined) {
    const n = c.object(p.normalize, `${at}.normalize`, ['mean', 'std'], []);
    for (const key of ['mean', 'std'] as const) {
      const v = n[key];
      if (!Array.isArray(v) || v.length !== 3 || !v.every((x) => Number.isFinite(x) && (key === 'mean' || x > 0))) {
        c.fail(`${at}.normalize.${key}`, `must be 3 finite${key === 'std' ? ' positive' : ''} numbers`);
      }
    }
  }
  c.quantizer(m.quantizer);
  const t = c.object(m.tokens, 'manifest.tokens', ['layout'], []);
  if (JSON.stringify(t.layout) !== '["h","w","levels"]')
    c.fail('manifest.tokens.layout', 'must be ["h", "w", "levels"]');
  return value as SemanticImageManifest;
}

/** The files a semantic image manifest names (hashed into its identity). */
function semanticImageFiles(m: SemanticImageManifest): ManifestFile[] {
  const files = featureEncoderFiles(m.encoder);
  if (m.quantizer.file) files.push({ role: 'quantizer', key: 'manifest.quantizer.file', file: m.quantizer.file });
  return files;
}

export interface LoadSemanticImageOptions {
  backend?: string;
  executionProviders?: string[];
}

/**
 * A semantic image tokenizer: preprocess → feature model → patch rows → (projection) → quantizer →
 * [h, w] tokens (or [h, w, levels]). decode fails with MMTOK_NO_DECODER.
 */
export class SemanticImageTokenizer {
  private constructor(
    readonly manifest: SemanticImageManifest,
    readonly identity: TokenizerIdentity,
    readonly quantizer: AnyQuantizer,
    /** Absolute path of the manifest (in the Hub snapshot for hf: repos). */
    readonly manifestPath: string,
    private readonly model: OnnxFeatureModel,
    private readonly projection:
      | { forward(rows: Float32Array, o: { backend?: string }): Promise<Float32Array> }
      | undefined,
    private readonly backend: string | undefined,
  ) {}

  static async fromManifest(path: string, options: LoadSemanticImageOptions = {}): Promise<SemanticImageTokenizer> {
    const { manifest, dir } = await readManifestFile(path, validateSemanticImageManifest, semanticImageFiles);
    return SemanticImageTokenizer.fromParts(manifest, dir, options);
  }

  /** From a validated manifest whose files lie in `dir` (a folder, or a Hub snapshot). */
  static async fromParts(
    m: SemanticImageManifest,
    dir: string,
    options: LoadSemanticImageOptions = {},
  ): Promise<SemanticImageTokenizer> {
    const identity = await tokenizerIdentity(m, dir, semanticImageFiles(m));
    const quantizer = await loadManifestQuantizer(m.quantizer, dir, join(dir, 'manifest.json'), {
      backend: options.backend,
      required: true,
    });
    const projection = await loadFeatureProjection(m.encoder, dir, quantizer.dim);
    const model = await OnnxFeatureModel.load(
      resolve(dir, m.encoder.file),
      { inputName: m.encoder.inputName, outputName: m.encoder.outputName, inputRank: 4 },
      options.executionProviders,
    );
    return new SemanticImageTokenizer(
      m,
      identity,
      quantizer,
      join(resolve(dir), 'manifest.json'),
      model,
      projection,
      options.backend,
    );
  }

  /** Image → patch tokens [h, w] (one level) or [h, w, levels]. */
  async encode(image: RgbImage): Promise<TokenSet> {
    const e = this.manifest.encoder;
    const pixels = await preprocessForFeatures(image, e.preprocessing);
    const f = await imageFeatures(this.model, pixels, e);
    const n = f.gridH * f.gridW;
    const rows = this.projection ? await this.projection.forward(f.data, { backend: this.backend }) : f.data;
    const q = this.quantizer;
    if (rows.length !== n * q.dim) {
      throw new MmtokError(
        'MMTOK_MISMATCH',
        `the model makes ${rows.length / n}-dim patch features but the quantizer takes dim ${q.dim}`,
      );
    }
    const idx = await q.encode({ data: rows, shape: [n, q.dim] }, { backend: this.backend });
    const L = q.numQuantizers;
    return {
      modality: 'image',
      indices: idx.data,
      shape: L === 1 ? [f.gridH, f.gridW] : [f.gridH, f.gridW, L],
      tokenizer: { ...this.identity },
      source: { width: image.width, height: image.height, frameWidth: pixels.width, frameHeight: pixels.height },
    };
  }

  /** Semantic tokens have no way back to pixels. */
  async decode(tokens: TokenSet): Promise<never> {
    checkTokenIdentity(tokens, 'image', this.identity);
    throw noDecoderError(this.manifest.name);
  }

  async dispose(): Promise<void> {
    await this.model.dispose();
  }
}

/**
 * A semantic image tokenizer from its folder (manifest.json, encoder/, quantizer.safetensors), a
 * manifest path, or hf:org/name[@rev] of a Hub repo holding such a folder (fetched into the cache).
 */
export async function loadSemanticImageTokenizer(
  spec: string,
  options: LoadSemanticImageOptions & { hub?: HubOptions } = {},
): Promise<SemanticImageTokenizer> {
  const hub = await import('@mmtok/hub');
  if (hub.isHubSpec(spec)) {
    const found = await hub.hubFile(spec, 'manifest.json', options.hub);
    const ref = { repo: found.repo, revision: found.commit };
    const where = `${hub.hubIdentity(found.repo, found.commit)}/manifest.json`;
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(found.path, 'utf8'));
    } catch (e) {
      throw new MmtokError('MMTOK_MANIFEST', `${where}: not valid JSON (${(e as Error).message})`, { path: where });
    }
    const manifest = validateSemanticImageManifest(parsed, where);
    // hubFile checks each name stays inside the repo; the snapshot holds them all at one commit.
    for (const f of semanticImageFiles(manifest)) await hub.hubFile(ref, f.file, options.hub);
    await hub.hubFileIfExists(ref, hub.onnxExternalDataFile(manifest.encoder.file), options.hub);
    return SemanticImageTokenizer.fromParts(manifest, dirname(found.path), options);
  }
  const path = spec.endsWith('.json') ? spec : join(spec, 'manifest.json');
  return SemanticImageTokenizer.fromManifest(path, options);
}

/**
 * True when `spec` names a semantic image tokenizer rather than an ImageTokenizer manifest: an hf:
 * repo (image tokenizers come from the Hub only as semantic folders) or a manifest, or folder
 * holding one, whose encoder is 'features'.
 */
export async function isSemanticImageSpec(spec: string): Promise<boolean> {
  if (spec.startsWith('hf:')) return true;
  const path = spec.endsWith('.json') ? spec : join(spec, 'manifest.json');
  try {
    const m = JSON.parse(await readFile(path, 'utf8'));
    return m?.modality === 'image' && m?.encoder?.kind === 'features';
  } catch {
    // Not a readable manifest: the ordinary loader reports what is wrong with it.
    return false;
  }
}
