import { extname } from 'node:path';
import type { TokenizerIdentity } from '@mmtok/core';
import { readTokenFile } from '@mmtok/core/node';
import { writeImage } from '@mmtok/image';
import { TokenizerPool } from '@mmtok/video';
import { type FileFailure, runEach } from '../batch.js';
import { usageError } from '../errors.js';
import {
  AUDIO_EXTENSIONS,
  IMAGE_EXTENSIONS,
  OUTPUT_IMAGE_FORMATS,
  OUTPUT_VIDEO_EXTENSIONS,
  type OutputImageFormat,
  TOKEN_EXTENSIONS,
} from '../formats.js';
import { expandInputs } from '../inputs.js';
import { ensureParentDir, planOutputs } from '../outputs.js';
import type { ProgressCallback } from '../progress.js';
import { tokenFileToSet } from '../token-sets.js';
import { type AudioFacts, decodeAudioInput } from './audio.js';
import { decodeVideoInput, type VideoFacts } from './video.js';

export interface DecodeFilesOptions {
  /** `.mmtok` files, folders (searched recursively) or globs. */
  inputs: readonly string[];
  /** An image file for one input (format from its extension), or a folder receiving `<name>.<format>` per input. */
  output: string;
  /**
   * Tokenizer to decode with; it must be the one that made each file. Default: the built-in whose
   * name the file records.
   */
  tokenizer?: string;
  /** Video: the tokenizer of the audio track (default: the built-in with the track's hash). */
  audioTokenizer?: string;
  backend?: string;
  /** With an explicit hf:… tokenizer: the dtype of its ONNX files (otherwise the one the file records). */
  dtype?: string;
  /** Image format written into an output folder. Default 'png'. */
  format?: OutputImageFormat;
  onProgress?: ProgressCallback;
}

export interface DecodedFile {
  input: string;
  output: string;
  modality: 'image' | 'audio' | 'video';
  /** Images only. */
  width?: number;
  height?: number;
  /** Audio, and video with a sound track. */
  audio?: AudioFacts;
  /** Video only. */
  video?: VideoFacts;
  tokenizer: TokenizerIdentity;
}

export interface DecodeFilesResult {
  files: DecodedFile[];
  /** Inputs that could not be decoded (corrupt, truncated, foreign…); nothing was written for them. */
  failures: FileFailure[];
}

/** Decodes `.mmtok` token files back into images, at the size of the original. */
export async function decodeFiles(options: DecodeFilesOptions): Promise<DecodeFilesResult> {
  const format = options.format ?? 'png';
  if (!OUTPUT_IMAGE_FORMATS.includes(format)) {
    throw usageError(`unknown image format '${format}'; use one of ${OUTPUT_IMAGE_FORMATS.join(', ')}`);
  }
  const inputs = await expandInputs(options.inputs, { extensions: TOKEN_EXTENSIONS, what: 'token files (.mmtok)' });
  const planned = await planOutputs(inputs, options.output, `.${format}`);
  // A single output file takes its format from its extension: refuse an unwritable one before any work.
  const ext = extname(planned[0].output).toLowerCase();
  if (
    planned.length === 1 &&
    !inputs[0].expanded &&
    !IMAGE_EXTENSIONS.includes(ext) &&
    !AUDIO_EXTENSIONS.includes(ext) &&
    !OUTPUT_VIDEO_EXTENSIONS.includes(ext)
  ) {
    const out = planned[0].output;
    throw usageError(
      ext
        ? `cannot write '${ext}' files; name the output with one of ${[...IMAGE_EXTENSIONS, ...AUDIO_EXTENSIONS, ...OUTPUT_VIDEO_EXTENSIONS].join(' ')}`
        : `${out} has no image extension; name it like ${out}.png, or end it with / to write into a folder`,
    );
  }
  // Only a single output the user named keeps its name as is; planned folder outputs take the modality's format.
  const named = planned.length === 1 && !inputs[0].expanded && planned[0].output === options.output;
  const pool = new TokenizerPool({ backend: options.backend, dtype: options.dtype });
  try {
    const { results, failures } = await runEach(
      planned,
      (p) => p.input.path,
      async ({ input, output }): Promise<DecodedFile> => {
        const file = await readTokenFile(input.path);
        if (file.header.modality === 'audio') {
          // Into a folder, audio is written as .wav (the image --format does not apply).
          const r = await decodeAudioInput(pool, file, input.path, output, options.tokenizer);
          return { input: input.path, modality: 'audio', ...r };
        }
        if (file.header.modality === 'video') {
          const r = await decodeVideoInput(pool, file, input.path, output, {
            named,
            tokenizer: options.tokenizer,
            audioTokenizer: options.audioTokenizer,
          });
          return { input: input.path, modality: 'video', width: r.video.width, height: r.video.height, ...r };
        }
        const tokens = tokenFileToSet(file, input.path);
        const tokenizer = await pool.forFile(file.header.tokenizer, input.path, options.tokenizer);
        const image = await tokenizer.decode(tokens);
        await ensureParentDir(output);
        await writeImage(image, output);
        return {
          input: input.path,
          output,
          modality: 'image',
          width: image.width,
          height: image.height,
          tokenizer: { ...tokenizer.identity },
        };
      },
      { phase: 'decode', onProgress: options.onProgress },
    );
    return { files: results, failures };
  } finally {
    await pool.dispose();
  }
}
