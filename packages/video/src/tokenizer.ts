import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { type AnyQuantizer, MmtokError } from '@mmtok/core';
import { loadManifestQuantizer, locateManifest, tokenizerIdentity } from '@mmtok/core/node';
import { loadTokenizer } from '@mmtok/image';
import type { GridCodes, VideoGroupCodec } from './codec.js';
import { builtinVideoManifestPath, listVideoTokenizers } from './default.js';
import { checkReadOptions, planFrames, streamFrames } from './frames.js';
import { type CausalGroup, causalGroups, tokenSteps } from './grouping.js';
import { LinearTubeletTransform } from './linear-transform.js';
import { readVideoManifest, type VideoTokenizerManifest, videoManifestFiles } from './manifest.js';
import { PerFrameCodec } from './per-frame-codec.js';
import { probeVideo } from './probe.js';
import { TubeletCodec } from './tubelet-codec.js';
import type { FrameGroup, TokenizerIdentity, VideoSource, VideoTokenSet } from './types.js';

export interface LoadVideoTokenizerOptions {
  /** Core backend for the quantizer ('js', 'ort', 'webgpu'); the best available one when omitted. */
  backend?: string;
  /** onnxruntime execution providers for ONNX models. Default ['cpu']. */
  executionProviders?: string[];
}

export interface EncodeVideoOptions {
  /** Rate to tokenize at; default the manifest's, else the source's (the average for variable-rate files). */
  fps?: number;
  /** Size to tokenize at (one side keeps the aspect ratio); default the manifest's, else the source's. */
  width?: number;
  height?: number;
  /** Seconds to skip / to read (file inputs). */
  start?: number;
  duration?: number;
}

/**
 * A video tokenizer described by a manifest: frames → causal token steps → [t, h, w, levels]
 * tokens, and back. Everything streams one step (≤ T frames) at a time.
 */
export class VideoTokenizer {
  readonly kind: 'per-frame' | 'tubelet' | 'onnx';
  readonly temporalPatch: number;
  readonly causal: boolean;
  readonly quantizer: AnyQuantizer | undefined;

  private constructor(
    readonly manifest: VideoTokenizerManifest,
    readonly identity: TokenizerIdentity,
    readonly manifestPath: string,
    private readonly codec: VideoGroupCodec,
  ) {
    this.kind = manifest.encoder.kind === 'linear-tubelet' ? 'tubelet' : manifest.encoder.kind;
    this.temporalPatch = codec.temporalPatch;
    this.causal = codec.causal;
    this.quantizer = codec.quantizer;
  }

  static async fromManifest(path: string, options: LoadVideoTokenizerOptions = {}): Promise<VideoTokenizer> {
    const { manifest: m, dir } = await readVideoManifest(path);
    const codec = await loadCodec(m, dir, path, options);
    const identity = await tokenizerIdentity(m, dir, videoManifestFiles(m), codec.identityParts);
    return new VideoTokenizer(m, identity, resolve(path), codec);
  }

  /** Tokens per step's grid for a frame size is known only after encoding; steps for n frames: */
  steps(frames: number): number {
    return tokenSteps(frames, this.temporalPatch, this.causal);
  }

  /**
   * A file (streamed through ffmpeg) or a frame stream → tokens [t, h, w, levels]. Frames are held a
   * step at a time; the token indices of the whole input are kept (use encodeStream to write them
   * out as they come for very long inputs).
   */
  async encode(input: string | AsyncIterable<FrameGroup>, options: EncodeVideoOptions = {}): Promise<VideoTokenSet> {
    checkReadOptions(options);
    const pre = this.manifest.preprocessing;
    const want = {
      fps: options.fps ?? pre.fps,
      width: options.width ?? pre.width,
      height: options.height ?? pre.height,
      start: options.start,
      duration: options.duration,
      groupSize: Math.max(this.temporalPatch, 4),
    };
    let frames: AsyncIterable<FrameGroup>;
    let facts: Record<string, unknown> = {};
    let fps: number;
    if (typeof input === 'string') {
      const info = await probeVideo(input);
      const plan = planFrames(info, want);
      frames = streamFrames(input, plan, want);
      fps = plan.fps;
      facts = {
        sourceWidth: info.width,
        sourceHeight: info.height,
        sourceFps: info.fps,
        sourceDuration: info.duration,
        variableFrameRate: info.variableFrameRate,
        resampled: plan.resampled,
        hasAudio: info.hasAudio,
        codec: info.codec,
        ...(options.start ? { start: options.start } : {}),
      };
    } else {
      frames = input;
      fps = want.fps ?? 25;
    }
    const chunks: Int32Array[] = [];
    let grid: GridCodes | undefined;
    let count = 0;
    let width = 0;
    let height = 0;
    for await (const g of causalGroups(frames, this.temporalPatch, this.causal)) {
      const codes = await this.encodeStep(g, grid);
      grid = codes;
      chunks.push(codes.indices);
      count += g.real;
      width = g.width;
      height = g.height;
    }
    if (!grid || count === 0) {
      throw new MmtokError(
        'MMTOK_EMPTY',
        `${typeof input === 'string' ? input : 'the frame stream'} holds no video frames`,
      );
    }
    const indices = new Int32Array(chunks.reduce((a, c) => a + c.length, 0));
    let at = 0;
    for (const c of chunks) {
      indices.set(c, at);
      at += c.length;
    }
    const source: VideoSource = {
      width,
      height,
      fps,
      frames: count,
      duration: count / fps,
      ...facts,
      ...(this.codec.sourceFacts?.() ?? {}),
    };
    return {
      modality: 'video',
      indices,
      shape: [chunks.length, grid.gridH, grid.gridW, grid.levels],
      tokenizer: { ...this.identity },
      source,
    };
  }

  private async encodeStep(g: CausalGroup, prev: GridCodes | undefined): Promise<GridCodes> {
    const codes = await this.codec.encodeGroup(g.frames, g.width, g.height, g.first);
    if (prev && (prev.gridH !== codes.gridH || prev.gridW !== codes.gridW)) {
      throw new MmtokError(
        'MMTOK_SHAPE',
        `frame size changed mid-stream (${g.width}×${g.height}); every frame must have one size`,
      );
    }
    return codes;
  }

  /**
   * One token block per causal step, as frames arrive: shape [1, h, w, levels], source.frames the
   * real frames in the block and source.firstStep its step index (decode each block alone, or
   * concatenate them along t).
   */
  async *encodeStream(
    groups: AsyncIterable<FrameGroup>,
    options: { fps?: number } = {},
  ): AsyncGenerator<VideoTokenSet> {
    const fps = options.fps ?? this.manifest.preprocessing.fps ?? 25;
    let prev: GridCodes | undefined;
    let firstFrame = 0;
    for await (const g of causalGroups(groups, this.temporalPatch, this.causal)) {
      const codes = await this.encodeStep(g, prev);
      prev = codes;
      yield {
        modality: 'video',
        indices: codes.indices,
        shape: [1, codes.gridH, codes.gridW, codes.levels],
        tokenizer: { ...this.identity },
        source: {
          width: g.width,
          height: g.height,
          fps,
          frames: g.real,
          duration: g.real / fps,
          firstStep: g.step,
          firstFrame,
          ...(this.codec.sourceFacts?.() ?? {}),
        },
      };
      firstFrame += g.real;
    }
  }

  private check(tokens: VideoTokenSet): { t: number; h: number; w: number; L: number; firstStep: number } {
    if (tokens?.modality !== 'video') {
      throw new MmtokError(
        'MMTOK_TOKENIZER_MISMATCH',
        `these tokens are not video tokens (modality ${JSON.stringify(tokens?.modality)})`,
      );
    }
    const id = tokens.tokenizer;
    if (!id || id.hash !== this.identity.hash) {
      throw new MmtokError(
        'MMTOK_TOKENIZER_MISMATCH',
        `these tokens were made by tokenizer '${id?.name}' ${id?.version} (hash ${id?.hash?.slice(0, 12)}…), not by '${this.identity.name}' ${this.identity.version}; decode them with the tokenizer that made them`,
        { expected: this.identity, got: id },
      );
    }
    const s = tokens.shape;
    const [t, h, w, L] = s ?? [];
    if (
      s?.length !== 4 ||
      !(t > 0 && h > 0 && w > 0) ||
      L !== this.codec.levels ||
      tokens.indices?.length !== t * h * w * L
    ) {
      throw new MmtokError(
        'MMTOK_SHAPE',
        `video tokens must be [t, h, w, ${this.codec.levels}] with t·h·w·levels Int32 indices; got shape [${s?.join(', ')}] and ${tokens.indices?.length} indices`,
      );
    }
    const src = tokens.source;
    const firstStep = Number(src?.firstStep ?? 0);
    const T = this.temporalPatch;
    const first = this.causal && firstStep === 0 ? 1 : 0;
    const capacity = first + (t - first) * T;
    if (!(src?.width > 0 && src.height > 0 && src.frames > 0) || src.frames > capacity || src.frames <= capacity - T) {
      throw new MmtokError(
        'MMTOK_SHAPE',
        `token source says ${src?.frames} frames of ${src?.width}×${src?.height}, which ${t} token steps of ${T} frames cannot hold`,
      );
    }
    // The header's frame size must be the one this grid was cut from: a forged 10000×10000 on a
    // small grid would otherwise allocate gigabytes of frames before anything failed.
    const P = this.codec.cellSize;
    const W = src.width as number;
    const H = src.height as number;
    if (
      !Number.isSafeInteger(W) ||
      !Number.isSafeInteger(H) ||
      (P !== undefined && (Math.ceil(W / P) !== w || Math.ceil(H / P) !== h))
    ) {
      throw new MmtokError(
        'MMTOK_SHAPE',
        `token source says ${W}×${H} frames, which a ${w}×${h} token grid${P !== undefined ? ` of ${P}-pixel cells` : ''} cannot hold`,
        { width: W, height: H, grid: [h, w] },
      );
    }
    return { t, h, w, L, firstStep };
  }

  /** Tokens → frames, one step at a time (the padding of a short last step trimmed). */
  async *decode(tokens: VideoTokenSet): AsyncGenerator<FrameGroup> {
    const { t, h, w, L, firstStep } = this.check(tokens);
    const per = h * w * L;
    let left = tokens.source.frames;
    let index = 0;
    for (let s = 0; s < t && left > 0; s++) {
      const first = this.causal && firstStep + s === 0;
      const codes = { indices: tokens.indices.subarray(s * per, (s + 1) * per), gridH: h, gridW: w, levels: L };
      let frames = await this.codec.decodeGroup(codes, tokens.source, first);
      const bytes = tokens.source.width * tokens.source.height * 3;
      if (frames.some((f) => f.length !== bytes)) {
        throw new MmtokError(
          'MMTOK_SHAPE',
          `the decoder made frames that are not the ${tokens.source.width}×${tokens.source.height} the token source says`,
        );
      }
      if (frames.length > left) frames = frames.slice(0, left);
      left -= frames.length;
      yield { frames, width: tokens.source.width, height: tokens.source.height, firstFrame: index };
      index += frames.length;
    }
  }

  async dispose(): Promise<void> {
    await this.codec.dispose();
  }
}

async function loadCodec(
  m: VideoTokenizerManifest,
  dir: string,
  path: string,
  options: LoadVideoTokenizerOptions,
): Promise<VideoGroupCodec> {
  const enc = m.encoder;
  if (enc.kind === 'linear-tubelet') {
    const file = resolve(dir, enc.weights);
    const linear = LinearTubeletTransform.deserialize(await readFile(file), enc.temporalPatch, enc.patchSize, file);
    // A video manifest's inline config is not checked against its quantizer file.
    const q = await loadManifestQuantizer(m.quantizer, dir, path, {
      backend: options.backend,
      checkConfig: false,
      required: true,
    });
    if (q.dim !== linear.dim) {
      throw new MmtokError(
        'MMTOK_MISMATCH',
        `${path}: the encoder makes ${linear.dim}-dim coefficients but the quantizer takes dim ${q.dim}`,
      );
    }
    return new TubeletCodec(linear, q, m.tokens.causal, m.preprocessing, options.backend);
  }
  if (enc.kind === 'per-frame') {
    const ref = enc.image;
    const looksLikePath = ref.includes('/') || ref.endsWith('.json') || isAbsolute(ref);
    const image = await loadTokenizer(looksLikePath ? resolve(dir, ref) : ref, options);
    return new PerFrameCodec(image);
  }
  // Loaded lazily: onnxruntime is only touched by manifests that ask for it.
  const specifier = './onnx-video.js';
  const mod = (await import(specifier)) as {
    loadOnnxVideoCodec(
      manifest: VideoTokenizerManifest,
      dir: string,
      options: LoadVideoTokenizerOptions & { manifestPath: string },
    ): Promise<VideoGroupCodec>;
  };
  return mod.loadOnnxVideoCodec(m, dir, { ...options, manifestPath: path });
}

/**
 * Loads a video tokenizer by built-in name ('default', 'per-frame'), by manifest path, or by a
 * directory holding manifest.json. Unknown names fail with MMTOK_TOKENIZER_NOT_FOUND.
 */
export async function loadVideoTokenizer(
  nameOrManifestPath: string,
  options: LoadVideoTokenizerOptions = {},
): Promise<VideoTokenizer> {
  const path = await locateManifest(
    nameOrManifestPath,
    { manifestPath: builtinVideoManifestPath, list: listVideoTokenizers },
    'video tokenizer',
  );
  return VideoTokenizer.fromManifest(path, options);
}
