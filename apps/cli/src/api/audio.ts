/**
 * The audio side of encode, decode, diagnose and train: the commands route an input here when its
 * extension is an audio one (formats.ts). Audio is read and written in chunks (bounded memory).
 */
import { extname } from 'node:path';
import type { AudioStreamInfo } from '@mmtok/audio';
import { encodeTokenFile, MmtokError, type TokenFile } from '@mmtok/core';
import { writeFileAtomic } from '@mmtok/core/node';
import {
  CodebookAccumulator,
  createReport,
  type ItemMedia,
  logMelDistance,
  multiResolutionStftDistance,
  rateFigures,
  siSdr,
  snr,
} from '@mmtok/diagnostics';
import { type TokenizerPool, tokenFileInput } from '@mmtok/video';
import { runEach } from '../batch.js';
import { AUDIO_EXTENSIONS } from '../formats.js';
import type { InputFile } from '../inputs.js';
import { ensureParentDir, withExtension } from '../outputs.js';
import { type ProgressCallback, trainerProgress } from '../progress.js';
import { writeReportFiles } from '../report-files.js';
import { VERSION } from '../version.js';
import type { DiagnoseOutcome, DiagnoseRun } from './diagnose-run.js';

const audio = () => import('@mmtok/audio');

export interface AudioFacts {
  sampleRate: number;
  channels: number;
  samples: number;
  /** Seconds. */
  duration: number;
}

/** Encodes one audio file in chunks and writes its token file atomically. */
export async function encodeAudioInput(
  pool: TokenizerPool,
  spec: string,
  path: string,
  output: string,
): Promise<{ shape: number[]; tokens: number; bytes: number; audio: AudioFacts }> {
  const { encodeAudioFile } = await audio();
  const tokenizer = await pool.getAudio(spec);
  const tokens = await encodeAudioFile(tokenizer, path);
  const { sampleRate, channels, samples, duration } = tokens.source;
  const bytes = encodeTokenFile(
    tokenFileInput(
      { modality: 'audio', tokens, frameRate: tokenizer.frameRate, codebookSize: tokenizer.codebookSize },
      `mmtok ${VERSION}`,
    ),
  );
  await ensureParentDir(output);
  await writeFileAtomic(output, bytes);
  return {
    shape: [...tokens.shape],
    tokens: tokens.indices.length,
    bytes: bytes.length,
    audio: { sampleRate, channels, samples, duration },
  };
}

/** Decodes an audio token file into an audio file (wav unless the output names another audio format). */
export async function decodeAudioInput(
  pool: TokenizerPool,
  file: TokenFile,
  path: string,
  output: string,
  explicit?: string,
): Promise<{ output: string; audio: AudioFacts; tokenizer: { name: string; version: string; hash: string } }> {
  const { decodeAudioFile } = await audio();
  const { header } = file;
  const samples = Number(header.source.samples);
  if (!(Number.isInteger(samples) && samples > 0)) {
    throw new MmtokError('MMTOK_TOKEN_FILE', `${path}: header.source lacks the audio sample count (samples)`, { path });
  }
  const tokenizer = await pool.forAudioFile(header.tokenizer, path, explicit);
  const out = AUDIO_EXTENSIONS.includes(extname(output).toLowerCase()) ? output : withExtension(output, '.wav');
  await ensureParentDir(out);
  const tokens = {
    modality: 'audio' as const,
    indices: file.indices,
    shape: [...header.shape],
    tokenizer: { ...header.tokenizer },
    source: {
      ...header.source,
      samples,
      sampleRate: tokenizer.sampleRate,
      channels: tokenizer.channels,
      duration: samples / tokenizer.sampleRate,
    },
  };
  const r = await decodeAudioFile(tokenizer, tokens, out);
  return {
    output: out,
    audio: { sampleRate: r.sampleRate, channels: r.channels, samples: r.samples, duration: r.samples / r.sampleRate },
    tokenizer: { ...tokenizer.identity },
  };
}

export interface DiagnosedAudioFile {
  input: string;
  sampleRate: number;
  channels: number;
  /** Seconds. */
  duration: number;
  tokens: number;
  snr: number | null;
  siSdr: number | null;
  logMelDistance: number | null;
  multiResolutionStftDistance: number | null;
}

/** Reconstruction metrics of a tokenizer without a decoder. */
const NOT_MEASURED = { snr: null, siSdr: null, logMelDistance: null, multiResolutionStftDistance: null };

const finite = (v: number) => (Number.isFinite(v) ? v : null);

/** A metric that may be undefined for this clip (silent reference, too short for the window) → null. */
function tryMetric(f: () => number): number | null {
  try {
    return finite(f());
  } catch {
    return null;
  }
}

/** Seconds of each clip embedded as players in report.html. */
const EXCERPT_SECONDS = 10;

async function wavDataUri(data: Float32Array, channels: number, length: number, sampleRate: number): Promise<string> {
  const { encodeWav } = await audio();
  const n = Math.min(length, EXCERPT_SECONDS * sampleRate);
  const excerpt = new Float32Array(channels * n);
  for (let c = 0; c < channels; c++) excerpt.set(data.subarray(c * length, c * length + n), c * n);
  const bytes = encodeWav({ data: excerpt, channels, sampleRate, length: n }, 'pcm16');
  return `data:audio/wav;base64,${Buffer.from(bytes).toString('base64')}`;
}

/**
 * Encodes and decodes each audio file, measures SNR, SI-SDR, log-mel and multi-resolution STFT
 * distance, counts codebook usage per RVQ level, and writes report.json + report.html with players
 * for the first 10 s of original and reconstruction.
 */
export async function diagnoseAudioFiles(
  pool: TokenizerPool,
  inputs: readonly InputFile[],
  options: DiagnoseRun,
): Promise<DiagnoseOutcome<DiagnosedAudioFile>> {
  const { readAudio } = await audio();
  const outDir = options.output;
  const tokenizer = await pool.getAudio(options.tokenizer ?? 'default');
  const q = tokenizer.quantizer;
  const levels = tokenizer.levels;
  const K = tokenizer.codebookSize;
  const counts = K !== undefined ? new CodebookAccumulator({ codebookSize: K, levels }) : undefined;
  const media = new Map<string, ItemMedia[]>();
  // Semantic (encoder-only) tokenizers have no decoder: codebook health only, no reconstruction metrics.
  const decodes = tokenizer.manifest.decoder !== undefined;
  let seconds = 0;
  const { results, failures } = await runEach(
    inputs,
    (i) => i.path,
    async (input): Promise<DiagnosedAudioFile> => {
      const ref = await readAudio(input.path, { sampleRate: tokenizer.sampleRate, channels: tokenizer.channels });
      const tokens = await tokenizer.encode(ref);
      const back = decodes ? await tokenizer.decode(tokens) : undefined;
      const sr = tokenizer.sampleRate;
      const row = back
        ? {
            snr: tryMetric(() => snr(ref.data, back.data)),
            siSdr: tryMetric(() => siSdr(ref.data, back.data)),
            logMelDistance: tryMetric(() =>
              logMelDistance(ref.data, back.data, { sampleRate: sr, windowLength: 1024 }),
            ),
            multiResolutionStftDistance: tryMetric(() =>
              multiResolutionStftDistance(ref.data, back.data, { sampleRate: sr }),
            ),
          }
        : NOT_MEASURED;
      const [L, T] = tokens.shape;
      if (counts) {
        const rows = new Int32Array(T * L);
        for (let l = 0; l < L; l++) for (let t = 0; t < T; t++) rows[t * L + l] = tokens.indices[l * T + t];
        counts.update({ data: rows, shape: L === 1 ? [T] : [T, L] });
      }
      media.set(input.path, [
        { label: 'original', mime: 'audio/wav', src: await wavDataUri(ref.data, ref.channels, ref.length, sr) },
        ...(back
          ? [
              {
                label: 'reconstruction',
                mime: 'audio/wav',
                src: await wavDataUri(back.data, back.channels, back.length, sr),
              },
            ]
          : []),
      ]);
      seconds += ref.length / sr;
      return {
        input: input.path,
        sampleRate: sr,
        channels: ref.channels,
        duration: ref.length / sr,
        tokens: tokens.indices.length,
        ...row,
      };
    },
    { phase: 'diagnose', onProgress: options.onProgress },
  );
  if (results.length === 0) return { files: [], failures };
  const report = createReport({
    tokenizer: {
      ...tokenizer.identity,
      modality: 'audio',
      ...(K !== undefined ? { quantizer: { type: q?.config.type ?? 'codes', codebookSize: K, levels } } : {}),
    },
    data: {
      items: results.length,
      tokens: results.reduce((a, r) => a + r.tokens, 0),
      durationSeconds: seconds,
      sampleRate: tokenizer.sampleRate,
      frameRate: tokenizer.frameRate,
    },
    ...(K !== undefined ? { rate: rateFigures({ codebookSize: K, levels, frameRate: tokenizer.frameRate }) } : {}),
    ...(counts ? { codebook: counts.stats() } : {}),
    items: results.map((r): { id: string; values: Record<string, number | null>; media?: ItemMedia[] } => ({
      id: r.input,
      values: decodes
        ? {
            snr: r.snr,
            siSdr: r.siSdr,
            logMelDistance: r.logMelDistance,
            multiResolutionStftDistance: r.multiResolutionStftDistance,
          }
        : {},
      media: media.get(r.input),
    })),
    ...(decodes ? { primaryMetric: 'siSdr' } : {}),
  });
  const { reportPath, htmlPath } = await writeReportFiles(outDir, report, options.title);
  return { report, reportPath, htmlPath, files: results, failures };
}

export interface TrainAudioCliOptions {
  inputs: readonly InputFile[];
  output: string;
  name: string;
  dims?: number;
  levels?: readonly number[];
  codebookSize?: number;
  hopLength?: number;
  sampleRate?: number;
  seed?: number;
  backend?: string;
  onProgress?: ProgressCallback;
}

/** Fits the built-in linear-frame audio codec on audio files. */
export async function trainAudio(o: TrainAudioCliOptions) {
  const { trainAudioTokenizer } = await audio();
  if (o.levels && o.levels.length !== 1) {
    throw new MmtokError('MMTOK_USAGE', '--levels for audio (rvq) is one number: the residual depth, e.g. --levels 8');
  }
  const r = await trainAudioTokenizer(
    o.inputs.map((i) => i.path),
    {
      outDir: o.output,
      name: o.name,
      dim: o.dims,
      numQuantizers: o.levels?.[0],
      codebookSize: o.codebookSize,
      hopLength: o.hopLength,
      sampleRate: o.sampleRate,
      seed: o.seed,
      backend: o.backend,
      onProgress: trainerProgress(o.onProgress, o.inputs.length),
    },
  );
  return {
    manifestPath: r.manifestPath,
    frames: r.frames,
    explainedVariance: r.explainedVariance,
    frameRate: r.frameRate,
    bitrate: r.bitrate,
  };
}

/** An audio file's first stream as ffmpeg sees it (what encode would read). */
export async function describeAudioFile(path: string): Promise<AudioStreamInfo> {
  const { probeAudio } = await audio();
  return probeAudio(path);
}
