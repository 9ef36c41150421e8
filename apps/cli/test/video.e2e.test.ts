/**
 * End-to-end for video: the real `mmtok` process on small clips made with ffmpeg's lavfi sources
 * (testsrc2, 2 s at 64×48, with and without a sine track). Failures check the exit status, the
 * error code and that nothing was written.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { decodeTokenFile } from '@mmtok/core';
import { psnr } from '@mmtok/diagnostics';
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

async function json(...args: string[]) {
  const r = await mmtok(...args, '--json');
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

function ffmpeg(...args: string[]): void {
  execFileSync('ffmpeg', ['-v', 'error', '-y', ...args], { cwd: dir });
}

/** PSNR (dB, RGB bytes) of a decoded video against the clip it came from, read back by ffmpeg. */
function videoPsnr(original: string, decoded: string): number {
  const rgb = (f: string) =>
    execFileSync('ffmpeg', ['-v', 'error', '-i', f, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], {
      cwd: dir,
      maxBuffer: 1 << 28,
    });
  const [a, b] = [rgb(original), rgb(decoded)];
  expect(b.length).toBe(a.length);
  return psnr(a, b, { dataRange: 255 });
}

const CLIP = ['-f', 'lavfi', '-i', 'testsrc2=d=2:s=64x48:r=25'];
const H264 = ['-c:v', 'libx264', '-pix_fmt', 'yuv420p'];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mmtok-cli-video-'));
  ffmpeg(...CLIP, '-f', 'lavfi', '-i', 'sine=f=440:d=2', '-shortest', ...H264, '-c:a', 'aac', 'av.mp4');
  ffmpeg(...CLIP, ...H264, 'silent.mp4');
  // Frames 25.. are twice as far apart as the first 25: irregular timing, kept by passthrough.
  ffmpeg(...CLIP, '-vf', "setpts='(N+if(gte(N,25),N-25,0))/(25*TB)'", '-fps_mode', 'passthrough', ...H264, 'vfr.mkv');
  // Odd sides (H.264 4:2:0 cannot store them; ffv1 can).
  ffmpeg('-f', 'lavfi', '-i', 'testsrc2=d=1:s=64x48:r=10', '-vf', 'scale=63:47', '-c:v', 'ffv1', 'odd.mkv');
  ffmpeg(...CLIP, '-frames:v', '0', ...H264, 'zero.mp4');
  await writeFile(join(dir, 'corrupt.mp4'), (await readFile(join(dir, 'av.mp4'))).subarray(0, 3000));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('mmtok with video', () => {
  it('encode → info → decode keeps frame count and size and restores the audio track', async () => {
    const enc = await json('encode', 'av.mp4', '-o', 'av.mmtok');
    const f = enc.files[0];
    expect(f).toMatchObject({ modality: 'video', video: { width: 64, height: 48, fps: 25, frames: 50 } });
    expect(f.audioTrack.tokenizer).toBe('default');
    const file = decodeTokenFile(await readFile(join(dir, 'av.mmtok')));
    expect(file.header.modality).toBe('video');
    expect(file.header.shape.length).toBe(4);
    expect(file.tracks.map((t) => [t.header.name, t.header.modality])).toEqual([['audio', 'audio']]);
    expect(file.tracks[0].header.source.sampleRate).toBeGreaterThan(0);

    const info = await mmtok('info', 'av.mmtok');
    expect(info.code, info.stderr).toBe(0);
    expect(info.stdout).toMatch(/modality\s+video/);
    expect(info.stdout).toMatch(/source\s+64×48, 50 frames @ 25 fps = 2\.000 s/);
    expect(info.stdout).toMatch(/track\s+'audio': audio, default \S+, \[\d+, \d+\] = \d+ tokens/);
    const infoJson = await json('info', 'av.mmtok');
    expect(infoJson.tracks[0]).toMatchObject({ name: 'audio', modality: 'audio' });

    const dec = await json('decode', 'av.mmtok', '-o', 'back.mp4');
    expect(dec.files[0]).toMatchObject({ modality: 'video', output: 'back.mp4', video: { frames: 50 } });
    expect(dec.files[0].audio.sampleRate).toBeGreaterThan(0);
    const back = await json('info', 'back.mp4');
    expect(back.video).toMatchObject({ width: 64, height: 48, fps: 25, frames: 50, hasAudio: true });
    // The content, not only the size: measured 17.3 dB against the source clip.
    expect(videoPsnr('av.mp4', 'back.mp4')).toBeGreaterThan(16);
  });

  it('--no-audio and silent clips write no track; decode writes webm, a PNG sequence, or .mp4 into a folder', async () => {
    await json('encode', 'av.mp4', 'silent.mp4', '-o', 'tok/', '--no-audio');
    for (const name of ['av', 'silent']) {
      const file = decodeTokenFile(await readFile(join(dir, 'tok', `${name}.mmtok`)));
      expect(file.tracks).toEqual([]);
      expect(file.indices.length).toBe(file.header.shape.reduce((a, b) => a * b, 1));
    }
    expect((await readFile(join(dir, 'tok', 'silent.mmtok'))).readUInt32LE(8)).toBe(1);
    await json('decode', 'tok/', '-o', 'out/');
    expect((await readdir(join(dir, 'out'))).sort()).toEqual(['av.mp4', 'silent.mp4']);
    expect((await json('info', 'out/silent.mp4')).video).toMatchObject({ frames: 50, hasAudio: false });
    await json('decode', 'tok/silent.mmtok', '-o', 'silent.webm');
    expect((await json('info', 'silent.webm')).video).toMatchObject({ width: 64, height: 48, frames: 50 });
    // PNG frames; the sound of a clip that has a track goes beside them as audio.wav.
    await json('decode', 'av.mmtok', '-o', 'frames/%05d.png');
    const frames = await readdir(join(dir, 'frames'));
    expect(frames.filter((n) => n.endsWith('.png')).length).toBe(50);
    expect(frames).toContain('audio.wav');
  });

  it('diagnose writes report.json/html with per-frame metrics, worst frames side by side and codebook health', async () => {
    const r = await mmtok('diagnose', 'silent.mp4', '-o', 'report/');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/diagnosed 1 video/);
    expect(r.stdout).toMatch(/PSNR\s+mean \d+\.\d+ dB\s+\(worst frame \d+\.\d+ dB\)/);
    expect(r.stdout).toMatch(/temporal flicker \d/);
    const report = JSON.parse(await readFile(join(dir, 'report', 'report.json'), 'utf8'));
    expect(report.tokenizer.modality).toBe('video');
    expect(report.data).toMatchObject({ items: 1, frameRate: 25, durationSeconds: 2 });
    expect(Object.keys(report.metrics.aggregate).sort()).toEqual(['flicker', 'psnr', 'psnrMin', 'ssim', 'ssimMin']);
    const item = report.metrics.items[0];
    expect(item.video.frames).toBe(50);
    // Measured: mean 17.3 dB, worst frame 16.9 dB, flicker 0.018.
    expect(item.video.psnr.mean).toBeGreaterThan(16);
    expect(item.video.psnr.min).toBeGreaterThan(15.5);
    expect(item.video.flicker).toBeGreaterThan(0);
    expect(item.video.flicker).toBeLessThan(0.05);
    expect(item.video.worstFrames.length).toBe(5);
    const worst = item.video.worstFrames[0].frame;
    expect(item.media.slice(0, 2)).toMatchObject([
      { label: `original · frame ${worst}`, mime: 'image/png', frame: worst },
      { label: `reconstruction · frame ${worst}`, mime: 'image/png', frame: worst },
    ]);
    expect(report.codebook.perLevel.length).toBeGreaterThan(0);
    // The default video codebook on a test pattern: no alarm under the calibrated thresholds (docs/diagnostics.md).
    expect(report.verdict.status).toBe('healthy');
    const html = await readFile(join(dir, 'report', 'report.html'), 'utf8');
    expect(html).toContain('Video: worst frames');
    expect(html.match(/<div class="media-row frame-pair">/g)?.length).toBe(3);
    expect(html.match(/<img alt="[^"]*" src="data:image\/png;base64,/g)?.length).toBe(6);
  });

  it('a variable frame rate is resampled to a constant rate and reported; odd sizes are kept', async () => {
    const vfr = (await json('encode', 'vfr.mkv', '-o', 'vfr.mmtok')).files[0];
    expect(vfr.video).toMatchObject({ variableFrameRate: true, resampled: true, width: 64, height: 48 });
    const info = await mmtok('info', 'vfr.mmtok');
    expect(info.stdout).toMatch(/variable frame rate, resampled/);
    const back = (await json('decode', 'vfr.mmtok', '-o', 'vfr-back.mp4')).files[0];
    const probed = (await json('info', 'vfr-back.mp4')).video;
    expect(probed.variableFrameRate).toBe(false);
    expect(probed.frames).toBe(back.video.frames);

    const odd = (await json('encode', 'odd.mkv', '-o', 'odd.mmtok')).files[0];
    expect(odd.video).toMatchObject({ width: 63, height: 47 });
    await json('decode', 'odd.mmtok', '-o', 'odd-back.mp4');
    expect((await json('info', 'odd-back.mp4')).video).toMatchObject({
      width: 63,
      height: 47,
      frames: odd.video.frames,
    });
  });

  it('train fits a video tokenizer that encode and decode then use', async () => {
    const t = await json(
      'train',
      'silent.mp4',
      '-o',
      'vtok/',
      '--patch-size',
      '4',
      '--dims',
      '8',
      '--codebook-size',
      '16',
      '--levels',
      '2',
      '--seed',
      '1',
    );
    expect(t).toMatchObject({ modality: 'video', videoFiles: 1, quantizer: 'rvq' });
    const enc = (await json('encode', 'silent.mp4', '-o', 'mine.mmtok', '-t', 'vtok/')).files[0];
    expect(enc.shape[3]).toBe(2);
    // Not built in: decoding without --tokenizer says what to pass.
    const anon = await mmtok('decode', 'mine.mmtok', '-o', 'mine.mp4');
    expect(anon.code).toBe(1);
    expect(anon.stderr).toMatch(/not built in; pass --tokenizer .*\(MMTOK_TOKENIZER_MISMATCH\)/);
    await json('decode', 'mine.mmtok', '-o', 'mine.mp4', '-t', 'vtok/');
    expect((await json('info', 'mine.mp4')).video.frames).toBe(50);
  });

  it('bad video fails with a clear code, a non-zero exit and no output', async () => {
    const before = new Set(await readdir(dir));
    const cases: [string[], RegExp][] = [
      [
        ['encode', 'corrupt.mp4', '-o', 'c.mmtok'],
        /corrupt\.mp4: ffmpeg could not decode it as video.*\(MMTOK_VIDEO_DECODE\)/,
      ],
      [['encode', 'zero.mp4', '-o', 'z.mmtok'], /holds no video frames.*\(MMTOK_EMPTY\)/],
      [['diagnose', 'corrupt.mp4', '-o', 'bad-report/'], /\(MMTOK_VIDEO_DECODE\)/],
      [['train', 'corrupt.mp4', '-o', 'bad-tok/', '--patch-size', '4'], /\(MMTOK_VIDEO_DECODE\)/],
      [['decode', 'av.mmtok', '-o', 'still.png'], /cannot write a video as '\.png'.*\(MMTOK_USAGE\)/],
    ];
    for (const [args, message] of cases) {
      const r = await mmtok(...args);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr, args.join(' ')).toMatch(new RegExp(`^mmtok: .*${message.source}`, 'm'));
    }
    const after = (await readdir(dir)).filter((f) => !before.has(f));
    expect(after).toEqual([]);
  });
});
