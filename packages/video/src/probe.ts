import { existsSync, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ffmpegReason, resolveFfmpeg, runFfmpeg } from '@mmtok/audio';
import { MmtokError } from '@mmtok/core';
import type { VideoInfo } from './types.js';

/** A directory is read as the PNG sequence writeVideo makes (00000.png, 00001.png, ...). */
export function ffmpegInputPath(path: string): string {
  try {
    if (statSync(path).isDirectory()) return join(path, '%05d.png');
  } catch {
    // not a directory (or a pattern): ffmpeg takes it as is
  }
  return path;
}

/** Frames vfrdet looks at: enough to catch irregular timing, bounded for long files. */
const VFR_PROBE_FRAMES = 600;

/** Classifies an ffmpeg failure on a video input into a stable error. */
export function videoInputError(what: string, stderr: string): MmtokError {
  if (/no such file or directory/i.test(stderr)) {
    return new MmtokError('MMTOK_IO', `${what}: no such file`, { path: what });
  }
  if (/Stream #\d+:\d+[^\n]*Audio:/.test(stderr) && !/Stream #\d+:\d+[^\n]*Video:/.test(stderr)) {
    return noStream(what);
  }
  return new MmtokError(
    'MMTOK_VIDEO_DECODE',
    `${what}: ffmpeg could not decode it as video (${ffmpegReason(stderr)}); is the file complete and a video?`,
    { path: what },
  );
}

function noStream(what: string): MmtokError {
  return new MmtokError(
    'MMTOK_VIDEO_NO_STREAM',
    `${what} has no video stream (audio-only?); tokenize it with an audio tokenizer instead`,
    { path: what },
  );
}

export function emptyVideo(what: string): MmtokError {
  return new MmtokError('MMTOK_EMPTY', `${what} holds no video frames (zero length)`, { path: what });
}

function seconds(h: string, m: string, s: string): number {
  return Number(h) * 3600 + Number(m) * 60 + Number(s);
}

/** The first video stream of `ffmpeg -i` output; undefined when there is none. */
export function parseVideoProbe(stderr: string): Omit<VideoInfo, 'frames' | 'variableFrameRate'> | undefined {
  const line = /Stream #\d+:\d+[^\n]*?: Video: ([^\n]+)/.exec(stderr);
  if (!line) return undefined;
  const rest = line[1];
  const size = /(?:^|[ ,])(\d{1,5})x(\d{1,5})(?=[ ,[]|$)/.exec(rest);
  if (!size) return undefined;
  const fps = /([\d.]+)(k?) fps/.exec(rest) ?? /([\d.]+)(k?) tbr/.exec(rest);
  const d = /Duration: (\d+):(\d+):(\d+(?:\.\d+)?)/.exec(stderr);
  return {
    codec: rest.split(/[ ,]/)[0],
    width: Number(size[1]),
    height: Number(size[2]),
    fps: fps ? Number(fps[1]) * (fps[2] ? 1000 : 1) : 0,
    duration: d ? seconds(d[1], d[2], d[3]) : 0,
    hasAudio: /Stream #\d+:\d+[^\n]*?: Audio:/.test(stderr),
  };
}

/** A crop our own mp4 writer recorded (H.264 needs even sizes, see write.ts). */
export function parseCropTag(stderr: string): { width: number; height: number } | undefined {
  const m = /comment\s*:\s*mmtok-size=(\d+)x(\d+)/.exec(stderr);
  return m ? { width: Number(m[1]), height: Number(m[2]) } : undefined;
}

/** ffprobe beside the resolved ffmpeg, when there is one (more exact frame counts for long files). */
function ffprobeBeside(ffmpeg: string): string | undefined {
  const p = join(dirname(ffmpeg), process.platform === 'win32' ? 'ffprobe.exe' : 'ffprobe');
  return existsSync(p) ? p : undefined;
}

/**
 * Which kinds of streams a media file holds, from one `ffmpeg -i` header read (nothing decoded);
 * undefined when ffmpeg cannot read the file at all.
 */
export async function probeStreams(path: string): Promise<{ video: boolean; audio: boolean } | undefined> {
  const head = await runFfmpeg(['-i', ffmpegInputPath(path)]);
  if (!/Stream #\d+:\d+/.test(head.stderr)) return undefined;
  return {
    video: /Stream #\d+:\d+[^\n]*?: Video:/.test(head.stderr),
    audio: /Stream #\d+:\d+[^\n]*?: Audio:/.test(head.stderr),
  };
}

/**
 * Probes a file's first video stream with `ffmpeg -i` (no ffprobe needed), then decodes at most
 * VFR_PROBE_FRAMES frames through `vfrdet` to detect variable frame rate and, for short files,
 * count frames exactly. MMTOK_VIDEO_NO_STREAM for audio-only files, MMTOK_VIDEO_DECODE for
 * corrupt ones, MMTOK_EMPTY when the stream has no frames.
 */
export async function probeVideo(path: string): Promise<VideoInfo> {
  if (!path.includes('%')) {
    try {
      await stat(path);
    } catch {
      throw new MmtokError('MMTOK_IO', `${path}: no such file`, { path });
    }
  }
  path = ffmpegInputPath(path);
  const head = await runFfmpeg(['-i', path]);
  const info = parseVideoProbe(head.stderr);
  if (!info) {
    if (/Stream #\d+:\d+/.test(head.stderr) && !/Invalid data found/i.test(head.stderr)) throw noStream(path);
    if (/Duration: /.test(head.stderr) && !/Invalid data|error/i.test(head.stderr)) throw emptyVideo(path);
    throw videoInputError(path, head.stderr);
  }
  const crop = parseCropTag(head.stderr);
  if (crop) Object.assign(info, crop);
  const scan = await runFfmpeg([
    '-i',
    path,
    '-map',
    '0:v:0',
    '-an',
    '-frames:v',
    String(VFR_PROBE_FRAMES),
    '-vf',
    'vfrdet',
    '-f',
    'null',
    '-',
  ]);
  if (scan.code !== 0) throw videoInputError(path, scan.stderr);
  const counted = [...scan.stderr.matchAll(/frame=\s*(\d+)/g)].map((m) => Number(m[1]));
  const n = counted.length ? counted[counted.length - 1] : 0;
  if (n === 0) throw emptyVideo(path);
  const vfr = /VFR:([\d.]+)/.exec(scan.stderr);
  const variableFrameRate = vfr ? Number(vfr[1]) > 0 : false;
  // All frames seen when fewer than the cap decoded: the count is exact.
  let frames: number | null = n < VFR_PROBE_FRAMES ? n : null;
  if (frames === null) frames = await ffprobeFrames(path);
  let fps = info.fps;
  if (variableFrameRate && frames !== null && info.duration > 0) fps = frames / info.duration;
  if (!(fps > 0)) fps = 25;
  return { ...info, fps: Number(fps.toFixed(6)), frames, variableFrameRate };
}

/** nb_frames from the container (cheap; not every container has it). */
async function ffprobeFrames(path: string): Promise<number | null> {
  const probe = ffprobeBeside(resolveFfmpeg().path);
  if (!probe) return null;
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync(
    probe,
    ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=nb_frames', '-of', 'csv=p=0', path],
    { encoding: 'utf8' },
  );
  const v = Number.parseInt(r.stdout ?? '', 10);
  return r.status === 0 && v > 0 ? v : null;
}

/**
 * What a video container is tokenized as: audio when it holds sound but no picture (a talk saved as
 * .mp4, a .webm voice note), else video — a file ffmpeg cannot read stays video, so the video
 * reader reports what is wrong with it.
 */
export async function containerModality(path: string): Promise<'audio' | 'video'> {
  const streams = await probeStreams(path).catch(() => undefined);
  return streams?.audio && !streams.video ? 'audio' : 'video';
}
