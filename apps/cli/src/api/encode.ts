import { open, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { encodeTokenFile, MmtokError, TOKEN_FILE_MAGIC, type TokenizerIdentity } from '@mmtok/core';
import { writeFileAtomic } from '@mmtok/core/node';
import { readImage } from '@mmtok/image';
import { TokenizerPool, tokenFileInput } from '@mmtok/video';
import { type FileFailure, runEach } from '../batch.js';
import { AUDIO_EXTENSIONS, IMAGE_EXTENSIONS, VIDEO_EXTENSIONS } from '../formats.js';
import { expandInputs } from '../inputs.js';
import { inputModalities } from '../modality.js';
import { ensureParentDir, type PlannedOutput, planOutputs } from '../outputs.js';
import type { ProgressCallback } from '../progress.js';
import { VERSION } from '../version.js';
import { type AudioFacts, encodeAudioInput } from './audio.js';
import { type AudioTrackFacts, encodeVideoInput, type VideoFacts } from './video.js';

export interface EncodeFilesOptions {
  /** Image, audio or video files, folders (searched recursively) or globs; audio and video are recognized by extension. */
  inputs: readonly string[];
  /** A `.mmtok` file for one input, or a folder receiving `<name>.mmtok` per input. */
  output: string;
  /** Built-in tokenizer name or manifest path (of the inputs' modality). Default 'default' (embedded). */
  tokenizer?: string;
  /** Video: the audio tokenizer for a sound track (default 'default'); false leaves the sound out. */
  audioTokenizer?: string | false;
  /** Kernel backend ('js', 'ort', 'webgpu'); the best available when omitted. */
  backend?: string;
  /** Pretrained hf:… tokenizers: the dtype of the ONNX files ('fp16', 'q8', …). Default 'fp32'. */
  dtype?: string;
  /** Images: largest width × height read (default DEFAULT_MAX_PIXELS of @mmtok/image). */
  maxPixels?: number;
  /** Replace an existing output that is not a token file (never the input itself). */
  force?: boolean;
  onProgress?: ProgressCallback;
}

/** Above this many indices an encode warns: such a token file is rarely what was meant. */
export const TOKEN_COUNT_WARNING = 2 ** 24;

export interface EncodedFile {
  input: string;
  output: string;
  modality: 'image' | 'audio' | 'video';
  /** Images only. */
  width?: number;
  height?: number;
  /** Audio only: as encoded (the tokenizer's rate and channels) and the true length. */
  audio?: AudioFacts;
  /** Video only: as tokenized (constant rate; variable-rate sources resampled). */
  video?: VideoFacts;
  /** Video only: the sound track stored as the token file's 'audio' track. */
  audioTrack?: AudioTrackFacts;
  /** Token layout, e.g. [h, w, levels]. */
  shape: number[];
  /** Number of indices (the product of shape). */
  tokens: number;
  /** Size of the written token file. */
  bytes: number;
}

export interface EncodeFilesResult {
  tokenizer: TokenizerIdentity;
  files: EncodedFile[];
  /** Inputs that could not be encoded; nothing was written for them. */
  failures: FileFailure[];
  /** Things done as asked that look like mistakes (a non-.mmtok output, a huge token count). */
  warnings: string[];
}

async function sameFile(a: string, b: string): Promise<boolean> {
  try {
    const [sa, sb] = await Promise.all([stat(a), stat(b)]);
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return false;
  }
}

async function isTokenFile(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const head = new Uint8Array(TOKEN_FILE_MAGIC.length);
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    return bytesRead === head.length && head.every((b, i) => b === TOKEN_FILE_MAGIC[i]);
  } finally {
    await fh.close();
  }
}

/**
 * Before any work: an output may not be its own input (`encode a.png -o a.png` would replace the
 * picture with its tokens), nor, without `force`, an existing file that is not a token file.
 */
async function checkOutputs(planned: readonly PlannedOutput[], force: boolean, warnings: string[]): Promise<void> {
  for (const { input, output } of planned) {
    if (await sameFile(input.path, output)) {
      throw new MmtokError('MMTOK_OUTPUT_CONFLICT', `${output} is the input itself; name another output (.mmtok)`, {
        path: output,
      });
    }
    const existing = await stat(output).catch(() => undefined);
    if (existing?.isFile() && !force && !(await isTokenFile(output))) {
      throw new MmtokError(
        'MMTOK_OUTPUT_CONFLICT',
        `${output} exists and is not a token file; pass --force to replace it, or name another output`,
        { path: output },
      );
    }
    if (extname(output).toLowerCase() !== '.mmtok') {
      warnings.push(`${output} does not end in .mmtok; it is written as a token file all the same`);
    }
  }
}

/**
 * Encodes images into `.mmtok` token files. Setup problems (no inputs, unwritable output, unknown
 * tokenizer) throw MmtokError; a failing input is reported in `failures` and the rest go on.
 */
export async function encodeFiles(options: EncodeFilesOptions): Promise<EncodeFilesResult> {
  const inputs = await expandInputs(options.inputs, {
    extensions: [...IMAGE_EXTENSIONS, ...AUDIO_EXTENSIONS, ...VIDEO_EXTENSIONS],
    what: 'images, audio or video',
  });
  const planned = await planOutputs(inputs, options.output, '.mmtok');
  const warnings: string[] = [];
  await checkOutputs(planned, options.force === true, warnings);
  const pool = new TokenizerPool({ backend: options.backend, dtype: options.dtype });
  try {
    const spec = options.tokenizer ?? 'default';
    const modality = await inputModalities(planned.map((p) => p.input.path));
    const modalities = new Set(modality.values());
    // The reported identity is that of the modality being encoded (the image one for mixed inputs).
    const tokenizer = modalities.has('image') ? await pool.get(spec) : undefined;
    // Recorded so readers can check indices; absent for ONNX tokenizers that quantize inside the model.
    const codebookSize = tokenizer?.quantizer?.codebookSize;
    const { results, failures } = await runEach(
      planned,
      (p) => p.input.path,
      async ({ input, output }): Promise<EncodedFile> => {
        if (modality.get(input.path) === 'audio') {
          const r = await encodeAudioInput(pool, spec, input.path, output);
          return { input: input.path, output, modality: 'audio', ...r };
        }
        if (modality.get(input.path) === 'video') {
          const r = await encodeVideoInput(pool, spec, options.audioTokenizer ?? 'default', input.path, output);
          return { input: input.path, output, modality: 'video', ...r };
        }
        const image = await readImage(input.path, { maxPixels: options.maxPixels });
        const tokens = await tokenizer!.encode(image);
        if (tokens.indices.length > TOKEN_COUNT_WARNING) {
          warnings.push(
            `${input.path}: ${image.width}×${image.height} made ${tokens.indices.length} tokens; downscale it first if that many was not meant`,
          );
        }
        const bytes = encodeTokenFile(tokenFileInput({ modality: 'image', tokens, codebookSize }, `mmtok ${VERSION}`));
        await ensureParentDir(output);
        await writeFileAtomic(output, bytes);
        return {
          input: input.path,
          output,
          modality: 'image',
          width: image.width,
          height: image.height,
          shape: [...tokens.shape],
          tokens: tokens.indices.length,
          bytes: bytes.length,
        };
      },
      { phase: 'encode', onProgress: options.onProgress },
    );
    const identity = (tokenizer ?? (modalities.has('video') ? await pool.getVideo(spec) : await pool.getAudio(spec)))
      .identity;
    return { tokenizer: { ...identity }, files: results, failures, warnings };
  } finally {
    await pool.dispose();
  }
}
