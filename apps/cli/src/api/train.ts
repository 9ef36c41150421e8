import { basename, resolve } from 'node:path';
import type { CodebookHealth } from '@mmtok/diagnostics';
import { type TrainImageTokenizerOptions, trainImageTokenizer } from '@mmtok/image';
import { usageError } from '../errors.js';
import { AUDIO_EXTENSIONS, IMAGE_EXTENSIONS, VIDEO_EXTENSIONS } from '../formats.js';
import { expandInputs } from '../inputs.js';
import { inputModalities } from '../modality.js';
import { assertWritableDir } from '../outputs.js';
import { type ProgressCallback, trainerProgress } from '../progress.js';
import { trainAudio } from './audio.js';
import { trainVideo } from './video.js';

export interface TrainTokenizerOptions {
  /** Training images: files, folders (searched recursively) or globs. */
  inputs: readonly string[];
  /** Folder receiving manifest.json and its weights files. */
  output: string;
  /** Name recorded in the manifest. Default: the output folder's name. */
  name?: string;
  /** Patch edge in pixels. Default 4. */
  patchSize?: number;
  /** PCA components kept: rvq latent size, lfq bits; for fsq it must equal the number of levels. */
  dims?: number;
  /** Default 'rvq'. */
  quantizer?: 'rvq' | 'fsq' | 'lfq';
  /** rvq: [residual levels]; fsq: levels per dimension (e.g. [8, 5, 5, 5]). */
  levels?: readonly number[];
  /** rvq: codes per level. */
  codebookSize?: number;
  seed?: number;
  backend?: string;
  /** Audio: samples per token frame (frames are twice as long). Default 160. */
  hopLength?: number;
  /** Audio: the codec's sample rate. Default 16000. */
  sampleRate?: number;
  /** An encoder-only model (folder or hf:…): train a semantic tokenizer on its features instead. */
  encoder?: string;
  /** With `encoder`: which ONNX weights of the model to run (fp32, fp16, q8, …). */
  dtype?: string;
  onProgress?: ProgressCallback;
}

export interface TrainTokenizerResult {
  manifestPath: string;
  name: string;
  quantizer: 'vq' | 'rvq' | 'fsq' | 'lfq';
  modality: 'image' | 'audio' | 'video';
  /** Image inputs (0 for audio and video). */
  images: number;
  /** Patches (images), frames (audio) or tubelets (video) the transform and quantizer were fitted on. */
  patches: number;
  /** Audio only. */
  audioFiles?: number;
  /** Video only. */
  videoFiles?: number;
  frameRate?: number;
  /** Audio only: bits per second at full depth. */
  bitrate?: number;
  /** Share of patch variance the kept PCA components explain. */
  explainedVariance: number;
  /** Semantic tokenizers: usage of the fitted codes over the training features. */
  codebook?: CodebookHealth;
}

/** The trainer's quantizer options from the CLI's family-neutral ones; nonsense combinations are usage errors. */
function quantizerOptions(o: TrainTokenizerOptions): Partial<TrainImageTokenizerOptions> {
  const kind = o.quantizer ?? 'rvq';
  if (kind === 'rvq') {
    if (o.levels && o.levels.length !== 1)
      throw usageError('--levels for rvq is one number: the residual depth, e.g. --levels 4');
    return { dim: o.dims, numQuantizers: o.levels?.[0], codebookSize: o.codebookSize };
  }
  if (o.codebookSize !== undefined) {
    throw usageError(
      `--codebook-size applies to rvq; ${kind} codebooks are implied by ${kind === 'fsq' ? '--levels' : '--dims (2^dims codes)'}`,
    );
  }
  if (kind === 'fsq') {
    if (o.levels && o.dims !== undefined && o.dims !== o.levels.length) {
      throw usageError(
        `--dims ${o.dims} does not match --levels ${o.levels.join(',')} (fsq uses one dimension per level)`,
      );
    }
    if (!o.levels && o.dims !== undefined)
      throw usageError('fsq takes --levels (one per dimension, e.g. 8,5,5,5), not --dims');
    return { fsqLevels: o.levels ? [...o.levels] : undefined };
  }
  if (o.levels) throw usageError('lfq takes --dims (the number of bits), not --levels');
  return { lfqBits: o.dims };
}

/** Fits the built-in linear-patch tokenizer (PCA → quantizer → inverse) and writes its manifest folder. */
export async function trainTokenizer(options: TrainTokenizerOptions): Promise<TrainTokenizerResult> {
  const inputs = await expandInputs(options.inputs, {
    extensions: [...IMAGE_EXTENSIONS, ...AUDIO_EXTENSIONS, ...VIDEO_EXTENSIONS],
    what: 'images, audio or video',
  });
  const name = options.name ?? basename(resolve(options.output));
  const modality = await inputModalities(inputs.map((i) => i.path));
  if (options.dtype !== undefined && options.encoder === undefined) {
    throw usageError('--dtype applies to train only with --encoder (which ONNX weights of the model to run)');
  }
  if (options.encoder !== undefined) {
    await assertWritableDir(options.output);
    return (await import('./semantic.js')).trainSemantic(
      { ...options, encoder: options.encoder, inputs, name },
      modality,
    );
  }
  const videoCount = inputs.filter((i) => modality.get(i.path) === 'video').length;
  if (videoCount > 0) {
    if (videoCount < inputs.length) throw usageError('train on one modality at a time: video files only, here');
    if (options.hopLength !== undefined || options.sampleRate !== undefined) {
      throw usageError('--hop-length and --sample-rate are for audio inputs');
    }
    await assertWritableDir(options.output);
    const r = await trainVideo({ ...options, inputs, name });
    return {
      manifestPath: r.manifestPath,
      name,
      quantizer: options.quantizer ?? 'rvq',
      modality: 'video',
      images: 0,
      videoFiles: inputs.length,
      patches: r.tubelets,
      explainedVariance: r.explainedVariance,
    };
  }
  const audioCount = inputs.filter((i) => modality.get(i.path) === 'audio').length;
  if (audioCount > 0) {
    if (audioCount < inputs.length) throw usageError('train on images or on audio, not both at once');
    if ((options.quantizer ?? 'rvq') !== 'rvq') throw usageError('the audio codec trains an rvq quantizer only');
    if (options.patchSize !== undefined) throw usageError('--patch-size is for images; audio takes --hop-length');
    await assertWritableDir(options.output);
    const r = await trainAudio({ ...options, inputs, name });
    return {
      manifestPath: r.manifestPath,
      name,
      quantizer: 'rvq',
      modality: 'audio',
      images: 0,
      audioFiles: inputs.length,
      patches: r.frames,
      explainedVariance: r.explainedVariance,
      frameRate: r.frameRate,
      bitrate: r.bitrate,
    };
  }
  if (options.hopLength !== undefined || options.sampleRate !== undefined) {
    throw usageError('--hop-length and --sample-rate are for audio inputs');
  }
  const q = quantizerOptions(options);
  await assertWritableDir(options.output);
  const quantizer = options.quantizer ?? 'rvq';
  const result = await trainImageTokenizer(
    inputs.map((i) => i.path),
    {
      outDir: options.output,
      name,
      patchSize: options.patchSize,
      quantizer,
      ...q,
      seed: options.seed,
      backend: options.backend,
      // 4: the trainer's default depth.
      onProgress: trainerProgress(options.onProgress, inputs.length, q.numQuantizers ?? 4),
    },
  );
  return {
    manifestPath: result.manifestPath,
    name,
    quantizer,
    modality: 'image',
    images: inputs.length,
    patches: result.patches,
    explainedVariance: result.explainedVariance,
  };
}
