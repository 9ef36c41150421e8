/**
 * End-to-end for audio: the real `mmtok` process on a short generated WAV (and an ffmpeg-made
 * silent video). Failures check the exit status, the error code, and that nothing was written.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { encodeWav, readAudio } from '@mmtok/audio';
import { snr } from '@mmtok/diagnostics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const MAIN = join(here, '..', 'src', 'main.ts');
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

let dir: string;

function mmtok(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--conditions=source', '--import', TSX, MAIN, ...args],
      { cwd: dir, env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
      },
    );
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mmtok-cli-audio-'));
  const sr = 16000;
  const n = Math.round(1.7 * sr);
  const data = Float32Array.from(
    { length: n },
    (_, i) => 0.3 * Math.sin((2 * Math.PI * 220 * i) / sr) + 0.1 * Math.sin((2 * Math.PI * 550 * i) / sr),
  );
  await writeFile(join(dir, 'tone.wav'), encodeWav({ data, channels: 1, sampleRate: sr, length: n }));
  await writeFile(join(dir, 'broken.wav'), encodeWav({ data, channels: 1, sampleRate: sr, length: n }).subarray(0, 40));
  execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=d=1:s=64x64', '-an', join(dir, 'video.mp4')]);
  await writeFile(join(dir, 'video.m4a'), await readFile(join(dir, 'video.mp4')));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('mmtok with audio', () => {
  it('encode → info → decode → diagnose on a WAV', async () => {
    const enc = await mmtok('encode', 'tone.wav', '-o', 'tone.mmtok', '--json');
    expect(enc.code, enc.stderr).toBe(0);
    const e = JSON.parse(enc.stdout);
    expect(e.files[0]).toMatchObject({ modality: 'audio', audio: { sampleRate: 16000, channels: 1, samples: 27200 } });
    expect(e.files[0].shape[1]).toBe(Math.ceil(27200 / 160) + 1);

    const info = await mmtok('info', 'tone.mmtok');
    expect(info.code).toBe(0);
    expect(info.stdout).toMatch(/modality\s+audio/);
    expect(info.stdout).toMatch(/1\.700 s, 27200 samples @ 16000 Hz/);

    const dec = await mmtok('decode', 'tone.mmtok', '-o', 'back.wav');
    expect(dec.code, dec.stderr).toBe(0);
    const back = await readAudio(join(dir, 'back.wav'));
    expect([back.sampleRate, back.length]).toEqual([16000, 27200]);
    // The content, not only the length (measured 10.4 dB).
    expect(snr((await readAudio(join(dir, 'tone.wav'))).data, back.data)).toBeGreaterThan(9);

    const diag = await mmtok('diagnose', 'tone.wav', '-o', 'report/');
    expect(diag.code, diag.stderr).toBe(0);
    expect(diag.stdout).toMatch(/SI-SDR\s+mean -?\d+\.\d+ dB/);
    const report = JSON.parse(await readFile(join(dir, 'report', 'report.json'), 'utf8'));
    expect(report.tokenizer.modality).toBe('audio');
    expect(Object.keys(report.metrics.aggregate).sort()).toEqual([
      'logMelDistance',
      'multiResolutionStftDistance',
      'siSdr',
      'snr',
    ]);
    expect(report.codebook.perLevel.length).toBeGreaterThan(1);
    expect(report.metrics.items[0].media.map((m: { label: string }) => m.label)).toEqual([
      'original',
      'reconstruction',
    ]);
    const html = await readFile(join(dir, 'report', 'report.html'), 'utf8');
    expect(html.match(/<audio controls/g)?.length).toBe(2);
  });

  it('a video container holding only audio is tokenized as audio (encode, decode, diagnose)', async () => {
    execFileSync('ffmpeg', ['-v', 'error', '-i', join(dir, 'tone.wav'), '-c:a', 'aac', join(dir, 'talk.mp4')]);
    const enc = await mmtok('encode', 'talk.mp4', '-o', 'talk.mmtok', '--json');
    expect(enc.code, enc.stderr).toBe(0);
    expect(JSON.parse(enc.stdout).files[0]).toMatchObject({ modality: 'audio', audio: { sampleRate: 16000 } });
    const dec = await mmtok('decode', 'talk.mmtok', '-o', 'talk-back.wav');
    expect(dec.code, dec.stderr).toBe(0);
    expect((await readAudio(join(dir, 'talk-back.wav'))).sampleRate).toBe(16000);
    const info = await mmtok('info', 'talk.mp4', '--json');
    expect(JSON.parse(info.stdout)).toMatchObject({ kind: 'audio-file', audio: { codec: 'aac', sampleRate: 16000 } });
    expect((await mmtok('info', 'tone.wav')).stdout).toMatch(
      /audio {6}pcm_s16le 16000 Hz × 1 ch\n {2}length {5}1\.700 s/,
    );
    const diag = await mmtok('diagnose', 'talk.mp4', '-o', 'talk-report/');
    expect(diag.code, diag.stderr).toBe(0);
    expect(JSON.parse(await readFile(join(dir, 'talk-report', 'report.json'), 'utf8')).tokenizer.modality).toBe(
      'audio',
    );
    // A real video keeps going down the video path.
    const video = await mmtok('encode', 'video.mp4', '-o', 'video.mmtok', '--json');
    expect(video.code, video.stderr).toBe(0);
    expect(JSON.parse(video.stdout).files[0].modality).toBe('video');
  });

  it('lists the audio default among the built-ins', async () => {
    const r = await mmtok('tokenizers', '--json');
    const list = JSON.parse(r.stdout).tokenizers as { name: string; modality: string }[];
    expect(list.some((t) => t.modality === 'audio' && t.name === 'default')).toBe(true);
  });

  it('bad audio fails with a clear code, a non-zero exit and no output', async () => {
    const before = new Set(await readdir(dir));
    const broken = await mmtok('encode', 'broken.wav', '-o', 'broken.mmtok');
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/\(MMTOK_AUDIO_DECODE\)/);
    // A video container without an audio track, named as audio (.m4a is MP4).
    const noStream = await mmtok('encode', 'video.m4a', '-o', 'v.mmtok');
    expect(noStream.code).toBe(1);
    expect(noStream.stderr).toMatch(/has no audio stream \(MMTOK_AUDIO_NO_STREAM\)/);
    const diag = await mmtok('diagnose', 'video.m4a', '-o', 'vr/');
    expect(diag.code).toBe(1);
    const missing = await execFfmpegless('encode', 'tone.flac', '-o', 'f.mmtok');
    expect(missing.code).toBe(1);
    const after = (await readdir(dir)).filter((f) => !before.has(f));
    expect(after).toEqual([]);
  });
});

/** mmtok with MMTOK_FFMPEG pointing nowhere, on a FLAC (which needs ffmpeg). */
async function execFfmpegless(...args: string[]) {
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', join(dir, 'tone.wav'), join(dir, 'tone.flac')]);
  const r = await new Promise<{ code: number; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      ['--conditions=source', '--import', TSX, MAIN, ...args],
      { cwd: dir, env: { ...process.env, MMTOK_FFMPEG: '/nonexistent/ffmpeg' }, timeout: 60_000 },
      (error, _stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stderr }),
    );
  });
  await rm(join(dir, 'tone.flac'));
  expect(r.stderr).toMatch(/\(MMTOK_FFMPEG_MISSING\)/);
  return r;
}
