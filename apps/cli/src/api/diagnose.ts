import { basename, extname, join, relative, resolve } from 'node:path';
import type { AnyQuantizer } from '@mmtok/core';
import { CodebookAccumulator, type CodeStructure, createReport, psnr, rateFigures, ssim } from '@mmtok/diagnostics';
import { type RgbImage, readImage, SemanticImageTokenizer, writeImage } from '@mmtok/image';
import { TokenizerPool } from '@mmtok/video';
import { runEach } from '../batch.js';
import { usageError } from '../errors.js';
import { AUDIO_EXTENSIONS, IMAGE_EXTENSIONS, VIDEO_EXTENSIONS } from '../formats.js';
import { expandInputs } from '../inputs.js';
import { inputModalities } from '../modality.js';
import { assertWritableDir, ensureParentDir } from '../outputs.js';
import type { ProgressCallback } from '../progress.js';
import { writeReportFiles } from '../report-files.js';
import { type DiagnosedAudioFile, diagnoseAudioFiles } from './audio.js';
import type { DiagnoseOutcome } from './diagnose-run.js';
import { type DiagnosedVideoFile, diagnoseVideoFiles } from './video.js';

export interface DiagnoseFilesOptions {
  /** Image files, folders (searched recursively) or globs. */
  inputs: readonly string[];
  /** Folder receiving report.json and report.html. Default 'mmtok-report'. */
  output?: string;
  tokenizer?: string;
  backend?: string;
  /** Title of the HTML page. */
  title?: string;
  onProgress?: ProgressCallback;
}

export interface DiagnosedFile {
  input: string;
  width: number;
  height: number;
  tokens: number;
  /** dB; null when the reconstruction is exact. */
  psnr: number | null;
  /** null for images smaller than SSIM's 11×11 window. */
  ssim: number | null;
}

/** `files` holds DiagnosedAudioFile / DiagnosedVideoFile entries when the inputs are audio / video. */
export type DiagnoseFilesResult = DiagnoseOutcome<DiagnosedFile | DiagnosedAudioFile | DiagnosedVideoFile>;

function finite(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

/** SSIM needs an 11×11 window; smaller images get no value rather than failing. */
function ssimOrNull(a: RgbImage, b: RgbImage): number | null {
  if (a.width < 11 || a.height < 11) return null;
  const shape = [a.height, a.width, 3];
  return finite(ssim({ data: a.data, shape }, { data: b.data, shape }));
}

/** Per-dimension structure of FSQ/LFQ codes, so the report can show level and bit balance. */
function structureOf(q: AnyQuantizer): CodeStructure | undefined {
  const c = q.config;
  if (c.type === 'fsq' || c.type === 'residual-fsq') return { type: 'fsq', levels: c.levels };
  if (c.type === 'lfq' || c.type === 'residual-lfq') return { type: 'lfq', bits: c.dim };
  return undefined;
}

const IMAGE_MIME: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.gif': 'image/gif',
};

function mimeOf(path: string): string {
  return IMAGE_MIME[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Encodes and decodes each image, measures PSNR/SSIM against the original and codebook usage over
 * all tokens, and writes report.json (the diagnostics schema), report.html and the reconstructions
 * (media/*.png, listed as each item's media next to the original's path) into `output`.
 */
export async function diagnoseFiles(options: DiagnoseFilesOptions): Promise<DiagnoseFilesResult> {
  const outDir = options.output ?? 'mmtok-report';
  const inputs = await expandInputs(options.inputs, {
    extensions: [...IMAGE_EXTENSIONS, ...AUDIO_EXTENSIONS, ...VIDEO_EXTENSIONS],
    what: 'images, audio or video',
  });
  const modalities = new Set((await inputModalities(inputs.map((i) => i.path))).values());
  if (modalities.size > 1) {
    throw usageError('diagnose takes one modality per report: give image, audio or video files, not a mix');
  }
  const audioInputs = modalities.has('audio') ? inputs : [];
  await assertWritableDir(outDir);
  const pool = new TokenizerPool({ backend: options.backend });
  try {
    if (audioInputs.length > 0) return await diagnoseAudioFiles(pool, audioInputs, { ...options, output: outDir });
    if (modalities.has('video')) return await diagnoseVideoFiles(pool, inputs, { ...options, output: outDir });
    const tokenizer = await pool.get(options.tokenizer ?? 'default');
    // Semantic (encoder-only) tokenizers have no decoder: codebook health only, no PSNR/SSIM.
    const decodes = !(tokenizer instanceof SemanticImageTokenizer);
    // Without a quantizer (an ONNX encoder that emits codes) the codebook size is unknown: no usage stats.
    const q = tokenizer.quantizer;
    const levels = q?.numQuantizers ?? 1;
    const structure = q && structureOf(q);
    const counts =
      q && new CodebookAccumulator({ codebookSize: q.codebookSize, levels, ...(structure ? { structure } : {}) });
    let positions = 0;
    let pixels = 0;
    let written = 0;
    const media = new Map<string, { label: string; mime: string; src: string }[]>();
    const { results, failures } = await runEach(
      inputs,
      (i) => i.path,
      async (input): Promise<DiagnosedFile> => {
        const image = await readImage(input.path);
        const tokens = await tokenizer.encode(image);
        const original = {
          label: 'original',
          mime: mimeOf(input.path),
          src: relative(resolve(outDir), resolve(input.path)),
        };
        media.set(input.path, [original]);
        let scores: { psnr: number | null; ssim: number | null } = { psnr: null, ssim: null };
        if (decodes) {
          const back = await tokenizer.decode(tokens);
          // The reconstruction goes beside the report, so viewers (mmtok dashboard) can show both.
          const reconstruction = join('media', `${++written}-${basename(input.path, extname(input.path))}.png`);
          await ensureParentDir(join(outDir, reconstruction));
          await writeImage(back, join(outDir, reconstruction));
          media.set(input.path, [original, { label: 'reconstruction', mime: 'image/png', src: reconstruction }]);
          scores = { psnr: finite(psnr(image.data, back.data)), ssim: ssimOrNull(image, back) };
        }
        const rows = tokens.indices.length / levels;
        // Count codes only once the item has fully succeeded, so failures do not skew usage.
        counts?.update({ data: tokens.indices, shape: levels === 1 ? [rows] : [rows, levels] });
        positions += rows;
        pixels += image.width * image.height;
        return {
          input: input.path,
          width: image.width,
          height: image.height,
          tokens: tokens.indices.length,
          ...scores,
        };
      },
      { phase: 'diagnose', onProgress: options.onProgress },
    );
    if (results.length === 0) return { files: [], failures };

    const n = results.length;
    const report = createReport({
      tokenizer: {
        ...tokenizer.identity,
        modality: 'image',
        ...(q ? { quantizer: { type: q.config.type, codebookSize: q.codebookSize, levels } } : {}),
      },
      data: { items: n, tokens: results.reduce((a, r) => a + r.tokens, 0) },
      // Mean positions and pixels per image: inputs may differ in size.
      ...(q
        ? {
            rate: rateFigures({
              codebookSize: q.codebookSize,
              levels,
              positionsPerImage: positions / n,
              pixelsPerImage: pixels / n,
            }),
          }
        : {}),
      ...(counts ? { codebook: counts.stats() } : {}),
      items: results.map((r) => ({
        id: r.input,
        values: decodes ? { psnr: r.psnr, ssim: r.ssim } : ({} as Record<string, number | null>),
        media: media.get(r.input) ?? [],
      })),
      ...(decodes ? { primaryMetric: 'psnr' } : {}),
    });
    const { reportPath, htmlPath } = await writeReportFiles(outDir, report, options.title);
    return { report, reportPath, htmlPath, files: results, failures };
  } finally {
    await pool.dispose();
  }
}
