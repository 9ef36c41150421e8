/**
 * The video side of encode, decode, diagnose, train and info: the commands route an input here when
 * its extension is a video one (formats.ts). Frames stream through ffmpeg a group at a time; only
 * token indices (and, for diagnose, a few worst-frame stills) are ever held whole.
 */
import { copyFile, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join } from 'node:path';
import { encodeTokenFile, MmtokError, type TokenFile, type TokenFileHeader } from '@mmtok/core';
import { removeOnInterrupt, writeFileAtomic } from '@mmtok/core/node';
import {
  CodebookAccumulator,
  createReport,
  type ItemMedia,
  rateFigures,
  VideoMetricsAccumulator,
  videoReportItem,
} from '@mmtok/diagnostics';
import {
  AUDIO_TRACK,
  encodeVideoFileTokens,
  type FrameGroup,
  probeVideo,
  readFrames,
  type TokenizerPool,
  tokenFileInput,
  trainVideoTokenizer,
  type VideoInfo,
  type VideoTokenSet,
  writeVideo,
} from '@mmtok/video';
import { runEach } from '../batch.js';
import { usageError } from '../errors.js';
import { OUTPUT_VIDEO_EXTENSIONS } from '../formats.js';
import type { InputFile } from '../inputs.js';
import { ensureParentDir, withExtension } from '../outputs.js';
import { type ProgressCallback, trainerProgress } from '../progress.js';
import { writeReportFiles } from '../report-files.js';
import { VERSION } from '../version.js';
import { type AudioFacts, decodeAudioInput } from './audio.js';
import type { DiagnoseOutcome, DiagnoseRun } from './diagnose-run.js';

export interface VideoFacts {
  /** As tokenized (after any resize). */
  width: number;
  height: number;
  /** The constant rate the frames were tokenized at. */
  fps: number;
  frames: number;
  /** Seconds (frames / fps). */
  duration: number;
  /** The source had irregular frame timing; it was resampled to `fps`. */
  variableFrameRate: boolean;
  /** Frames were resampled to a constant rate (variable-rate source, or another rate asked). */
  resampled: boolean;
}

export interface AudioTrackFacts {
  tokenizer: string;
  shape: number[];
  tokens: number;
  duration: number;
}

function factsOf(source: VideoTokenSet['source']): VideoFacts {
  return {
    width: source.width,
    height: source.height,
    fps: source.fps,
    frames: source.frames,
    duration: source.duration,
    variableFrameRate: source.variableFrameRate === true,
    resampled: source.resampled === true,
  };
}

/**
 * Encodes one video file (frames streamed through ffmpeg) and, when it has sound and `audioSpec`
 * is not false, its audio track with an audio tokenizer, into one token file written atomically.
 */
export async function encodeVideoInput(
  pool: TokenizerPool,
  spec: string,
  audioSpec: string | false,
  path: string,
  output: string,
): Promise<{ shape: number[]; tokens: number; bytes: number; video: VideoFacts; audioTrack?: AudioTrackFacts }> {
  const encoded = await encodeVideoFileTokens(pool, spec, audioSpec, path);
  const { tokens, audio } = encoded;
  const bytes = encodeTokenFile(tokenFileInput(encoded, `mmtok ${VERSION}`));
  const audioTrack: AudioTrackFacts | undefined = audio && {
    tokenizer: audio.tokens.tokenizer.name,
    shape: [...audio.tokens.shape],
    tokens: audio.tokens.indices.length,
    duration: audio.tokens.source.duration,
  };
  await ensureParentDir(output);
  await writeFileAtomic(output, bytes);
  return {
    shape: [...tokens.shape],
    tokens: tokens.indices.length,
    bytes: bytes.length,
    video: factsOf(tokens.source),
    ...(audioTrack ? { audioTrack } : {}),
  };
}

/** A video token file's tokens, or MMTOK_TOKEN_FILE naming the missing source fact. */
function videoTokenSet(file: TokenFile, path: string): VideoTokenSet {
  const s = file.header.source;
  for (const key of ['width', 'height', 'frames'] as const) {
    if (!(Number.isInteger(s[key]) && (s[key] as number) > 0)) {
      throw new MmtokError('MMTOK_TOKEN_FILE', `${path}: header.source lacks the video ${key}`, { path });
    }
  }
  if (!(typeof s.fps === 'number' && s.fps > 0)) {
    throw new MmtokError('MMTOK_TOKEN_FILE', `${path}: header.source lacks the video fps`, { path });
  }
  return {
    modality: 'video',
    indices: file.indices,
    shape: [...file.header.shape],
    tokenizer: { ...file.header.tokenizer },
    source: {
      ...s,
      width: s.width as number,
      height: s.height as number,
      fps: s.fps,
      frames: s.frames as number,
      duration: (s.frames as number) / s.fps,
    },
  };
}

const PNG_PATTERN = /%0?\d*d\.png$/i;

/** Where a decoded video goes: a named .mp4/.webm or %05d.png pattern as given; into a folder as .mp4. */
export function videoOutputPath(output: string, named: boolean): string {
  const ext = extname(output).toLowerCase();
  if (OUTPUT_VIDEO_EXTENSIONS.includes(ext) || PNG_PATTERN.test(basename(output))) return output;
  if (named) {
    throw usageError(
      `cannot write a video as '${ext || basename(output)}'; name the output .mp4 (H.264), .webm (VP9) or frames/%05d.png (PNG sequence)`,
    );
  }
  return withExtension(output, '.mp4');
}

/**
 * Decodes a video token file into an mp4 / webm / PNG sequence (frames streamed into ffmpeg); an
 * audio track is decoded to a temporary WAV and muxed back. Atomic: nothing is left on failure.
 */
export async function decodeVideoInput(
  pool: TokenizerPool,
  file: TokenFile,
  path: string,
  output: string,
  o: { named: boolean; tokenizer?: string; audioTokenizer?: string },
): Promise<{
  output: string;
  video: VideoFacts;
  audio?: AudioFacts;
  tokenizer: { name: string; version: string; hash: string };
}> {
  const tokens = videoTokenSet(file, path);
  const out = videoOutputPath(output, o.named);
  const tokenizer = await pool.forVideoFile(file.header.tokenizer, path, o.tokenizer);
  const track = file.tracks.find((t) => t.header.name === AUDIO_TRACK && t.header.modality === 'audio');
  let tmp: string | undefined;
  let forgetTmp = () => {};
  try {
    let audio: AudioFacts | undefined;
    let audioPath: string | undefined;
    if (track) {
      tmp = await mkdtemp(join(tmpdir(), 'mmtok-video-'));
      forgetTmp = removeOnInterrupt(tmp);
      // decodeAudioInput reads header + indices: the track is an audio token file of its own.
      const asFile: TokenFile = {
        header: { ...track.header, createdBy: file.header.createdBy } as TokenFileHeader,
        indices: track.indices,
        tracks: [],
      };
      const r = await decodeAudioInput(pool, asFile, `${path} (audio track)`, join(tmp, 'audio.wav'), o.audioTokenizer);
      audio = r.audio;
      audioPath = r.output;
    }
    await ensureParentDir(out);
    // A PNG sequence cannot hold sound: the audio goes beside the frames as audio.wav instead.
    const sequence = PNG_PATTERN.test(basename(out));
    const mux = audioPath && !sequence ? { audio: audioPath } : {};
    await writeVideo(tokenizer.decode(tokens), out, { fps: tokens.source.fps, ...mux });
    if (audioPath && sequence) await copyFile(audioPath, join(dirname(out), 'audio.wav'));
    return {
      output: out,
      video: factsOf(tokens.source),
      ...(audio ? { audio } : {}),
      tokenizer: { ...tokenizer.identity },
    };
  } finally {
    if (tmp) await rm(tmp, { recursive: true, force: true });
    forgetTmp();
  }
}

/** Single frames of a group stream, in order. */
async function* framesOf(groups: AsyncIterable<FrameGroup>): AsyncGenerator<Uint8Array> {
  for await (const g of groups) yield* g.frames;
}

export interface DiagnosedVideoFile {
  input: string;
  width: number;
  height: number;
  fps: number;
  frames: number;
  /** Seconds. */
  duration: number;
  variableFrameRate: boolean;
  tokens: number;
  /** Means over frames (PSNR over frames with a finite value); null when undefined. */
  psnr: number | null;
  ssim: number | null;
  psnrMin: number | null;
  ssimMin: number | null;
  flicker: number | null;
  worstFrames: { frame: number; psnr: number | null; ssim?: number | null }[];
}

/** Worst frames whose stills go into the report (each as an original + reconstruction pair). */
const STILLS = 3;

async function stillUri(frame: Uint8Array, width: number, height: number): Promise<string> {
  const { encodeImage } = await import('@mmtok/image');
  // PNG keeps small frames exact; JPEG keeps large ones small.
  const png = width * height <= 256 * 256;
  const bytes = await encodeImage({ data: frame, width, height, channels: 3 }, png ? '.png' : '.jpg');
  return `data:image/${png ? 'png' : 'jpeg'};base64,${Buffer.from(bytes).toString('base64')}`;
}

/**
 * Encodes each video, then decodes its tokens while re-reading the original at the same rate and
 * size, frame by frame: per-frame PSNR/SSIM, temporal flicker, the worst frames (with stills),
 * codebook usage. Writes report.json + report.html (worst frames side by side).
 */
export async function diagnoseVideoFiles(
  pool: TokenizerPool,
  inputs: readonly InputFile[],
  options: DiagnoseRun,
): Promise<DiagnoseOutcome<DiagnosedVideoFile>> {
  const outDir = options.output;
  const tokenizer = await pool.getVideo(options.tokenizer ?? 'default');
  const q = tokenizer.quantizer;
  const levels = q?.numQuantizers ?? 1;
  const counts = q ? new CodebookAccumulator({ codebookSize: q.codebookSize, levels }) : undefined;
  const extras = new Map<string, { media: ItemMedia[]; item: ReturnType<typeof videoReportItem> }>();
  let positions = 0;
  let frames = 0;
  let seconds = 0;
  const { results, failures } = await runEach(
    inputs,
    (i) => i.path,
    async (input): Promise<DiagnosedVideoFile> => {
      const tokens = await tokenizer.encode(input.path);
      const { width, height, fps } = tokens.source;
      const acc = new VideoMetricsAccumulator({ dataRange: 255, worst: 5, ssim: width >= 11 && height >= 11 });
      // The STILLS worst frames so far (lowest SSIM, else PSNR), with copies of both frames.
      let stills: { frame: number; score: number; ref: Uint8Array; est: Uint8Array }[] = [];
      const refs = framesOf(readFrames(input.path, { fps, width, height }))[Symbol.asyncIterator]();
      const ests = framesOf(tokenizer.decode(tokens))[Symbol.asyncIterator]();
      const shape = [height, width, 3];
      for (;;) {
        const [a, b] = await Promise.all([refs.next(), ests.next()]);
        if (a.done || b.done) {
          if (a.done !== b.done) {
            throw new MmtokError(
              'MMTOK_MISMATCH',
              `${input.path}: the decoded video has ${a.done ? 'more' : 'fewer'} frames than the original read at ${fps} fps`,
              { path: input.path },
            );
          }
          break;
        }
        const r = acc.add({ data: a.value, shape }, { data: b.value, shape });
        const score = r.ssim ?? r.psnr;
        if (stills.length < STILLS || score < stills[stills.length - 1].score) {
          stills.push({ frame: r.frame, score, ref: a.value.slice(), est: b.value.slice() });
          stills = stills.sort((x, y) => x.score - y.score).slice(0, STILLS);
        }
      }
      const metrics = acc.result();
      const item = videoReportItem(metrics, { fps });
      const media: ItemMedia[] = [];
      for (const w of metrics.worstFrames) {
        const s = stills.find((x) => x.frame === w.frame);
        if (!s) continue;
        media.push(
          {
            label: `original · frame ${s.frame}`,
            mime: 'image/png',
            src: await stillUri(s.ref, width, height),
            frame: s.frame,
          },
          {
            label: `reconstruction · frame ${s.frame}`,
            mime: 'image/png',
            src: await stillUri(s.est, width, height),
            frame: s.frame,
          },
        );
      }
      for (const m of media) m.mime = m.src.slice(5, m.src.indexOf(';'));
      const L = tokens.shape[tokens.shape.length - 1];
      const rows = tokens.indices.length / L;
      // Count codes only once the item has fully succeeded, so failures do not skew usage.
      counts?.update({ data: tokens.indices, shape: L === 1 ? [rows] : [rows, L] });
      extras.set(input.path, { media, item });
      positions += rows;
      frames += metrics.frames;
      seconds += metrics.frames / fps;
      return {
        input: input.path,
        width,
        height,
        fps,
        frames: metrics.frames,
        duration: metrics.frames / fps,
        variableFrameRate: tokens.source.variableFrameRate === true,
        tokens: tokens.indices.length,
        psnr: item.values.psnr ?? null,
        ssim: item.values.ssim ?? null,
        psnrMin: item.values.psnrMin ?? null,
        ssimMin: item.values.ssimMin ?? null,
        flicker: item.values.flicker ?? null,
        worstFrames: item.video.worstFrames,
      };
    },
    { phase: 'diagnose', onProgress: options.onProgress },
  );
  if (results.length === 0) return { files: [], failures };
  const frameRate = frames / seconds;
  const report = createReport({
    tokenizer: {
      ...tokenizer.identity,
      modality: 'video',
      ...(q ? { quantizer: { type: q.config.type, codebookSize: q.codebookSize, levels } } : {}),
    },
    data: {
      items: results.length,
      tokens: results.reduce((a, r) => a + r.tokens, 0),
      durationSeconds: seconds,
      frameRate,
    },
    ...(q
      ? { rate: rateFigures({ codebookSize: q.codebookSize, levels, tokensPerFrame: positions / frames, frameRate }) }
      : {}),
    ...(counts ? { codebook: counts.stats() } : {}),
    items: results.map((r) => {
      const e = extras.get(r.input)!;
      return { id: r.input, values: e.item.values, video: e.item.video, media: e.media };
    }),
    primaryMetric: 'psnr',
  });
  const { reportPath, htmlPath } = await writeReportFiles(outDir, report, options.title);
  return { report, reportPath, htmlPath, files: results, failures };
}

export interface TrainVideoCliOptions {
  inputs: readonly InputFile[];
  output: string;
  name: string;
  patchSize?: number;
  dims?: number;
  quantizer?: 'rvq' | 'fsq' | 'lfq';
  levels?: readonly number[];
  codebookSize?: number;
  seed?: number;
  backend?: string;
  onProgress?: ProgressCallback;
}

/** Fits the built-in tubelet video tokenizer (PCA + quantizer) on video files. */
export async function trainVideo(
  o: TrainVideoCliOptions,
): Promise<{ manifestPath: string; tubelets: number; explainedVariance: number }> {
  const kind = o.quantizer ?? 'rvq';
  if (kind === 'rvq' && o.levels && o.levels.length !== 1) {
    throw usageError('--levels for rvq is one number: the residual depth, e.g. --levels 4');
  }
  if (kind !== 'rvq' && o.codebookSize !== undefined) throw usageError(`--codebook-size applies to rvq, not ${kind}`);
  if (kind === 'lfq' && o.levels) throw usageError('lfq takes --dims (the number of bits), not --levels');
  // The trainer creates the output folder first: on failure, remove it if it was not there before.
  const existed = await stat(o.output).then(
    () => true,
    () => false,
  );
  const r = await trainVideoTokenizer(
    o.inputs.map((i) => i.path),
    {
      outDir: o.output,
      name: o.name,
      patchSize: o.patchSize,
      quantizer: kind,
      ...(kind === 'rvq' ? { dim: o.dims, numQuantizers: o.levels?.[0], codebookSize: o.codebookSize } : {}),
      ...(kind === 'fsq' && o.levels ? { fsqLevels: [...o.levels] } : {}),
      ...(kind === 'lfq' ? { lfqBits: o.dims } : {}),
      seed: o.seed,
      backend: o.backend,
      onProgress: trainerProgress(o.onProgress, o.inputs.length),
    },
  ).catch(async (e: unknown) => {
    if (!existed) await rm(o.output, { recursive: true, force: true });
    throw e;
  });
  return { manifestPath: r.manifestPath, tubelets: r.tubelets ?? 0, explainedVariance: r.explainedVariance ?? 0 };
}

/** What `info` says about a video file. */
export async function describeVideoFile(path: string): Promise<VideoInfo> {
  return probeVideo(path);
}
