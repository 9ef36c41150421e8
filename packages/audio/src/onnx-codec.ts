/**
 * ONNX audio codecs in the convention of the public Mimi / DAC / SNAC exports:
 *   encoder  input_values float32 [B, channels, samples] → audio_codes int64 [B, Q, T]
 *            (or latents float32 [B, D, T] that an mmtok quantizer turns into codes;
 *             or, SNAC-style, several code tensors [B, T_s] / [B, Q_s, T_s], one per scale)
 *   decoder  audio_codes (or quantized latents) → audio_values float32 [B, channels, samples]
 * mmtok runs them with B = 1 through onnxruntime-node, pads the input to whole frames and trims
 * the output back to the input length. docs/audio.md, "ONNX codecs", describes the layout.
 */
import { type AnyQuantizer, MmtokError } from '@mmtok/core';
import { createOnnxSession, type OnnxFeed as Feed, OnnxRoleModel, type OnnxTensorExpectation } from '@mmtok/core/node';
import type * as Ort from 'onnxruntime-common';
import type { AudioCodec, Codes } from './codec.js';

export interface OnnxCodecEncoderSpec {
  /** Path of the .onnx file (the loader resolves it against the manifest). */
  file: string;
  inputName: string;
  /** One output, or one per scale for multi-scale (SNAC-style) codecs, coarsest first. */
  outputName: string | string[];
  /** 'codes': integer [B, Q, T] (or [B, T]); 'latents': float [B, D, T] for mmtok's quantizer. */
  output: 'codes' | 'latents';
}

export interface OnnxCodecDecoderSpec {
  file: string;
  /** One input, or one per scale, in the encoder's output order. */
  inputName: string | string[];
  outputName: string;
  /** 'codes': int64 [B, Q, T] (or [B, T]); 'latents': the quantizer's decoded codes, float [B, D, T]. */
  input: 'codes' | 'latents';
}

export interface OnnxAudioCodecOptions {
  encoder?: OnnxCodecEncoderSpec;
  decoder?: OnnxCodecDecoderSpec;
  /** Needed when the encoder outputs or the decoder takes latents; its levels are the token levels. */
  quantizer?: AnyQuantizer;
  sampleRate: number;
  channels: number;
  /** Samples per frame of the coarsest scale: the input is zero-padded on the right to a multiple. */
  hopLength: number;
  /** onnxruntime execution providers in order of preference. Default ['cpu']. */
  executionProviders?: string[];
  /** Core backend for the quantizer ('js', 'ort', 'webgpu'). */
  backend?: string;
  /** Codes per level of a codes-mode codec, when known (token files record it). */
  codebookSize?: number;
  /** Levels of a decoder-only codes-mode codec (with an encoder they are probed). */
  levels?: number;
}

/** One scale of a multi-scale code set: a [levels, frames] block. */
export interface CodecScale {
  levels: number;
  frames: number;
  frameRate: number;
}

export interface CodecTokens {
  /**
   * Single scale: [levels, frames] row-major (levels-major, as audio_codes without B).
   * Multi-scale: the scales' [levels, frames] blocks, flattened and concatenated, coarsest first.
   */
  indices: Int32Array;
  /** [levels, frames] for one scale; [1, total] for several (the blocks are described by `scales`). */
  shape: number[];
  /** Present for multi-scale codecs only. */
  scales?: CodecScale[];
  /** Frames per second of the (single) scale; of the finest one for multi-scale. */
  frameRate: number;
  /** Input samples per channel before padding, and after. */
  samples: number;
  paddedSamples: number;
}

export interface CodecEncodeOptions {
  /** Keep only the first n levels (of each scale): lower bitrate. Default: all. */
  levels?: number;
}

export interface CodecDecodeInput {
  indices: Int32Array;
  shape: number[];
  scales?: readonly CodecScale[];
}

export interface CodecDecodeOptions {
  /** Samples per channel to return (the encoded input's length); default: all the decoder made. */
  samples?: number;
  /** Decode with only the first n levels (of each scale). Default: all the tokens have. */
  levels?: number;
}

/** Planar [channels, length] float32 PCM. */
export interface CodecAudio {
  data: Float32Array;
  channels: number;
  length: number;
}

interface Block {
  indices: Int32Array;
  levels: number;
  frames: number;
}

function asArray(v: string | string[]): string[] {
  return typeof v === 'string' ? [v] : v;
}

/** One ONNX session plus the metadata needed to check it against the manifest and to explain failures. */
class CodecModel extends OnnxRoleModel {
  static async load(file: string, role: 'encoder' | 'decoder', eps: readonly string[]): Promise<CodecModel> {
    const { session, runtime } = await createOnnxSession(file, eps, role);
    return new CodecModel(file, role, session, runtime);
  }

  input(name: string): Ort.InferenceSession.TensorValueMetadata | undefined {
    const m = this.session.inputMetadata.find((v) => v.name === name);
    return m?.isTensor ? m : undefined;
  }

  /**
   * Checks named inputs/outputs against the manifest: they exist, have the expected kind of
   * dtype and rank, and no model input is left unfed.
   */
  check(inputs: (OnnxTensorExpectation & { channels?: number })[], outputs: OnnxTensorExpectation[]): void {
    this.checkTensors(inputs, outputs, (what, s, m) => {
      const channels = 'channels' in s ? s.channels : undefined;
      if (channels !== undefined && m.shape.length === 3 && typeof m.shape[1] === 'number') {
        if (m.shape[1] !== channels) {
          this.fail(`${what} '${s.name}' takes ${m.shape[1]} channel(s) but the manifest says ${channels}`);
        }
      }
    });
  }

  /** Runs the model; a failure names every fed input's name, dtype and dims. */
  async run(feeds: Record<string, Feed>, outputs: string[]): Promise<Ort.Tensor[]> {
    const result = await this.runFeeds(feeds, outputs, {
      fed: Object.entries(feeds).map(([name, f]) => ({ name, dtype: f.type, dims: f.dims })),
    });
    return outputs.map((n) => result[n]);
  }
}

function toInt32(t: Ort.Tensor, what: string): Int32Array {
  if (t.type === 'int32') return t.data as Int32Array;
  if (t.type !== 'int64') {
    throw new MmtokError('MMTOK_MODEL', `${what} must be int64 or int32 codes, got ${t.type}`, { dtype: t.type });
  }
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

/** First `keep` rows of a [levels, frames] block: levels-major, so a prefix. */
function firstLevels(b: Block, keep: number): Block {
  if (keep >= b.levels) return b;
  return { indices: b.indices.slice(0, keep * b.frames), levels: keep, frames: b.frames };
}

function checkLevels(levels: number | undefined, max: number, what: string): number {
  if (levels === undefined) return max;
  if (!Number.isInteger(levels) || levels < 1) {
    throw new MmtokError('MMTOK_CONFIG', `levels must be a positive integer, got ${levels}`, { levels });
  }
  if (levels > max) {
    throw new MmtokError('MMTOK_CONFIG', `levels ${levels} is more than the ${max} ${what} has`, { levels, max });
  }
  return levels;
}

/** Levels and frames per hop of each scale, learned from a one-hop probe run of the encoder. */
interface ScaleShape {
  levels: number;
  framesPerHop: number;
}

/**
 * An ONNX audio codec: PCM → codes → PCM. It implements the tokenizer's `AudioCodec` interface
 * (`encode`/`decode` on padded planar samples) and, for direct use, `encodeAudio`/`decodeAudio`,
 * which pad to whole frames and trim back themselves.
 *
 * Multi-scale codecs (several code tensors) give `Codes` with `levels = 1`, `frames` = the total
 * token count and `scales` describing the blocks; a tokenizer keeps `scales` in `source.scales`
 * and hands them back to `decode` (without them, the probed structure is used, assuming all levels).
 */
export class OnnxAudioCodec implements AudioCodec {
  readonly frameIndependent = false;

  private constructor(
    private readonly options: OnnxAudioCodecOptions,
    private readonly encoderModel: CodecModel | undefined,
    private readonly decoderModel: CodecModel | undefined,
    private readonly structure: ScaleShape[] | undefined,
  ) {}

  static async load(options: OnnxAudioCodecOptions): Promise<OnnxAudioCodec> {
    const { encoder, decoder, quantizer, channels, hopLength, sampleRate } = options;
    for (const [k, v] of [
      ['channels', channels],
      ['hopLength', hopLength],
    ] as const) {
      if (!Number.isInteger(v) || v < 1) {
        throw new MmtokError('MMTOK_CONFIG', `${k} must be a positive integer, got ${v}`, { [k]: v });
      }
    }
    if (!(sampleRate > 0)) throw new MmtokError('MMTOK_CONFIG', `sampleRate must be positive, got ${sampleRate}`);
    const latentsIn = encoder?.output === 'latents';
    const latentsOut = decoder?.input === 'latents';
    if ((latentsIn || latentsOut) && !quantizer) {
      throw new MmtokError(
        'MMTOK_CONFIG',
        'an ONNX codec whose encoder outputs or decoder takes latents needs a quantizer',
      );
    }
    const scalesOut = encoder ? asArray(encoder.outputName).length : 0;
    const scalesIn = decoder ? asArray(decoder.inputName).length : 0;
    if ((latentsIn && scalesOut > 1) || (latentsOut && scalesIn > 1)) {
      throw new MmtokError('MMTOK_CONFIG', 'multi-scale ONNX codecs must output and take codes, not latents');
    }
    if (encoder && decoder && scalesOut !== scalesIn) {
      throw new MmtokError(
        'MMTOK_CONFIG',
        `the encoder makes ${scalesOut} code tensor(s) but the decoder takes ${scalesIn}: one per scale on both sides`,
      );
    }
    const eps = options.executionProviders ?? ['cpu'];
    const intTypes = ['int64', 'int32'] as const;
    let enc: CodecModel | undefined;
    let dec: CodecModel | undefined;
    try {
      if (encoder) {
        enc = await CodecModel.load(encoder.file, 'encoder', eps);
        enc.check(
          [{ name: encoder.inputName, dtypes: ['float32'], ranks: [3], channels }],
          asArray(encoder.outputName).map((name) =>
            latentsIn ? { name, dtypes: ['float32'], ranks: [3] } : { name, dtypes: intTypes, ranks: [2, 3] },
          ),
        );
      }
      if (decoder) {
        dec = await CodecModel.load(decoder.file, 'decoder', eps);
        dec.check(
          asArray(decoder.inputName).map((name) =>
            latentsOut ? { name, dtypes: ['float32'], ranks: [3] } : { name, dtypes: intTypes, ranks: [2, 3] },
          ),
          [{ name: decoder.outputName, dtypes: ['float32'], ranks: [3] }],
        );
      }
      const codec = new OnnxAudioCodec(options, enc, dec, undefined);
      if (!enc) return codec;
      // A short run on silence tells the levels of a codes encoder and the frame ratio of each
      // scale, which symbolic ONNX dims do not. One hop first; a model that needs a longer input
      // gets about a second.
      const hopsToTry = [1, Math.max(2, Math.ceil(sampleRate / hopLength))];
      let probe: Block[] | undefined;
      let hops = 0;
      for (const h of hopsToTry) {
        try {
          probe = await codec.encodeBlocks(new Float32Array(channels * h * hopLength), channels, h * hopLength);
          hops = h;
          break;
        } catch (e) {
          if (h === hopsToTry[hopsToTry.length - 1]) throw e;
        }
      }
      return new OnnxAudioCodec(
        options,
        enc,
        dec,
        probe!.map((b) => ({ levels: b.levels, framesPerHop: b.frames / hops })),
      );
    } catch (e) {
      await enc?.dispose();
      await dec?.dispose();
      throw e;
    }
  }

  get hopLength(): number {
    return this.options.hopLength;
  }

  get sampleRate(): number {
    return this.options.sampleRate;
  }

  get channels(): number {
    return this.options.channels;
  }

  get quantizer(): AnyQuantizer | undefined {
    return this.options.quantizer;
  }

  get codebookSize(): number | undefined {
    return this.options.quantizer?.codebookSize ?? this.options.codebookSize;
  }

  /** Levels of a full encode (the most of any scale). */
  get levels(): number {
    if (this.structure) return Math.max(...this.structure.map((s) => s.levels));
    return this.options.quantizer?.numQuantizers ?? this.options.levels ?? 1;
  }

  get multiScale(): boolean {
    const o = this.options;
    return asArray(o.encoder?.outputName ?? o.decoder?.inputName ?? []).length > 1;
  }

  /** Multi-scale layout of a full encode, per scale: levels and frames per hop (undefined without an encoder). */
  get scaleStructure(): readonly { levels: number; framesPerHop: number }[] | undefined {
    return this.structure;
  }

  /** Padded planar samples → per-scale [levels, frames] blocks, all levels. */
  private async encodeBlocks(data: Float32Array, channels: number, samples: number): Promise<Block[]> {
    const spec = this.options.encoder;
    if (!spec || !this.encoderModel) {
      throw new MmtokError('MMTOK_CONFIG', 'this codec has no encoder: it can only decode');
    }
    const names = asArray(spec.outputName);
    const outs = await this.encoderModel.run(
      { [spec.inputName]: { type: 'float32', data, dims: [1, channels, samples] } },
      names,
    );
    if (spec.output === 'latents') return [await this.quantizeLatents(outs[0])];
    return outs.map((t, i) => this.codesBlock(t, names[i]));
  }

  private checkInput(data: Float32Array, channels: number, samples: number): void {
    const C = this.options.channels;
    if (channels !== C) {
      throw new MmtokError(
        'MMTOK_SHAPE',
        `the codec takes ${C} channel(s), got ${channels}: convert the audio first (readAudio's channels option)`,
        { expected: C, got: channels },
      );
    }
    if (!(samples > 0)) throw new MmtokError('MMTOK_EMPTY', 'cannot encode zero-length audio');
    if (data.length !== channels * samples) {
      throw new MmtokError(
        'MMTOK_SHAPE',
        `audio data has ${data.length} samples, expected channels × length = ${channels * samples}`,
      );
    }
  }

  /**
   * AudioCodec: planar samples [channels, samples] → codes, keeping the first `levels` levels (of
   * each scale). `samples` should be a multiple of hopLength; if not, it is zero-padded here.
   */
  async encode(data: Float32Array, channels: number, samples: number, levels = this.levels): Promise<Codes> {
    this.checkInput(data, channels, samples);
    const padded = Math.ceil(samples / this.hopLength) * this.hopLength;
    let x = data;
    if (padded !== samples) {
      // Planar: each channel's samples followed by its zeros.
      x = new Float32Array(channels * padded);
      for (let c = 0; c < channels; c++) x.set(data.subarray(c * samples, (c + 1) * samples), c * padded);
    }
    let blocks = await this.encodeBlocks(x, channels, padded);
    const keep = checkLevels(levels, Math.max(...blocks.map((b) => b.levels)), 'codec');
    blocks = blocks.map((b) => firstLevels(b, keep));
    if (blocks.length === 1) return { ...blocks[0] };
    const total = blocks.reduce((s, b) => s + b.indices.length, 0);
    const indices = new Int32Array(total);
    let at = 0;
    for (const b of blocks) {
      indices.set(b.indices, at);
      at += b.indices.length;
    }
    const rate = this.options.sampleRate / padded;
    const scales = blocks.map((b) => ({ levels: b.levels, frames: b.frames, frameRate: b.frames * rate }));
    return { indices, levels: 1, frames: total, scales };
  }

  /** PCM → tokens: pads to whole frames (zeros on the right), keeps the first `levels` levels. */
  async encodeAudio(audio: CodecAudio, options: CodecEncodeOptions = {}): Promise<CodecTokens> {
    this.checkInput(audio.data, audio.channels, audio.length);
    const n = audio.length;
    const padded = Math.ceil(n / this.hopLength) * this.hopLength;
    const codes = await this.encode(audio.data, audio.channels, n, options.levels);
    const base = { indices: codes.indices, shape: [codes.levels, codes.frames], samples: n, paddedSamples: padded };
    if (!codes.scales) return { ...base, frameRate: (codes.frames * this.options.sampleRate) / padded };
    return { ...base, scales: codes.scales, frameRate: Math.max(...codes.scales.map((s) => s.frameRate)) };
  }

  /** Encoder codes [1, Q, T] or [1, T] → a [levels, frames] block (same memory order). */
  private codesBlock(t: Ort.Tensor, name: string): Block {
    const d = t.dims;
    if ((d.length !== 2 && d.length !== 3) || d[0] !== 1) {
      throw new MmtokError(
        'MMTOK_MODEL',
        `${this.encoderModel!.file}: output '${name}' must be codes [1, Q, T] or [1, T], got ${t.type} [${d.join(', ')}]`,
      );
    }
    const indices = toInt32(t, `${this.encoderModel!.file}: output '${name}'`);
    return d.length === 3 ? { indices, levels: d[1], frames: d[2] } : { indices, levels: 1, frames: d[1] };
  }

  /** Latents [1, D, T] → quantizer rows [T, D] → indices [T, Q] → block [Q, T]. */
  private async quantizeLatents(t: Ort.Tensor): Promise<Block> {
    const q = this.options.quantizer!;
    const d = t.dims;
    if (t.type !== 'float32' || d.length !== 3 || d[0] !== 1) {
      throw new MmtokError(
        'MMTOK_MODEL',
        `${this.encoderModel!.file}: latents must be float32 [1, D, T], got ${t.type} [${d.join(', ')}]`,
      );
    }
    const [, D, T] = d;
    if (D !== q.dim) {
      throw new MmtokError('MMTOK_MISMATCH', `the encoder makes ${D}-dim latents but the quantizer takes dim ${q.dim}`);
    }
    const src = t.data as Float32Array;
    const rows = new Float32Array(T * D);
    for (let c = 0; c < D; c++) for (let f = 0; f < T; f++) rows[f * D + c] = src[c * T + f];
    const idx = (await q.encode({ data: rows, shape: [T, D] }, { backend: this.options.backend })).data;
    const Q = q.numQuantizers;
    const indices = new Int32Array(Q * T);
    for (let f = 0; f < T; f++) for (let l = 0; l < Q; l++) indices[l * T + f] = idx[f * Q + l];
    return { indices, levels: Q, frames: T };
  }

  /** Splits codes into per-scale blocks, checking them against the scales (given or probed). */
  private blocks(codes: Codes): Block[] {
    const { indices, levels, frames } = codes;
    if (!(indices instanceof Int32Array)) throw new MmtokError('MMTOK_SHAPE', 'token indices must be an Int32Array');
    if (!(levels > 0 && frames > 0) || levels * frames !== indices.length) {
      throw new MmtokError(
        'MMTOK_SHAPE',
        `tokens must be [levels, frames] with levels × frames indices, got [${levels}, ${frames}] and ${indices.length}`,
      );
    }
    if (!this.multiScale) return [{ indices, levels, frames }];
    const scales = codes.scales ?? this.probedScales(indices.length);
    const want = asArray(this.options.decoder?.inputName ?? []).length;
    if (scales.length !== want) {
      throw new MmtokError('MMTOK_SHAPE', `the tokens have ${scales.length} scale(s) but the decoder takes ${want}`);
    }
    const blocks: Block[] = [];
    let at = 0;
    for (const s of scales) {
      if (!(Number.isInteger(s.levels) && s.levels > 0 && Number.isInteger(s.frames) && s.frames > 0)) {
        throw new MmtokError(
          'MMTOK_SHAPE',
          `bad scale ${JSON.stringify(s)}: levels and frames must be positive integers`,
        );
      }
      const size = s.levels * s.frames;
      blocks.push({ indices: indices.subarray(at, at + size), levels: s.levels, frames: s.frames });
      at += size;
    }
    if (at !== indices.length || levels !== 1) {
      throw new MmtokError(
        'MMTOK_SHAPE',
        `multi-scale tokens must be [1, ${at}] (the scales' blocks concatenated), got [${levels}, ${frames}]`,
      );
    }
    return blocks;
  }

  /** Without source.scales: the full-level structure from the probe, if the count fits it. */
  private probedScales(total: number): { levels: number; frames: number }[] {
    const s = this.structure;
    const perHop = s?.reduce((sum, x) => sum + x.levels * x.framesPerHop, 0) ?? 0;
    if (!s || total % perHop !== 0) {
      throw new MmtokError(
        'MMTOK_SHAPE',
        `multi-scale tokens need their scales (source.scales: [{ levels, frames, frameRate }]) to be decoded`,
      );
    }
    const hops = total / perHop;
    return s.map((x) => ({ levels: x.levels, frames: x.framesPerHop * hops }));
  }

  /** AudioCodec: codes → planar samples [channels, made] (the tokenizer trims the padding). */
  async decode(codes: Codes, channels = this.options.channels): Promise<{ data: Float32Array; length: number }> {
    const out = await this.decodeBlocks(this.blocks(codes), channels);
    return { data: out.data, length: out.length };
  }

  /** Tokens → PCM [channels, samples], trimmed to `options.samples`. */
  async decodeAudio(tokens: CodecDecodeInput, options: CodecDecodeOptions = {}): Promise<CodecAudio> {
    const { indices, shape, scales } = tokens;
    if (shape.length !== 2) {
      throw new MmtokError('MMTOK_SHAPE', `tokens must have shape [levels, frames], got [${shape.join(', ')}]`);
    }
    let blocks = this.blocks({ indices, levels: shape[0], frames: shape[1], scales: scales?.map((s) => ({ ...s })) });
    const keep = checkLevels(options.levels, Math.max(...blocks.map((b) => b.levels)), 'tokens');
    blocks = blocks.map((b) => firstLevels(b, keep));
    const out = await this.decodeBlocks(blocks, this.options.channels);
    const n = options.samples ?? out.length;
    if (!Number.isInteger(n) || n < 0 || n > out.length) {
      throw new MmtokError(
        'MMTOK_MISMATCH',
        `the decoder made ${out.length} samples per channel, fewer than the ${n} the tokens were encoded from`,
      );
    }
    if (n === out.length) return out;
    const C = out.channels;
    const data = new Float32Array(C * n);
    for (let c = 0; c < C; c++) data.set(out.data.subarray(c * out.length, c * out.length + n), c * n);
    return { data, channels: C, length: n };
  }

  private async decodeBlocks(blocks: Block[], channels: number): Promise<CodecAudio> {
    const spec = this.options.decoder;
    if (!spec || !this.decoderModel) {
      throw new MmtokError('MMTOK_CONFIG', 'this codec has no decoder: it can only encode');
    }
    const C = this.options.channels;
    if (channels !== C) {
      throw new MmtokError('MMTOK_SHAPE', `the codec makes ${C} channel(s), asked for ${channels}`);
    }
    const names = asArray(spec.inputName);
    const feeds: Record<string, Feed> = {};
    if (spec.input === 'latents') {
      feeds[names[0]] = await this.dequantize(blocks[0]);
    } else {
      blocks.forEach((b, i) => {
        const meta = this.decoderModel!.input(names[i]);
        // SNAC-style inputs are [B, T]: give a one-level block that rank; otherwise [B, Q, T].
        const rank2 = meta?.shape.length === 2;
        if (rank2 && b.levels !== 1) {
          throw new MmtokError(
            'MMTOK_MODEL',
            `${this.decoderModel!.file}: input '${names[i]}' takes one level [B, T], the tokens have ${b.levels}`,
          );
        }
        feeds[names[i]] = {
          type: 'int64',
          data: BigInt64Array.from(b.indices, (v) => BigInt(v)),
          dims: rank2 ? [1, b.frames] : [1, b.levels, b.frames],
        };
      });
      this.checkFixedLevels(feeds);
    }
    const [out] = await this.decoderModel.run(feeds, [spec.outputName]);
    const d = out.dims;
    if (out.type !== 'float32' || d.length !== 3 || d[0] !== 1 || d[1] !== C) {
      throw new MmtokError(
        'MMTOK_MODEL',
        `${this.decoderModel.file}: output '${spec.outputName}' must be float32 [1, ${C}, samples], got ${out.type} [${d.join(', ')}]`,
      );
    }
    return { data: out.data as Float32Array, channels: C, length: d[2] };
  }

  /**
   * A decoder exported with a fixed number of levels cannot take fewer: say so plainly instead of
   * letting onnxruntime fail on a dimension.
   */
  private checkFixedLevels(feeds: Record<string, Feed>): void {
    for (const [name, f] of Object.entries(feeds)) {
      const shape = this.decoderModel!.input(name)?.shape;
      if (shape?.length === 3 && typeof shape[1] === 'number' && shape[1] !== f.dims[1]) {
        throw new MmtokError(
          'MMTOK_MODEL',
          `${this.decoderModel!.file}: input '${name}' takes exactly ${shape[1]} levels (int64 [${shape.join(', ')}]), ` +
            `got ${f.dims[1]}: this decoder cannot decode at a lower bitrate`,
          { path: this.decoderModel!.file, input: name, dtype: 'int64', dims: f.dims, expected: shape },
        );
      }
    }
  }

  /** Block [Q', T] → quantizer decode with the first Q' levels → latents [1, D, T]. */
  private async dequantize(b: Block): Promise<Feed> {
    const q = this.options.quantizer!;
    if (b.levels > q.numQuantizers) {
      throw new MmtokError('MMTOK_SHAPE', `the tokens have ${b.levels} levels, the quantizer ${q.numQuantizers}`);
    }
    const T = b.frames;
    const L = b.levels;
    const rows = new Int32Array(T * L);
    for (let l = 0; l < L; l++) for (let f = 0; f < T; f++) rows[f * L + l] = b.indices[l * T + f];
    const shape = L === 1 && q.numQuantizers === 1 ? [T] : [T, L];
    const codes = (await q.decode({ data: rows, shape }, { backend: this.options.backend })).data;
    const D = q.dim;
    const latents = new Float32Array(D * T);
    for (let f = 0; f < T; f++) for (let c = 0; c < D; c++) latents[c * T + f] = codes[f * D + c];
    return { type: 'float32', data: latents, dims: [1, D, T] };
  }

  async dispose(): Promise<void> {
    await this.encoderModel?.dispose();
    await this.decoderModel?.dispose();
  }
}
