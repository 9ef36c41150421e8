import { type AnyQuantizer, checkTokenIdentity, MmtokError } from '@mmtok/core';
import type { LinearPatchTransform } from './linear-tokenizer.js';
import type { TokenizerManifest } from './manifest.js';
import type { ModelTensor, OnnxModel } from './onnx-model.js';
import { cropTensor, padToMultiple, patchify, unpatchify } from './patches.js';
import { applyResize, denormalize, type Geometry, normalize, undoResize } from './preprocess.js';
import { checkImage } from './rgb-image.js';
import type { ImageSource, ImageTensor, RgbImage, TokenizerIdentity, TokenSet } from './types.js';

export interface LoadTokenizerOptions {
  /** Core backend for the quantizer ('js', 'ort', 'webgpu'); the best available one when omitted. */
  backend?: string;
  /** onnxruntime execution providers for ONNX encoders/decoders, in order of preference. Default ['cpu']. */
  executionProviders?: string[];
}

/** Quantizer input: rows [h·w, channels], row-major over the grid. */
interface Latents {
  rows: Float32Array;
  channels: number;
  gridH: number;
  gridW: number;
}

/** Indices [h·w, levels], row-major over the grid. */
interface Grid {
  indices: Int32Array;
  levels: number;
  gridH: number;
  gridW: number;
}

function mismatch(message: string, details?: Record<string, unknown>): never {
  throw new MmtokError('MMTOK_MISMATCH', message, details);
}

function toInt32(t: ModelTensor, what: string): Int32Array {
  if (t.type === 'float32') mismatch(`${what} must be an integer tensor, got float32`);
  return t.data instanceof Int32Array ? t.data : Int32Array.from(t.data as BigInt64Array, (v) => Number(v));
}

/** A normalized image in model space, [1, 3, H, W] float32. */
type ModelInput = { data: Float32Array; shape: [1, 3, number, number] };

/** A batch's indices → one array per item (the array itself for a batch of one). */
function splitBatch(all: Int32Array, n: number): Int32Array[] {
  const size = all.length / n;
  return Array.from({ length: n }, (_, k) => (n === 1 ? all : all.slice(k * size, (k + 1) * size)));
}

/** What `encodeBatch` did: the tokens in input order, and how many images each encoder run took. */
export interface BatchEncoding {
  tokens: TokenSet[];
  /** Images per encoder run, in order: [3] is one batched run of three, [1, 1, 1] one at a time. */
  calls: number[];
}

/** What a tokenizer is made of once its files are loaded (from disk by loadTokenizer, by fetch in the browser). */
export interface ImageTokenizerParts {
  manifest: TokenizerManifest;
  identity: TokenizerIdentity;
  quantizer: AnyQuantizer | undefined;
  /** Where the manifest came from (a path or a URL), for messages. */
  manifestPath: string;
  linear?: LinearPatchTransform;
  encoderModel?: OnnxModel;
  decoderModel?: OnnxModel;
  backend?: string;
}

/**
 * An image tokenizer described by a manifest: preprocess → encoder → quantizer → token layout, and
 * back. Built-in (linear patch) and ONNX encoders/decoders go through the same path. This module
 * touches no file system, so the browser entry uses it too.
 */
export class ImageTokenizer {
  private constructor(
    readonly manifest: TokenizerManifest,
    readonly identity: TokenizerIdentity,
    readonly quantizer: AnyQuantizer | undefined,
    /** Absolute path of the manifest file. */
    readonly manifestPath: string,
    private readonly linear: LinearPatchTransform | undefined,
    private readonly encoderModel: OnnxModel | undefined,
    private readonly decoderModel: OnnxModel | undefined,
    private readonly backend: string | undefined,
  ) {}

  /** A tokenizer from its loaded parts (validated by whoever loaded them). */
  static fromParts(p: ImageTokenizerParts): ImageTokenizer {
    if (p.linear && p.quantizer && p.quantizer.dim !== p.linear.dim) {
      mismatch(
        `${p.manifestPath}: the encoder makes ${p.linear.dim}-dim coefficients but the quantizer takes dim ${p.quantizer.dim}`,
      );
    }
    return new ImageTokenizer(
      p.manifest,
      p.identity,
      p.quantizer,
      p.manifestPath,
      p.linear,
      p.encoderModel,
      p.decoderModel,
      p.backend,
    );
  }

  private get levels(): number {
    return this.quantizer?.numQuantizers ?? 1;
  }

  /** Image → tokens: resize policy, normalization, padding, encoder, quantizer, layout. */
  async encode(image: RgbImage): Promise<TokenSet> {
    return (await this.encodeBatch([image])).tokens[0];
  }

  /**
   * Images → tokens, each the same as `encode` gives. Consecutive images of one size after
   * preprocessing share one encoder run when the ONNX encoder has a dynamic batch axis; the others
   * (a fixed batch of 1, the built-in linear encoder, a size change) are encoded one at a time.
   */
  async encodeBatch(images: readonly RgbImage[]): Promise<BatchEncoding> {
    const frames: { frame: RgbImage; geometry: Geometry }[] = [];
    for (const image of images) {
      checkImage(image);
      frames.push(await applyResize(image, this.manifest.preprocessing.resize));
    }
    const result = await this.encodeTensors(
      frames.map((f) => normalize(f.frame, this.manifest.preprocessing) as ModelInput),
    );
    result.tokens.forEach((t, i) => {
      t.source = { ...frames[i].geometry, resize: this.manifest.preprocessing.resize.mode };
    });
    return result;
  }

  /** Model-space input [1, 3, H, W] (already normalized) → tokens. Pads H, W to the size multiple itself. */
  async encodeTensor(x: ModelInput): Promise<TokenSet> {
    return (await this.encodeTensors([x])).tokens[0];
  }

  /** Model-space inputs [1, 3, H, W] → tokens, batched as `encodeBatch` says. */
  async encodeTensors(xs: readonly ModelInput[]): Promise<BatchEncoding> {
    const pre = this.manifest.preprocessing;
    const padded = xs.map((x) => {
      const [n, c, h, w] = x.shape;
      if (x.shape.length !== 4 || n !== 1 || c !== 3 || !(h > 0 && w > 0) || x.data.length !== 3 * h * w) {
        throw new MmtokError('MMTOK_SHAPE', `encodeTensor expects [1, 3, H, W] float32, got [${x.shape.join(', ')}]`);
      }
      return padToMultiple(x as ImageTensor, pre.sizeMultiple, pre.pad ?? 'edge');
    });
    const spec = this.manifest.encoder as { inputName: string };
    const batches = this.encoderModel?.hasDynamicBatch(spec.inputName) ?? false;
    const sameSize = (a: ImageTensor, b: ImageTensor) => a.shape[2] === b.shape[2] && a.shape[3] === b.shape[3];
    const tokens: TokenSet[] = [];
    const calls: number[] = [];
    for (let i = 0; i < padded.length; ) {
      let j = i + 1;
      while (batches && j < padded.length && sameSize(padded[j], padded[i])) j++;
      const grids = await this.encodeGrids(padded.slice(i, j));
      for (const [k, grid] of grids.entries()) {
        const [, , h, w] = xs[i + k].shape;
        const source: ImageSource = { width: w, height: h, frameWidth: w, frameHeight: h };
        tokens.push({ modality: 'image', ...this.layout(grid), tokenizer: { ...this.identity }, source });
      }
      calls.push(j - i);
      i = j;
    }
    return { tokens, calls };
  }

  /** Padded inputs of one size → their grids, in one encoder run (several only for a dynamic batch axis). */
  private async encodeGrids(xs: ImageTensor[]): Promise<Grid[]> {
    const n = xs.length;
    let latents: Latents;
    if (this.linear) {
      const p = patchify(xs[0], this.linear.patchSize);
      latents = {
        rows: await this.linear.forward(p.data, { backend: this.backend }),
        channels: this.linear.dim,
        gridH: p.gridH,
        gridW: p.gridW,
      };
    } else {
      const spec = this.manifest.encoder as { inputName: string; outputName: string; output: 'latents' | 'codes' };
      const [, c, h, w] = xs[0].shape;
      const data = n === 1 ? xs[0].data : new Float32Array(n * c * h * w);
      if (n > 1) for (const [k, x] of xs.entries()) data.set(x.data, k * c * h * w);
      const out = await this.encoderModel!.run(
        spec.inputName,
        { type: 'float32', data, dims: [n, c, h, w] },
        spec.outputName,
      );
      if (spec.output === 'codes') return this.codesFromModel(out, n);
      latents = this.latentsFromModel(out, n);
    }
    const q = this.requireQuantizer();
    if (latents.channels !== q.dim) {
      mismatch(`the encoder makes ${latents.channels} latent channels but the quantizer takes dim ${q.dim}`);
    }
    // One quantizer call for the whole batch: rows are quantized independently.
    const plane = latents.gridH * latents.gridW;
    const idx = await q.encode({ data: latents.rows, shape: [n * plane, latents.channels] }, { backend: this.backend });
    return splitBatch(idx.data, n).map((indices) => ({
      indices,
      levels: q.numQuantizers,
      gridH: latents.gridH,
      gridW: latents.gridW,
    }));
  }

  /** ONNX latents [n, C, h, w] → rows [n·h·w, C], image after image. */
  private latentsFromModel(out: ModelTensor, n: number): Latents {
    if (out.type !== 'float32' || out.dims.length !== 4 || out.dims[0] !== n) {
      mismatch(
        `${this.encoderModel!.file}: latents must be float32 [${n}, C, h, w], got ${out.type} [${out.dims.join(', ')}]`,
      );
    }
    const [, C, gh, gw] = out.dims;
    const src = out.data as Float32Array;
    const rows = new Float32Array(n * C * gh * gw);
    const plane = gh * gw;
    for (let k = 0; k < n; k++) {
      const o = k * C * plane;
      for (let i = 0; i < plane; i++) for (let ch = 0; ch < C; ch++) rows[o + i * C + ch] = src[o + ch * plane + i];
    }
    return { rows, channels: C, gridH: gh, gridW: gw };
  }

  /** ONNX codes [n, h, w] or [n, h, w, levels] → one grid per image. */
  private codesFromModel(out: ModelTensor, n: number): Grid[] {
    const d = out.dims;
    if ((d.length !== 3 && d.length !== 4) || d[0] !== n) {
      mismatch(`${this.encoderModel!.file}: codes must be [${n}, h, w] or [${n}, h, w, levels], got [${d.join(', ')}]`);
    }
    const levels = d.length === 4 ? d[3] : 1;
    if (this.quantizer && levels !== this.levels) {
      mismatch(`${this.encoderModel!.file}: codes have ${levels} levels but the quantizer has ${this.levels}`);
    }
    return splitBatch(toInt32(out, 'encoder codes'), n).map((indices) => ({
      indices,
      levels,
      gridH: d[1],
      gridW: d[2],
    }));
  }

  private requireQuantizer(): AnyQuantizer {
    if (!this.quantizer)
      throw new MmtokError('MMTOK_MANIFEST', `${this.manifestPath}: this tokenizer needs a quantizer`);
    return this.quantizer;
  }

  /** Internal [h, w, levels] order → the manifest's layout. */
  private layout(g: Grid): { indices: Int32Array; shape: number[] } {
    const { gridH: h, gridW: w, levels: L } = g;
    const order = this.manifest.tokens.layout;
    if (L === 1) return { indices: g.indices, shape: [h, w] };
    if (order[0] === 'h') return { indices: g.indices, shape: [h, w, L] };
    const out = new Int32Array(g.indices.length);
    const n = h * w;
    for (let i = 0; i < n; i++) for (let l = 0; l < L; l++) out[l * n + i] = g.indices[i * L + l];
    return { indices: out, shape: [L, h, w] };
  }

  /** Checks a token set against this tokenizer and returns it as an [h, w, levels] grid. */
  private grid(tokens: TokenSet): Grid {
    checkTokenIdentity(tokens, 'image', this.identity);
    const L = this.levels;
    const s = tokens.shape;
    const levelsFirst = this.manifest.tokens.layout[0] === 'levels';
    let h: number;
    let w: number;
    if (s.length === 2 && L === 1) [h, w] = s;
    else if (s.length === 3 && (levelsFirst ? s[0] : s[2]) === L) [h, w] = levelsFirst ? [s[1], s[2]] : [s[0], s[1]];
    else {
      throw new MmtokError(
        'MMTOK_SHAPE',
        `token shape [${s.join(', ')}] does not fit layout ${JSON.stringify(this.manifest.tokens.layout)} with ${L} level(s)`,
      );
    }
    if (!(tokens.indices instanceof Int32Array) || tokens.indices.length !== h * w * L || !(h > 0 && w > 0)) {
      throw new MmtokError(
        'MMTOK_SHAPE',
        `token shape [${s.join(', ')}] needs ${h * w * L} Int32 indices, got ${tokens.indices?.length}`,
      );
    }
    let indices = tokens.indices;
    if (levelsFirst && L > 1) {
      const n = h * w;
      indices = new Int32Array(n * L);
      for (let l = 0; l < L; l++) for (let i = 0; i < n; i++) indices[i * L + l] = tokens.indices[l * n + i];
    }
    return { indices, levels: L, gridH: h, gridW: w };
  }

  /** Tokens → model-space output [1, 3, H, W] (before denormalization), cropped to the encoded frame size. */
  async decodeToTensor(tokens: TokenSet): Promise<{ data: Float32Array; shape: number[] }> {
    const g = this.grid(tokens);
    const out = await this.decodeGrid(g);
    const src = tokens.source ?? {};
    const fh = Number(src.frameHeight ?? src.height);
    const fw = Number(src.frameWidth ?? src.width);
    const [, , H, W] = out.shape;
    if (!(fh > 0 && fw > 0) || fh > H || fw > W) {
      mismatch(`token source size ${fw}×${fh} does not fit the decoded ${W}×${H}`);
    }
    return cropTensor(out, fh, fw);
  }

  private async decodeGrid(g: Grid): Promise<ImageTensor> {
    const n = g.gridH * g.gridW;
    const shape = g.levels === 1 ? [n] : [n, g.levels];
    if (this.decoderModel) {
      const spec = this.manifest.decoder as { inputName: string; outputName: string; input: 'latents' | 'indices' };
      let input: ModelTensor;
      if (spec.input === 'indices') {
        input = {
          type: 'int64',
          data: BigInt64Array.from(g.indices, (v) => BigInt(v)),
          dims: g.levels === 1 ? [1, g.gridH, g.gridW] : [1, g.gridH, g.gridW, g.levels],
        };
      } else {
        const q = this.requireQuantizer();
        const codes = (await q.decode({ data: g.indices, shape }, { backend: this.backend })).data;
        const C = q.dim;
        const nchw = new Float32Array(C * n);
        for (let i = 0; i < n; i++) for (let ch = 0; ch < C; ch++) nchw[ch * n + i] = codes[i * C + ch];
        input = { type: 'float32', data: nchw, dims: [1, C, g.gridH, g.gridW] };
      }
      const out = await this.decoderModel.run(spec.inputName, input, spec.outputName);
      if (out.type !== 'float32' || out.dims.length !== 4 || out.dims[0] !== 1 || out.dims[1] !== 3) {
        mismatch(
          `${this.decoderModel.file}: output must be float32 [1, 3, H, W], got ${out.type} [${out.dims.join(', ')}]`,
        );
      }
      return { data: out.data as Float32Array, shape: out.dims as [1, number, number, number] };
    }
    const q = this.requireQuantizer();
    const z = (await q.decode({ data: g.indices, shape }, { backend: this.backend })).data;
    const lin = this.linear!;
    return unpatchify({
      data: await lin.inverse(z, { backend: this.backend }),
      gridH: g.gridH,
      gridW: g.gridW,
      patchSize: lin.patchSize,
      channels: 3,
    });
  }

  /** Tokens → image at the original size (for 'shorter-side-crop', the size of the cropped square). */
  async decode(tokens: TokenSet): Promise<RgbImage> {
    const frame = denormalize(await this.decodeToTensor(tokens), this.manifest.preprocessing);
    const g = tokens.source as Partial<Geometry>;
    if (!g.content || !g.sourceRect) return frame;
    return undoResize(frame, g as Geometry);
  }

  async dispose(): Promise<void> {
    await this.encoderModel?.dispose();
    await this.decoderModel?.dispose();
  }
}
