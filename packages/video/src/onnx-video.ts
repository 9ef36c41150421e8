/**
 * ONNX video tokenizers, run through onnxruntime-node with Cosmos-style causal grouping:
 *   encoder  float32 [1, C, T_in, H, W] (normalized frames; T_in = 1 for the first frame, T after)
 *            → latents float32 [1, D, t, h, w] (mmtok quantizes; rows = positions)
 *              or codes int64/int32 [1, t, h, w] / [1, t, h, w, levels]
 *   decoder  latents [1, D, t, h, w] (the quantizer's decoded codes) or indices [1, t, h, w(, levels)]
 *            → float32 [1, C, t·T, H', W'] (H' ≥ H, W' ≥ W)
 * The first frame is encoded alone, then groups of T frames (the last one padded by repeating its
 * last frame); frames are padded spatially to the size multiple. Decoding runs one latent step at a
 * time, keeps only the last frame the decoder makes for the first step (a decoder may make 1 or T
 * there), and trims the padding in time and space. Tokens are laid out [t, h, w, levels].
 * docs/video.md, "ONNX video tokenizers", describes the contract.
 */
import { resolve } from 'node:path';
import { type AnyQuantizer, createQuantizer, MmtokError } from '@mmtok/core';
import {
  createOnnxSession,
  type OnnxFeed as Feed,
  loadQuantizer,
  OnnxRoleModel,
  type OnnxTensorExpectation,
} from '@mmtok/core/node';
import { denormalize, type Normalization, normalize } from '@mmtok/image';
import type * as Ort from 'onnxruntime-common';
import type { GridCodes, VideoGroupCodec } from './codec.js';
import type { VideoTokenizerManifest } from './manifest.js';
import type { VideoSource } from './types.js';

export interface OnnxVideoEncoderOptions {
  /** Path of the .onnx file (the manifest loader resolves it against the manifest). */
  file: string;
  inputName: string;
  outputName: string;
  /** 'latents': float [1, D, t, h, w] for mmtok's quantizer; 'codes': integer [1, t, h, w(, levels)]. */
  output: 'latents' | 'codes';
}

export interface OnnxVideoDecoderOptions {
  file: string;
  inputName: string;
  outputName: string;
  /** 'latents': the quantizer's decoded codes [1, D, t, h, w]; 'indices' (or 'codes'): int64 [1, t, h, w(, levels)]. */
  input: 'latents' | 'indices' | 'codes';
}

export interface OnnxVideoOptions {
  encoder?: OnnxVideoEncoderOptions;
  decoder?: OnnxVideoDecoderOptions;
  /** Needed when the encoder outputs or the decoder takes latents; its levels are the token levels. */
  quantizer?: AnyQuantizer;
  /** T: frames per latent step after the first frame (the model's temporal compression). */
  temporalCompression: number;
  /** Frames are padded on the bottom/right to multiples of this (the model's spatial stride). */
  sizeMultiple: number;
  /** 'edge' (default: repeat the last row/column) or 'zero'. */
  pad?: 'edge' | 'zero';
  /**
   * true (default, Cosmos / MAGVIT-v2): the first frame alone, then groups of T. false: groups of T
   * from the start.
   */
  causal?: boolean;
  /** Channels of the model's frames. Default 3 (RGB). */
  channels?: number;
  /** onnxruntime execution providers in order of preference. Default ['cpu']. */
  executionProviders?: string[];
  /** Core backend for the quantizer ('js', 'ort', 'webgpu'). */
  backend?: string;
}

/** Model space: normalized frames, float32 [1, C, frames, H, W], row-major. */
export interface VideoTensor {
  data: Float32Array;
  shape: number[];
}

/** Token indices, row-major [t, h, w, levels]. */
export interface VideoTokenGrid {
  indices: Int32Array;
  shape: number[];
}

/** What decoding needs to undo the padding: frames encoded and their size. */
export interface VideoGeometry {
  frames: number;
  width: number;
  height: number;
}

export interface EncodedVideo extends VideoTokenGrid, VideoGeometry {}

interface TensorExpectation extends OnnxTensorExpectation {
  /** Expected size of dim 1 when the model fixes it (channels of a frame tensor). */
  dim1?: number;
}

/** One ONNX session that can say what it expects whenever something does not fit. */
class VideoModel extends OnnxRoleModel {
  static async load(file: string, role: 'encoder' | 'decoder', eps: readonly string[]): Promise<VideoModel> {
    const { session, runtime } = await createOnnxSession(file, eps, role, { role });
    return new VideoModel(file, role, session, runtime);
  }

  /** Rank of an input as the model declares it (undefined when onnxruntime does not know). */
  inputRank(name: string): number | undefined {
    return this.inputShape(name)?.length;
  }

  /** An input's declared dims (numbers, or names for symbolic ones); undefined when unknown. */
  inputShape(name: string): readonly (number | string)[] | undefined {
    const m = this.session.inputMetadata.find((v) => v.name === name);
    return m?.isTensor && m.shape.length > 0 ? m.shape : undefined;
  }

  /** The manifest's tensors exist with the right dtype and rank; no model input is left unfed. */
  check(inputs: TensorExpectation[], outputs: TensorExpectation[]): void {
    this.checkTensors(inputs, outputs, (what, s, m) => {
      if (s.dim1 !== undefined && typeof m.shape[1] === 'number' && m.shape[1] !== s.dim1) {
        this.fail(`${what} '${s.name}' has ${m.shape[1]} channel(s) but the manifest says ${s.dim1}`);
      }
    });
  }

  /** Runs the model; a failure names the fed input's name, dtype and dims. */
  async run(name: string, feed: Feed, output: string): Promise<Ort.Tensor> {
    const result = await this.runFeeds({ [name]: feed }, [output], {
      input: name,
      dtype: feed.type,
      dims: feed.dims,
    });
    return result[output];
  }
}

function positiveInt(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new MmtokError('MMTOK_CONFIG', `${what} must be a positive integer, got ${String(v)}`, { [what]: v });
  }
  return v;
}

function toInt32(t: Ort.Tensor, what: string): Int32Array {
  if (t.type === 'int32') return t.data as Int32Array;
  const src = t.data as BigInt64Array;
  const out = new Int32Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const v = src[i];
    if (v < -2147483648n || v > 2147483647n) {
      throw new MmtokError('MMTOK_MODEL', `${what}: code ${v} does not fit in int32`, { index: i });
    }
    out[i] = Number(v);
  }
  return out;
}

/** Frame counts of the groups: (causal) 1, then T each; the last one possibly short. */
export function groupSizes(frames: number, T: number, causal = true): number[] {
  const sizes = frames > 0 && causal ? [1] : [];
  for (let left = frames - (causal ? 1 : 0); left > 0; left -= T) sizes.push(Math.min(T, left));
  return sizes;
}

/** Latent time steps for `frames` frames: 1 + ceil((frames − 1) / T) causal, ceil(frames / T) not. */
export function latentSteps(frames: number, T: number, causal = true): number {
  if (frames <= 0) return 0;
  return causal ? 1 + Math.ceil((frames - 1) / T) : Math.ceil(frames / T);
}

/**
 * Frames [start, start + count) of x [1, C, N, H, W] as [1, C, length, Hp, Wp]: frames past `count`
 * repeat the last one; rows/columns past H/W repeat the edge, or are zero.
 */
function takeGroup(
  x: VideoTensor,
  start: number,
  count: number,
  length: number,
  Hp: number,
  Wp: number,
  pad: 'edge' | 'zero',
): Float32Array {
  const [, C, N, H, W] = x.shape;
  const out = new Float32Array(C * length * Hp * Wp);
  for (let c = 0; c < C; c++) {
    for (let f = 0; f < length; f++) {
      const sf = start + Math.min(f, count - 1);
      const src = (c * N + sf) * H * W;
      const dst = (c * length + f) * Hp * Wp;
      for (let y = 0; y < Hp; y++) {
        if (y >= H && pad === 'zero') continue;
        const row = src + Math.min(y, H - 1) * W;
        const o = dst + y * Wp;
        out.set(x.data.subarray(row, row + W), o);
        if (pad === 'edge') out.fill(x.data[row + W - 1], o + W, o + Wp);
      }
    }
  }
  return out;
}

/**
 * An ONNX video tokenizer: normalized frames → [t, h, w, levels] tokens → frames. The manifest
 * loader builds it (encoder/decoder kind 'onnx'); it can also be used on its own.
 */
export class OnnxVideoModel {
  private constructor(
    private readonly options: OnnxVideoOptions,
    private readonly encoderModel: VideoModel | undefined,
    private readonly decoderModel: VideoModel | undefined,
  ) {}

  static async load(options: OnnxVideoOptions): Promise<OnnxVideoModel> {
    const { encoder, decoder, quantizer } = options;
    positiveInt(options.temporalCompression, 'temporalCompression');
    positiveInt(options.sizeMultiple, 'sizeMultiple');
    const channels = positiveInt(options.channels ?? 3, 'channels');
    if (options.pad !== undefined && options.pad !== 'edge' && options.pad !== 'zero') {
      throw new MmtokError('MMTOK_CONFIG', `pad must be 'edge' or 'zero', got ${String(options.pad)}`);
    }
    if (!encoder && !decoder)
      throw new MmtokError('MMTOK_CONFIG', 'an ONNX video tokenizer needs an encoder or a decoder');
    if (encoder && encoder.output !== 'latents' && encoder.output !== 'codes') {
      throw new MmtokError(
        'MMTOK_CONFIG',
        `encoder.output must be 'latents' or 'codes', got ${String(encoder.output)}`,
      );
    }
    if (decoder && !['latents', 'indices', 'codes'].includes(decoder.input)) {
      throw new MmtokError(
        'MMTOK_CONFIG',
        `decoder.input must be 'latents' or 'indices', got ${String(decoder.input)}`,
      );
    }
    if ((encoder?.output === 'latents' || decoder?.input === 'latents') && !quantizer) {
      throw new MmtokError(
        'MMTOK_CONFIG',
        'an ONNX encoder that outputs latents, or a decoder that takes them, needs a quantizer',
      );
    }
    const eps = options.executionProviders ?? ['cpu'];
    const ints = ['int64', 'int32'];
    let enc: VideoModel | undefined;
    let dec: VideoModel | undefined;
    try {
      if (encoder) {
        enc = await VideoModel.load(encoder.file, 'encoder', eps);
        enc.check(
          [{ name: encoder.inputName, dtypes: ['float32'], ranks: [5], dim1: channels }],
          [
            encoder.output === 'latents'
              ? { name: encoder.outputName, dtypes: ['float32'], ranks: [5], dim1: quantizer?.dim }
              : { name: encoder.outputName, dtypes: ints, ranks: [4, 5] },
          ],
        );
      }
      if (decoder) {
        dec = await VideoModel.load(decoder.file, 'decoder', eps);
        dec.check(
          [
            decoder.input === 'latents'
              ? { name: decoder.inputName, dtypes: ['float32'], ranks: [5], dim1: quantizer?.dim }
              : { name: decoder.inputName, dtypes: ints, ranks: [4, 5] },
          ],
          [{ name: decoder.outputName, dtypes: ['float32'], ranks: [5], dim1: channels }],
        );
      }
    } catch (e) {
      await enc?.dispose();
      await dec?.dispose();
      throw e;
    }
    return new OnnxVideoModel({ ...options, channels, pad: options.pad ?? 'edge', executionProviders: eps }, enc, dec);
  }

  get temporalCompression(): number {
    return this.options.temporalCompression;
  }

  get sizeMultiple(): number {
    return this.options.sizeMultiple;
  }

  get channels(): number {
    return this.options.channels ?? 3;
  }

  get causal(): boolean {
    return this.options.causal ?? true;
  }

  get quantizer(): AnyQuantizer | undefined {
    return this.options.quantizer;
  }

  get hasEncoder(): boolean {
    return this.encoderModel !== undefined;
  }

  get hasDecoder(): boolean {
    return this.decoderModel !== undefined;
  }

  /**
   * Token levels: the quantizer's; else what the decoder's indices input fixes; else a one-frame
   * probe of the encoder (codes models without a quantizer in the manifest).
   */
  async tokenLevels(): Promise<number> {
    if (this.options.quantizer) return this.options.quantizer.numQuantizers;
    const spec = this.options.decoder;
    const shape = spec && this.decoderModel?.inputShape(spec.inputName);
    if (shape?.length === 4) return 1;
    if (shape?.length === 5 && typeof shape[4] === 'number') return shape[4];
    if (!this.encoderModel) return 1;
    const m = this.sizeMultiple;
    const length = this.causal ? 1 : this.temporalCompression;
    const probe = await this.runEncoder(new Float32Array(this.channels * length * m * m), [
      1,
      this.channels,
      length,
      m,
      m,
    ]);
    return probe.shape[3];
  }

  /** An MMTOK_MODEL error about the encoder, with its signature. */
  encoderFail(message: string): never {
    if (!this.encoderModel) throw new MmtokError('MMTOK_MODEL', message);
    return this.encoderModel.fail(message);
  }

  /** Keeps the top-left height × width of decoder frames (drops the spatial padding). */
  crop(x: VideoTensor, height: number, width: number): VideoTensor {
    return cropVideo(x, height, width, this.decoderModel!);
  }

  /** Frame counts of the groups the encoder sees for `frames` frames (before padding). */
  groupSizes(frames: number): number[] {
    return groupSizes(frames, this.temporalCompression, this.causal);
  }

  /** Latent time steps (token t) for `frames` frames. */
  latentSteps(frames: number): number {
    return latentSteps(frames, this.temporalCompression, this.causal);
  }

  private paddedSize(height: number, width: number): [number, number] {
    const m = this.sizeMultiple;
    return [Math.ceil(height / m) * m, Math.ceil(width / m) * m];
  }

  private checkTensor(x: VideoTensor, what: string): [number, number, number] {
    const s = x.shape;
    const C = this.channels;
    if (!(x.data instanceof Float32Array) || s.length !== 5 || s[0] !== 1 || s[1] !== C) {
      throw new MmtokError('MMTOK_SHAPE', `${what} expects float32 [1, ${C}, frames, H, W], got [${s.join(', ')}]`);
    }
    const [, , N, H, W] = s;
    if (!(N > 0)) throw new MmtokError('MMTOK_EMPTY', `${what}: the video has no frames`);
    if (!(H > 0 && W > 0) || x.data.length !== C * N * H * W) {
      throw new MmtokError(
        'MMTOK_SHAPE',
        `${what}: data has ${x.data.length} values, expected ${C}·${N}·${H}·${W} = ${C * N * H * W}`,
      );
    }
    return [N, H, W];
  }

  /**
   * One group → tokens [1, h, w, levels]. `frames` is [1, C, n, H, W] with n = 1 for the causal
   * first group and 1 ≤ n ≤ T otherwise (a short last group is padded by repeating its last frame).
   */
  async encodeGroup(frames: VideoTensor, first: boolean): Promise<VideoTokenGrid> {
    const [n, H, W] = this.checkTensor(frames, 'encodeGroup');
    const T = this.temporalCompression;
    const length = first && this.causal ? 1 : T;
    if (n > length) {
      throw new MmtokError(
        'MMTOK_SHAPE',
        `a causal group has ${first ? '1 frame (the first one)' : `at most ${T} frames`}, got ${n}`,
      );
    }
    const [Hp, Wp] = this.paddedSize(H, W);
    const data =
      n === length && Hp === H && Wp === W
        ? frames.data
        : takeGroup(frames, 0, n, length, Hp, Wp, this.options.pad ?? 'edge');
    return this.runEncoder(data, [1, this.channels, length, Hp, Wp]);
  }

  private async runEncoder(data: Float32Array, dims: number[]): Promise<VideoTokenGrid> {
    const spec = this.options.encoder;
    const model = this.encoderModel;
    if (!spec || !model)
      throw new MmtokError('MMTOK_CONFIG', 'this video tokenizer has no encoder: it can only decode');
    const out = await model.run(spec.inputName, { type: 'float32', data, dims }, spec.outputName);
    const d = [...out.dims];
    if (spec.output === 'codes') {
      if ((out.type !== 'int64' && out.type !== 'int32') || (d.length !== 4 && d.length !== 5) || d[0] !== 1) {
        model.fail(
          `output '${spec.outputName}' must be codes [1, t, h, w] or [1, t, h, w, levels], got ${out.type} [${d.join(', ')}]`,
        );
      }
      // [1, t, h, w(, L)] is already [t, h, w, levels] in memory.
      return {
        indices: toInt32(out, `${model.file}: output '${spec.outputName}'`),
        shape: [d[1], d[2], d[3], d[4] ?? 1],
      };
    }
    const q = this.options.quantizer!;
    if (out.type !== 'float32' || d.length !== 5 || d[0] !== 1) {
      model.fail(
        `output '${spec.outputName}' must be latents float32 [1, D, t, h, w], got ${out.type} [${d.join(', ')}]`,
      );
    }
    const [, D, t, h, w] = d;
    if (D !== q.dim) {
      model.fail(`output '${spec.outputName}' has ${D}-dim latents but the quantizer takes dim ${q.dim}`, { dims: d });
    }
    // [D, t·h·w] channel planes → rows [t·h·w, D]: one row per token position.
    const src = out.data as Float32Array;
    const P = t * h * w;
    const rows = new Float32Array(P * D);
    for (let c = 0; c < D; c++) for (let p = 0; p < P; p++) rows[p * D + c] = src[c * P + p];
    const idx = await q.encode({ data: rows, shape: [P, D] }, { backend: this.options.backend });
    return { indices: idx.data, shape: [t, h, w, q.numQuantizers] };
  }

  /** Model space [1, C, N, H, W] → tokens [t, h, w, levels], group by group. */
  async encodeTensor(x: VideoTensor): Promise<EncodedVideo> {
    const [N, H, W] = this.checkTensor(x, 'encodeTensor');
    const [Hp, Wp] = this.paddedSize(H, W);
    const T = this.temporalCompression;
    const steps: VideoTokenGrid[] = [];
    let start = 0;
    for (const n of this.groupSizes(N)) {
      const length = start === 0 && this.causal ? 1 : T;
      const data = takeGroup(x, start, n, length, Hp, Wp, this.options.pad ?? 'edge');
      steps.push(await this.runEncoder(data, [1, this.channels, length, Hp, Wp]));
      start += n;
    }
    return { ...concatSteps(steps), frames: N, width: W, height: H };
  }

  /**
   * Tokens of one or more latent steps [t, h, w, levels] → frames [1, C, n, H', W'] as the decoder
   * makes them, latent step by latent step: for the causal first step (`first`) only its last
   * frame is kept, for every other step T frames. No spatial crop.
   */
  async decodeSteps(tokens: VideoTokenGrid, first: boolean): Promise<VideoTensor> {
    const [t, h, w, L] = checkGrid(tokens);
    const T = this.temporalCompression;
    const per = h * w * L;
    const outs: VideoTensor[] = [];
    for (let s = 0; s < t; s++) {
      const one = { indices: tokens.indices.subarray(s * per, (s + 1) * per), shape: [1, h, w, L] };
      const y = await this.runDecoder(one);
      const n = y.shape[2];
      if (first && s === 0 && this.causal) outs.push(sliceFrames(y, n - 1, 1));
      else if (n !== T) {
        this.decoderModel!.fail(`a latent step must decode to ${T} frames (the temporal compression), got ${n}`, {
          dims: y.shape,
        });
      } else outs.push(y);
    }
    return concatFrames(outs);
  }

  private async runDecoder(tokens: VideoTokenGrid): Promise<VideoTensor> {
    const spec = this.options.decoder;
    const model = this.decoderModel;
    if (!spec || !model)
      throw new MmtokError('MMTOK_CONFIG', 'this video tokenizer has no decoder: it can only encode');
    const [t, h, w, L] = tokens.shape;
    let feed: Feed;
    if (spec.input === 'latents') {
      const q = this.options.quantizer!;
      if (L > q.numQuantizers) {
        throw new MmtokError('MMTOK_SHAPE', `the tokens have ${L} levels, the quantizer ${q.numQuantizers}`);
      }
      const P = t * h * w;
      const shape = L === 1 && q.numQuantizers === 1 ? [P] : [P, L];
      const codes = (await q.decode({ data: tokens.indices, shape }, { backend: this.options.backend })).data;
      const D = q.dim;
      const latents = new Float32Array(D * P);
      for (let p = 0; p < P; p++) for (let c = 0; c < D; c++) latents[c * P + p] = codes[p * D + c];
      feed = { type: 'float32', data: latents, dims: [1, D, t, h, w] };
    } else {
      const rank = model.inputRank(spec.inputName);
      if (rank === 4 && L !== 1) {
        model.fail(`input '${spec.inputName}' takes one level [1, t, h, w], the tokens have ${L}`);
      }
      feed = {
        type: 'int64',
        data: BigInt64Array.from(tokens.indices, (v) => BigInt(v)),
        dims: rank === 4 ? [1, t, h, w] : [1, t, h, w, L],
      };
    }
    const out = await model.run(spec.inputName, feed, spec.outputName);
    const d = [...out.dims];
    if (out.type !== 'float32' || d.length !== 5 || d[0] !== 1 || d[1] !== this.channels) {
      model.fail(
        `output '${spec.outputName}' must be float32 [1, ${this.channels}, frames, H, W], got ${out.type} [${d.join(', ')}]`,
      );
    }
    return { data: out.data as Float32Array, shape: d };
  }

  /** Tokens [t, h, w, levels] → model space [1, C, frames, height, width], padding trimmed. */
  async decodeToTensor(tokens: VideoTokenGrid, geometry: Partial<VideoGeometry> = {}): Promise<VideoTensor> {
    const [t] = checkGrid(tokens);
    const T = this.temporalCompression;
    const made = this.causal ? 1 + (t - 1) * T : t * T;
    const frames = geometry.frames ?? made;
    if (!Number.isInteger(frames) || this.latentSteps(frames) !== t) {
      throw new MmtokError(
        'MMTOK_MISMATCH',
        `${t} latent step(s) decode to at most ${made} frames (T = ${T}) and need more than ${made - T}, not ${frames}`,
        { steps: t, frames, temporalCompression: T },
      );
    }
    const y = await this.decodeSteps(tokens, true);
    return cropVideo(sliceFrames(y, 0, frames), geometry.height, geometry.width, this.decoderModel!);
  }

  async dispose(): Promise<void> {
    await this.encoderModel?.dispose();
    await this.decoderModel?.dispose();
  }
}

function checkGrid(tokens: VideoTokenGrid): [number, number, number, number] {
  const s = tokens.shape;
  if (!(tokens.indices instanceof Int32Array))
    throw new MmtokError('MMTOK_SHAPE', 'token indices must be an Int32Array');
  if (
    s.length !== 4 ||
    !s.every((v) => Number.isInteger(v) && v > 0) ||
    s[0] * s[1] * s[2] * s[3] !== tokens.indices.length
  ) {
    throw new MmtokError(
      'MMTOK_SHAPE',
      `video tokens must be [t, h, w, levels] with t·h·w·levels indices, got [${s.join(', ')}] and ${tokens.indices.length}`,
    );
  }
  return [s[0], s[1], s[2], s[3]];
}

/** Latent steps in time order → one [t, h, w, levels] grid (t is outermost, so they just append). */
function concatSteps(steps: VideoTokenGrid[]): VideoTokenGrid {
  const [, h, w, L] = steps[0].shape;
  let t = 0;
  for (const s of steps) {
    if (s.shape[1] !== h || s.shape[2] !== w || s.shape[3] !== L) {
      throw new MmtokError(
        'MMTOK_MODEL',
        `the encoder gave [${s.shape.join(', ')}] for one group and [${steps[0].shape.join(', ')}] for the first`,
      );
    }
    t += s.shape[0];
  }
  const indices = new Int32Array(t * h * w * L);
  let at = 0;
  for (const s of steps) {
    indices.set(s.indices, at);
    at += s.indices.length;
  }
  return { indices, shape: [t, h, w, L] };
}

/** Frames [start, start + count) of [1, C, N, H, W]. */
function sliceFrames(x: VideoTensor, start: number, count: number): VideoTensor {
  const [, C, N, H, W] = x.shape;
  if (start === 0 && count === N) return x;
  const plane = H * W;
  const out = new Float32Array(C * count * plane);
  for (let c = 0; c < C; c++) {
    const from = (c * N + start) * plane;
    out.set(x.data.subarray(from, from + count * plane), c * count * plane);
  }
  return { data: out, shape: [1, C, count, H, W] };
}

function concatFrames(parts: VideoTensor[]): VideoTensor {
  if (parts.length === 1) return parts[0];
  const [, C, , H, W] = parts[0].shape;
  const N = parts.reduce((s, p) => s + p.shape[2], 0);
  const plane = H * W;
  const out = new Float32Array(C * N * plane);
  for (let c = 0; c < C; c++) {
    let f = 0;
    for (const p of parts) {
      const n = p.shape[2];
      if (p.shape[3] !== H || p.shape[4] !== W) {
        throw new MmtokError(
          'MMTOK_MODEL',
          `the decoder made ${p.shape[3]}×${p.shape[4]} frames for one step and ${H}×${W} for another`,
        );
      }
      out.set(p.data.subarray(c * n * plane, (c + 1) * n * plane), (c * N + f) * plane);
      f += n;
    }
  }
  return { data: out, shape: [1, C, N, H, W] };
}

/** Crops the spatial padding: keeps the top-left height × width. */
function cropVideo(
  x: VideoTensor,
  height: number | undefined,
  width: number | undefined,
  model: VideoModel,
): VideoTensor {
  const [, C, N, H, W] = x.shape;
  const h = height ?? H;
  const w = width ?? W;
  if (h > H || w > W) {
    model.fail(`the decoder made ${W}×${H} frames, smaller than the ${w}×${h} encoded`, { dims: x.shape });
  }
  if (h === H && w === W) return x;
  const out = new Float32Array(C * N * h * w);
  for (let cf = 0; cf < C * N; cf++) {
    for (let y = 0; y < h; y++) {
      const src = (cf * H + y) * W;
      out.set(x.data.subarray(src, src + w), (cf * h + y) * w);
    }
  }
  return { data: out, shape: [1, C, N, h, w] };
}

/** RGB HWC frames → normalized [1, 3, n, H, W]. */
export function framesToTensor(frames: Uint8Array[], width: number, height: number, norm: Normalization): VideoTensor {
  const plane = width * height;
  const n = frames.length;
  const out = new Float32Array(3 * n * plane);
  frames.forEach((data, f) => {
    const chw = normalize({ data, width, height, channels: 3 }, norm).data;
    for (let c = 0; c < 3; c++) out.set(chw.subarray(c * plane, (c + 1) * plane), (c * n + f) * plane);
  });
  return { data: out, shape: [1, 3, n, height, width] };
}

/** [1, 3, n, H, W] model space → RGB HWC frames, rounded and clamped. */
export function tensorToFrames(x: VideoTensor, norm: Normalization): Uint8Array[] {
  const [, C, n, H, W] = x.shape;
  if (C !== 3) throw new MmtokError('MMTOK_SHAPE', `RGB frames need 3 channels, the decoder made ${C}`);
  const plane = H * W;
  const frames: Uint8Array[] = [];
  for (let f = 0; f < n; f++) {
    const chw = new Float32Array(3 * plane);
    for (let c = 0; c < 3; c++) chw.set(x.data.subarray((c * n + f) * plane, (c * n + f + 1) * plane), c * plane);
    frames.push(denormalize({ data: chw, shape: [1, 3, H, W] }, norm).data);
  }
  return frames;
}

// --- manifest -------------------------------------------------------------------------------------

export interface OnnxVideoLoadOptions {
  /** The manifest's quantizer, loaded (required when latents cross the model boundary). */
  quantizer?: AnyQuantizer;
  executionProviders?: string[];
  backend?: string;
}

/**
 * The ONNX keys of a video manifest (manifest.ts checks `kind` and `file` and leaves the rest to
 * this module), as OnnxVideoOptions with the files resolved against `dir`. Errors are
 * MMTOK_MANIFEST naming the bad key.
 *   encoder: { kind: 'onnx', file, inputName, outputName, output: 'latents' | 'codes',
 *              temporalCompression, sizeMultiple, pad?: 'edge' | 'zero' }
 *   decoder: { kind: 'onnx', file, inputName, outputName, input: 'latents' | 'indices' }
 */
export function onnxVideoOptionsFromManifest(
  m: VideoTokenizerManifest,
  dir: string,
  path = 'manifest',
): Omit<OnnxVideoOptions, keyof OnnxVideoLoadOptions> {
  const fail = (key: string, message: string): never => {
    throw new MmtokError('MMTOK_MANIFEST', `${path}: ${key}: ${message}`, { path, key });
  };
  const object = (v: unknown, where: string, required: string[], optional: string[]) => {
    if (!v || typeof v !== 'object' || Array.isArray(v)) fail(where, 'must be an object');
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      if (!required.includes(k) && !optional.includes(k)) {
        fail(`${where}.${k}`, `unknown key (allowed: ${[...required, ...optional].join(', ')})`);
      }
    }
    for (const k of required) if (o[k] === undefined) fail(`${where}.${k}`, 'is required');
    for (const k of ['file', 'inputName', 'outputName']) {
      if (k in o && (typeof o[k] !== 'string' || o[k] === '')) fail(`${where}.${k}`, 'must be a non-empty string');
    }
    return o;
  };
  const names = ['kind', 'file', 'inputName', 'outputName'];
  const e = object(m.encoder, 'manifest.encoder', [...names, 'output', 'temporalCompression', 'sizeMultiple'], ['pad']);
  if (e.kind !== 'onnx') fail('manifest.encoder.kind', "must be 'onnx'");
  if (e.output !== 'latents' && e.output !== 'codes') fail('manifest.encoder.output', "must be 'latents' or 'codes'");
  for (const k of ['temporalCompression', 'sizeMultiple']) {
    const v = e[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 256) {
      fail(`manifest.encoder.${k}`, `must be an integer in [1, 256], got ${JSON.stringify(v)}`);
    }
  }
  if (e.pad !== undefined && e.pad !== 'edge' && e.pad !== 'zero')
    fail('manifest.encoder.pad', "must be 'edge' or 'zero'");
  const d = object(m.decoder, 'manifest.decoder', [...names, 'input'], []);
  if (d.kind !== 'onnx') fail('manifest.decoder.kind', "must be 'onnx' with an ONNX encoder");
  if (d.input !== 'latents' && d.input !== 'indices') fail('manifest.decoder.input', "must be 'latents' or 'indices'");
  if ((e.output === 'latents' || d.input === 'latents') && !m.quantizer) {
    fail('manifest.quantizer', 'is required when the ONNX encoder outputs latents or the decoder takes them');
  }
  return {
    encoder: {
      file: resolve(dir, e.file as string),
      inputName: e.inputName as string,
      outputName: e.outputName as string,
      output: e.output as 'latents' | 'codes',
    },
    decoder: {
      file: resolve(dir, d.file as string),
      inputName: d.inputName as string,
      outputName: d.outputName as string,
      input: d.input as 'latents' | 'indices',
    },
    temporalCompression: e.temporalCompression as number,
    sizeMultiple: e.sizeMultiple as number,
    pad: (e.pad as 'edge' | 'zero' | undefined) ?? 'edge',
    causal: m.tokens.causal,
  };
}

/** The ONNX model a validated manifest describes (its quantizer already loaded by the caller). */
export async function loadOnnxVideoModel(
  m: VideoTokenizerManifest,
  dir: string,
  path: string,
  options: OnnxVideoLoadOptions = {},
): Promise<OnnxVideoModel> {
  return OnnxVideoModel.load({ ...onnxVideoOptionsFromManifest(m, dir, path), ...options });
}

// --- VideoGroupCodec (what VideoTokenizer streams through) ----------------------------------------

/**
 * The ONNX model as one of VideoTokenizer's codecs: RGB frames in, a step at a time, normalized
 * with the manifest's mean/std.
 */
export class OnnxVideoCodec implements VideoGroupCodec {
  private constructor(
    readonly model: OnnxVideoModel,
    private readonly norm: Normalization,
    readonly levels: number,
  ) {}

  static async create(model: OnnxVideoModel, norm: Normalization): Promise<OnnxVideoCodec> {
    return new OnnxVideoCodec(model, norm, await model.tokenLevels());
  }

  get temporalPatch(): number {
    return this.model.temporalCompression;
  }

  get causal(): boolean {
    return this.model.causal;
  }

  get quantizer(): AnyQuantizer | undefined {
    return this.model.quantizer;
  }

  async encodeGroup(frames: Uint8Array[], width: number, height: number, first: boolean): Promise<GridCodes> {
    for (const f of frames) {
      if (f.length !== width * height * 3) {
        throw new MmtokError(
          'MMTOK_SHAPE',
          `a ${width}×${height} RGB frame has ${width * height * 3} bytes, got ${f.length}`,
        );
      }
    }
    const grid = await this.model.encodeGroup(framesToTensor(frames, width, height, this.norm), first);
    const [t, gridH, gridW, levels] = grid.shape;
    if (t !== 1) this.model.encoderFail(`one group must encode to one latent step, got ${t}`);
    return { indices: grid.indices, gridH, gridW, levels };
  }

  async decodeGroup(codes: GridCodes, source: VideoSource, first: boolean): Promise<Uint8Array[]> {
    const grid = { indices: codes.indices, shape: [1, codes.gridH, codes.gridW, codes.levels] };
    const y = await this.model.decodeSteps(grid, first);
    return tensorToFrames(this.model.crop(y, source.height, source.width), this.norm);
  }

  async dispose(): Promise<void> {
    await this.model.dispose();
  }
}

/** VideoTokenizer's entry for manifests with encoder/decoder kind 'onnx'. */
export async function loadOnnxVideoCodec(
  m: VideoTokenizerManifest,
  dir: string,
  options: { backend?: string; executionProviders?: string[]; manifestPath?: string } = {},
): Promise<OnnxVideoCodec> {
  const path = options.manifestPath ?? 'manifest';
  const { config, file } = m.quantizer ?? {};
  let quantizer: AnyQuantizer | undefined;
  if (file) quantizer = await loadQuantizer(resolve(dir, file), { backend: options.backend, expectType: config?.type });
  else if (config) quantizer = await createQuantizer(config, { backend: options.backend });
  const model = await loadOnnxVideoModel(m, dir, path, {
    quantizer,
    executionProviders: options.executionProviders,
    backend: options.backend,
  });
  try {
    return await OnnxVideoCodec.create(model, m.preprocessing);
  } catch (e) {
    await model.dispose();
    throw e;
  }
}
