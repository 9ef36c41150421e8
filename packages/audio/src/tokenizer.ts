import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type AnyQuantizer, MmtokError } from '@mmtok/core';
import { checkTokenIdentity, loadManifestQuantizer, locateManifest, tokenizerIdentity } from '@mmtok/core/node';
import { type HubOptions, isHubSpec } from '@mmtok/hub';
import type { AudioCodec, CodecLoadOptions, Codes } from './codec.js';
import { convertAudioStream } from './convert-stream.js';
import { builtinAudioManifestPath, listAudioTokenizers } from './default.js';
import { checkAudio, convertAudio } from './io.js';
import { concatCodes, LinearFrameCodec, LinearFrameTransform } from './linear-frame.js';
import { type AudioTokenizerManifest, audioManifestFiles, hopOf, readAudioManifest } from './manifest.js';
import { isPretrainedFolder } from './pretrained-config.js';
import type { AudioBuffer, AudioSource, AudioTokenSet, TokenizerIdentity } from './types.js';

export interface LoadAudioTokenizerOptions extends CodecLoadOptions {
  /** Pretrained (hf:… or Transformers-layout folder) codecs: the ONNX files' dtype, e.g. 'fp16'. Default 'fp32'. */
  dtype?: string;
  /** hf:… names: Hub endpoint, token, cache folder, offline (defaults from HF_* environment variables). */
  hub?: HubOptions;
}

export interface EncodeAudioOptions {
  /** Keep the first n residual levels only (lower bitrate). Default: all. */
  levels?: number;
}

async function loadCodec(
  m: AudioTokenizerManifest,
  dir: string,
  path: string,
  quantizer: AnyQuantizer | undefined,
  options: LoadAudioTokenizerOptions,
): Promise<AudioCodec> {
  const { sampleRate, channels } = m.preprocessing;
  if (m.encoder.kind === 'features') {
    const { loadSemanticCodec } = await import('./semantic.js');
    return loadSemanticCodec(m, m.encoder, dir, quantizer, options);
  }
  if (m.encoder.kind === 'linear-frame') {
    const file = resolve(dir, m.encoder.weights);
    const transform = LinearFrameTransform.deserialize(await readFile(file), m.encoder.hopLength, channels, file);
    if (!quantizer) throw new MmtokError('MMTOK_MANIFEST', `${path}: a linear-frame encoder needs a quantizer`);
    return new LinearFrameCodec(transform, quantizer, options.backend);
  }
  const dec = m.decoder?.kind === 'onnx' ? m.decoder : undefined;
  // Loaded on demand: the ONNX codec pulls in onnxruntime-node.
  const { OnnxAudioCodec } = await import('./onnx-codec.js');
  return OnnxAudioCodec.load({
    encoder: {
      file: resolve(dir, m.encoder.file),
      inputName: m.encoder.inputName,
      outputName: m.encoder.outputName,
      output: m.encoder.output,
    },
    ...(dec
      ? {
          decoder: {
            file: resolve(dir, dec.file),
            inputName: dec.inputName,
            outputName: dec.outputName,
            input: dec.input ?? 'codes',
          },
        }
      : {}),
    quantizer,
    sampleRate,
    channels,
    hopLength: hopOf(m),
    executionProviders: options.executionProviders,
    backend: options.backend,
    codebookSize: m.tokens.codebookSize,
    levels: m.tokens.levels,
  });
}

/**
 * An audio tokenizer described by a manifest: convert (rate, channels) → codec encoder →
 * [levels, frames] tokens, and back. Built-in (linear-frame) and ONNX codecs share this path.
 */
export class AudioTokenizer {
  readonly sampleRate: number;
  readonly channels: number;
  readonly hopLength: number;
  readonly frameRate: number;

  private constructor(
    readonly manifest: AudioTokenizerManifest,
    readonly identity: TokenizerIdentity,
    readonly quantizer: AnyQuantizer | undefined,
    /** Absolute path of the manifest file. */
    readonly manifestPath: string,
    readonly codec: AudioCodec,
  ) {
    this.sampleRate = manifest.preprocessing.sampleRate;
    this.channels = manifest.preprocessing.channels;
    this.hopLength = codec.hopLength;
    this.frameRate = manifest.tokens.frameRate;
  }

  static async fromManifest(path: string, options: LoadAudioTokenizerOptions = {}): Promise<AudioTokenizer> {
    const { manifest: m, dir } = await readAudioManifest(path);
    const identity = await tokenizerIdentity(m, dir, audioManifestFiles(m));
    return AudioTokenizer.fromParts(m, dir, identity, resolve(path), options);
  }

  /** From a manifest already validated (e.g. made from a pretrained repo's config), its files relative to `dir`. */
  static async fromParts(
    m: AudioTokenizerManifest,
    dir: string,
    identity: TokenizerIdentity,
    manifestPath: string,
    options: LoadAudioTokenizerOptions = {},
  ): Promise<AudioTokenizer> {
    const quantizer = await loadManifestQuantizer(m.quantizer, dir, manifestPath, { backend: options.backend });
    const codec = await loadCodec(m, dir, manifestPath, quantizer, options);
    return new AudioTokenizer(m, identity, quantizer, manifestPath, codec);
  }

  /** Levels of a full encode. */
  get levels(): number {
    return this.codec.levels;
  }

  /** Codes per level, when known. */
  get codebookSize(): number | undefined {
    return this.codec.codebookSize;
  }

  /**
   * Bits per second at `levels` levels (all by default); undefined when the codebook size is unknown.
   * At full depth a manifest's own `bitrate` wins (multi-scale codecs: the scales' rates summed).
   */
  bitrate(levels = this.levels): number | undefined {
    if (levels === this.levels && this.manifest.bitrate !== undefined) return this.manifest.bitrate;
    const K = this.codebookSize;
    return K === undefined ? undefined : this.frameRate * levels * Math.log2(K);
  }

  private checkLevels(levels: number | undefined): number {
    if (levels === undefined) return this.levels;
    if (!Number.isInteger(levels) || levels < 1 || levels > this.levels) {
      throw new MmtokError('MMTOK_CONFIG', `option 'levels' must be an integer in [1, ${this.levels}], got ${levels}`);
    }
    return levels;
  }

  /** Brings audio to the tokenizer's rate and channel count (ffmpeg for resampling). */
  async prepare(audio: AudioBuffer): Promise<AudioBuffer> {
    checkAudio(audio);
    return convertAudio(audio, this.sampleRate, this.channels);
  }

  private source(samples: number, extra: Record<string, unknown> = {}): AudioSource {
    return {
      sampleRate: this.sampleRate,
      channels: this.channels,
      samples,
      duration: samples / this.sampleRate,
      ...extra,
    };
  }

  private tokenSet(codes: Codes, source: AudioSource): AudioTokenSet {
    if (codes.scales) source.scales = codes.scales.map((s) => ({ ...s }));
    return {
      modality: 'audio',
      indices: codes.indices,
      shape: [codes.levels, codes.frames],
      tokenizer: { ...this.identity },
      source,
    };
  }

  /** Audio → tokens [levels, frames]. Converts rate/channels first; pads to whole frames; source.samples keeps the true length. */
  async encode(audio: AudioBuffer, options: EncodeAudioOptions = {}): Promise<AudioTokenSet> {
    const levels = this.checkLevels(options.levels);
    const a = await this.prepare(audio);
    const codes = await this.encodeWhole(a, levels);
    const extra =
      audio.sampleRate !== this.sampleRate || audio.channels !== this.channels
        ? { inputSampleRate: audio.sampleRate, inputChannels: audio.channels }
        : {};
    return this.tokenSet(codes, this.source(a.length, extra));
  }

  /** Audio at the tokenizer's rate and channels, zero-padded to whole hops, through the codec at once. */
  private encodeWhole(a: AudioBuffer, levels: number): Promise<Codes> {
    const H = this.codec.padTo ?? this.hopLength;
    const padded = Math.ceil(a.length / H) * H;
    let data = a.data;
    if (padded !== a.length) {
      data = new Float32Array(a.channels * padded);
      for (let c = 0; c < a.channels; c++) data.set(a.data.subarray(c * a.length, (c + 1) * a.length), c * padded);
    }
    return this.codec.encode(data, a.channels, padded, levels);
  }

  /** Checks a token set against this tokenizer; returns its codes. */
  private codes(tokens: AudioTokenSet): Codes {
    checkTokenIdentity(tokens, 'audio', this.identity);
    const s = tokens.shape;
    const scales = tokens.source?.scales as Codes['scales'];
    if (
      !Array.isArray(s) ||
      s.length !== 2 ||
      !(s[0] >= 1 && s[1] >= 0) ||
      (!scales && s[0] > this.levels) ||
      !(tokens.indices instanceof Int32Array) ||
      tokens.indices.length !== s[0] * s[1]
    ) {
      throw new MmtokError(
        'MMTOK_SHAPE',
        `audio tokens must be [levels ≤ ${this.levels}, frames] with levels × frames Int32 indices, got [${s?.join(', ')}] and ${tokens.indices?.length}`,
      );
    }
    return { indices: tokens.indices, levels: s[0], frames: s[1], ...(scales ? { scales } : {}) };
  }

  private samplesOf(tokens: AudioTokenSet): number {
    const n = Number(tokens.source?.samples);
    if (!(Number.isInteger(n) && n >= 0)) {
      throw new MmtokError('MMTOK_TOKEN_FILE', 'audio token source lacks its sample count (source.samples)');
    }
    return n;
  }

  /** Tokens → audio at the tokenizer's rate, trimmed to the encoded length. */
  async decode(tokens: AudioTokenSet): Promise<AudioBuffer> {
    const codes = this.codes(tokens);
    const n = this.samplesOf(tokens);
    const C = this.channels;
    const { data, length: made } = await this.codec.decode(codes, C);
    if (made < n) {
      throw new MmtokError(
        'MMTOK_MISMATCH',
        `the decoder made ${made} samples per channel, fewer than the ${n} encoded`,
      );
    }
    return trim(data, C, made, n, this.sampleRate);
  }

  /**
   * Chunks (any one rate and channel count; converted as they come, see convertAudioStream) → token
   * sets of the frames each chunk completes. For frame-independent codecs (linear-frame) the
   * concatenated tokens equal a whole-file encode of the same audio. Others encode each chunk on its
   * own (padded to whole frames): approximate at chunk borders. Every yielded set's source.samples
   * is the converted length seen so far; the last one has source.final = true.
   */
  async *encodeStream(
    chunks: AsyncIterable<AudioBuffer>,
    options: EncodeAudioOptions = {},
  ): AsyncGenerator<AudioTokenSet> {
    const levels = this.checkLevels(options.levels);
    const C = this.channels;
    const stream = this.codec.encoderStream?.(C, levels);
    let input: { inputSampleRate: number; inputChannels: number } | undefined;
    async function* noted(): AsyncGenerator<AudioBuffer> {
      for await (const chunk of chunks) {
        input ??= { inputSampleRate: chunk.sampleRate, inputChannels: chunk.channels };
        yield chunk;
      }
    }
    let total = 0;
    let frameOffset = 0;
    const emit = (codes: Codes, final: boolean): AudioTokenSet => {
      const converted = input && (input.inputSampleRate !== this.sampleRate || input.inputChannels !== C);
      const set = this.tokenSet(codes, this.source(total, { ...(converted ? input : {}), frameOffset, final }));
      frameOffset += codes.frames;
      return set;
    };
    for await (const a of convertAudioStream(noted(), this.sampleRate, C)) {
      total += a.length;
      const codes = stream ? await stream.push(a.data, a.length) : await this.encodeWhole(a, levels);
      if (codes.frames > 0) yield emit(codes, false);
    }
    if (total === 0) throw new MmtokError('MMTOK_EMPTY', 'the audio stream held no samples');
    const last = stream ? await stream.end() : { indices: new Int32Array(0), levels, frames: 0 };
    yield emit(last, true);
  }

  /**
   * Token sets (e.g. from encodeStream, or slices of one token set) → audio chunks, trimmed to the
   * encoded length (source.samples of the latest set). Overlap-add state is carried between sets.
   */
  async *decodeStream(tokens: AsyncIterable<AudioTokenSet>): AsyncGenerator<AudioBuffer> {
    const C = this.channels;
    const stream = this.codec.decoderStream?.(C);
    let emitted = 0;
    for await (const set of tokens) {
      const codes = this.codes(set);
      const cap = this.samplesOf(set);
      const { data, length: made } = stream ? await stream.push(codes) : await this.codec.decode(codes, C);
      const n = Math.max(0, Math.min(made, cap - emitted));
      if (n > 0) yield trim(data, C, made, n, this.sampleRate);
      emitted += n;
    }
  }

  async dispose(): Promise<void> {
    await this.codec.dispose();
  }
}

/** The first n samples of each channel of planar [C, made]. */
function trim(data: Float32Array, C: number, made: number, n: number, sampleRate: number): AudioBuffer {
  if (n === made) return { data, channels: C, sampleRate, length: n };
  const out = new Float32Array(C * n);
  for (let c = 0; c < C; c++) out.set(data.subarray(c * made, c * made + n), c * n);
  return { data: out, channels: C, sampleRate, length: n };
}

/** Concatenates streamed token sets into one (levels-major [levels, frames]); source from the last. */
export function concatTokenSets(sets: readonly AudioTokenSet[]): AudioTokenSet {
  if (sets.length === 0) throw new MmtokError('MMTOK_EMPTY', 'no token sets to concatenate');
  const last = sets[sets.length - 1];
  const codes = concatCodes(sets.map((s) => ({ indices: s.indices, levels: s.shape[0], frames: s.shape[1] })));
  const { frameOffset: _o, final: _f, ...source } = last.source;
  return {
    modality: 'audio',
    indices: codes.indices,
    shape: [codes.levels, codes.frames],
    tokenizer: { ...last.tokenizer },
    source: source as AudioSource,
  };
}

/**
 * Loads an audio tokenizer by built-in name ('default'), manifest path, or a folder holding
 * manifest.json. Unknown names fail with MMTOK_TOKENIZER_NOT_FOUND listing the built-ins.
 */
export async function loadAudioTokenizer(
  nameOrManifestPath: string,
  options: LoadAudioTokenizerOptions = {},
): Promise<AudioTokenizer> {
  // hf:org/name[@revision], or a folder in that (Transformers.js) layout: pretrained codecs.
  if (isHubSpec(nameOrManifestPath) || (await isPretrainedFolder(nameOrManifestPath))) {
    return (await import('./pretrained.js')).loadPretrainedAudioTokenizer(nameOrManifestPath, options);
  }
  const path = await locateManifest(
    nameOrManifestPath,
    { manifestPath: builtinAudioManifestPath, list: listAudioTokenizers },
    'audio tokenizer',
  );
  return AudioTokenizer.fromManifest(path, options);
}
