import { execFileSync } from 'node:child_process';
import { chmodSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { siSdr } from '@mmtok/diagnostics';
import { describe, expect, it } from 'vitest';
import { encodeWav, readAudio, resolveFfmpeg, streamAudio, type WavEncoding, writeAudio } from '../src/index.js';
import { errorCode, tempDir, tone } from './helpers.js';

const dir = tempDir();

function maxErr(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('WAV (native)', () => {
  const cases: [WavEncoding, number][] = [
    ['pcm8', 1 / 64],
    ['pcm16', 1 / 16384],
    ['pcm24', 1e-6],
    ['pcm32', 1e-8],
    ['float32', 0],
  ];
  for (const [encoding, tol] of cases) {
    it(`round-trips ${encoding} stereo through writeAudio/readAudio`, async () => {
      const a = tone(8000, 0.3, 2);
      const path = join(dir, `rt-${encoding}.wav`);
      await writeAudio(a, path, { encoding });
      const b = await readAudio(path);
      expect([b.channels, b.sampleRate, b.length]).toEqual([2, 8000, a.length]);
      expect(maxErr(a.data, b.data)).toBeLessThanOrEqual(tol);
    });
  }

  it('reads WAVE_FORMAT_EXTENSIBLE (ffmpeg-made 24-bit 3-channel) and remixes to mono natively', async () => {
    const path = join(dir, 'ext.wav');
    execFileSync('ffmpeg', [
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      'sine=f=440:d=0.2:r=16000',
      '-ac',
      '3',
      '-c:a',
      'pcm_s24le',
      path,
    ]);
    expect(readFileSync(path).readUInt16LE(20)).toBe(0xfffe);
    const a = await readAudio(path);
    expect(a.channels).toBe(3);
    const mono = await readAudio(path, { channels: 1, start: 0.05, duration: 0.1 });
    expect([mono.channels, mono.length]).toEqual([1, 1600]);
  });

  it('reads WAV from a Uint8Array', async () => {
    const a = tone(8000, 0.1);
    const b = await readAudio(encodeWav(a, 'float32'));
    expect(maxErr(a.data, b.data)).toBe(0);
  });
});

describe('ffmpeg formats', () => {
  it('resolves ffmpeg (env, ffmpeg-static or PATH)', () => {
    expect(['env', 'ffmpeg-static', 'path']).toContain(resolveFfmpeg().source);
  });

  it('FLAC is lossless (to 16-bit precision)', async () => {
    const a = tone(16000, 0.5);
    const path = join(dir, 'x.flac');
    await writeAudio(a, path);
    const b = await readAudio(path);
    expect([b.sampleRate, b.channels, b.length]).toEqual([16000, 1, a.length]);
    expect(maxErr(a.data, b.data)).toBeLessThan(1 / 16000);
  });

  it('MP3 and Opus are close (lossy; codec delay aside)', async () => {
    const a = tone(48000, 1);
    for (const ext of ['mp3', 'opus']) {
      const path = join(dir, `x.${ext}`);
      await writeAudio(a, path, { bitrate: '128k' });
      const b = await readAudio(path, { sampleRate: 48000, channels: 1 });
      expect(Math.abs(b.length - a.length)).toBeLessThan(48000 * 0.1);
      // Compare a steady middle stretch, shifted by the best lag (encoder delay).
      const seg = a.data.subarray(12000, 36000);
      let best = -Infinity;
      for (let lag = -1200; lag <= 1200; lag += 1) {
        if (12000 + lag < 0 || 36000 + lag > b.length) continue;
        if (lag % 8 !== 0 && best < 5) continue;
        best = Math.max(best, siSdr(seg, b.data.subarray(12000 + lag, 36000 + lag)));
      }
      expect(best, ext).toBeGreaterThan(10);
    }
  });

  it('resamples and remixes (WAV at another rate goes through ffmpeg)', async () => {
    const a = tone(44100, 0.5, 2);
    const path = join(dir, 'r.wav');
    await writeAudio(a, path);
    const b = await readAudio(path, { sampleRate: 16000, channels: 1 });
    expect([b.sampleRate, b.channels]).toEqual([16000, 1]);
    expect(Math.abs(b.length - 8000)).toBeLessThanOrEqual(2);
  });

  it('streams in bounded chunks, equal to a whole read', async () => {
    const a = tone(16000, 1.3);
    const flac = join(dir, 's.flac');
    const wav = join(dir, 's.wav');
    await writeAudio(a, flac);
    await writeAudio(a, wav);
    for (const path of [flac, wav]) {
      const whole = await readAudio(path);
      const parts: Float32Array[] = [];
      for await (const c of streamAudio(path, { sampleRate: 16000, channels: 1, chunkSamples: 4000 })) {
        expect(c.length).toBeLessThanOrEqual(4000);
        parts.push(c.data);
      }
      expect(parts.length).toBe(Math.ceil(a.length / 4000));
      const joined = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
      let at = 0;
      for (const p of parts) {
        joined.set(p, at);
        at += p.length;
      }
      expect(maxErr(joined, whole.data)).toBeLessThan(1e-6);
    }
  });
});

describe('bad input', () => {
  it('corrupt, truncated, zero-length, no audio stream, unknown output format', async () => {
    const good = encodeWav(tone(8000, 0.2));
    writeFileSync(join(dir, 'trunc.wav'), good.subarray(0, 30));
    writeFileSync(join(dir, 'short.wav'), good.subarray(0, good.length - 400));
    const claimsMore = Buffer.from(good);
    claimsMore.writeUInt32LE(good.length * 4, 40);
    writeFileSync(join(dir, 'claims.wav'), claimsMore);
    writeFileSync(join(dir, 'garbage.mp3'), Buffer.from('this is not an mp3 file at all, just text'.repeat(20)));
    writeFileSync(join(dir, 'empty.wav'), new Uint8Array(0));
    writeFileSync(
      join(dir, 'nosamples.wav'),
      encodeWav({ data: new Float32Array(0), channels: 1, sampleRate: 8000, length: 0 }),
    );
    execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=d=1:s=64x64', '-an', join(dir, 'silent.mp4')]);
    expect(await errorCode(readAudio(join(dir, 'trunc.wav')))).toBe('MMTOK_AUDIO_DECODE');
    expect(await errorCode(readAudio(join(dir, 'claims.wav')))).toBe('MMTOK_AUDIO_DECODE');
    expect(await errorCode(readAudio(join(dir, 'short.wav')))).toBe('MMTOK_AUDIO_DECODE'); // data cut short
    expect(await errorCode(readAudio(join(dir, 'garbage.mp3')))).toBe('MMTOK_AUDIO_DECODE');
    expect(await errorCode(readAudio(join(dir, 'empty.wav')))).toBe('MMTOK_EMPTY');
    expect(await errorCode(readAudio(join(dir, 'nosamples.wav')))).toBe('MMTOK_EMPTY');
    expect(await errorCode(readAudio(join(dir, 'silent.mp4')))).toBe('MMTOK_AUDIO_NO_STREAM');
    expect(await errorCode(readAudio(join(dir, 'missing.wav')))).toBe('MMTOK_IO');
    expect(await errorCode(writeAudio(tone(8000, 0.1), join(dir, 'x.xyz')))).toBe('MMTOK_AUDIO_FORMAT');
    const left = readdirSync(dir).filter((f) => f.endsWith('.tmp'));
    expect(left).toEqual([]);
  });

  it('missing ffmpeg: MMTOK_FFMPEG=/nonexistent, and PATH without ffmpeg', async () => {
    const flac = join(dir, 'm.flac');
    await writeAudio(tone(8000, 0.1), flac);
    const saved = { env: process.env.MMTOK_FFMPEG, path: process.env.PATH };
    try {
      process.env.MMTOK_FFMPEG = '/nonexistent/ffmpeg';
      expect(await errorCode(readAudio(flac))).toBe('MMTOK_FFMPEG_MISSING');
      delete process.env.MMTOK_FFMPEG;
      process.env.PATH = '/nonexistent';
      expect(await errorCode(() => resolveFfmpeg())).toBe('MMTOK_FFMPEG_MISSING');
      expect(await errorCode(readAudio(flac))).toBe('MMTOK_FFMPEG_MISSING');
      // WAV needs no ffmpeg, unless it must be resampled.
      await writeAudio(tone(8000, 0.1), join(dir, 'n.wav'));
      expect((await readAudio(join(dir, 'n.wav'))).length).toBe(800);
      expect(await errorCode(readAudio(join(dir, 'n.wav'), { sampleRate: 16000 }))).toBe('MMTOK_FFMPEG_MISSING');
      try {
        resolveFfmpeg();
      } catch (e) {
        expect((e as Error).message).toMatch(/install ffmpeg.*MMTOK_FFMPEG/);
      }
    } finally {
      if (saved.env === undefined) delete process.env.MMTOK_FFMPEG;
      else process.env.MMTOK_FFMPEG = saved.env;
      process.env.PATH = saved.path;
    }
  });
});

describe('one ffmpeg run per decode', () => {
  it("the truncation check reads the decode's own log: no second ffmpeg run, and a cut MP3 still fails", async () => {
    const whole = join(dir, 'runs-whole.mp3');
    const cut = join(dir, 'runs-cut.mp3');
    execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'sine=f=440:d=3', '-c:a', 'libmp3lame', whole]);
    const bytes = readFileSync(whole);
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    // An ffmpeg that writes down each run (resolveFfmpeg's `-version` check aside) and then runs ffmpeg.
    const log = join(dir, 'ffmpeg-runs.log');
    const counting = join(dir, 'counting-ffmpeg');
    writeFileSync(log, '');
    writeFileSync(
      counting,
      `#!/bin/sh\n[ "$1" = -version ] || echo run >> '${log}'\nexec '${resolveFfmpeg().path}' "$@"\n`,
    );
    chmodSync(counting, 0o755);
    const runs = () => readFileSync(log, 'utf8').split('\n').filter(Boolean).length;
    const saved = process.env.MMTOK_FFMPEG;
    process.env.MMTOK_FFMPEG = counting;
    try {
      const target = { sampleRate: 16000, channels: 1 };
      expect((await readAudio(whole, target)).length).toBeGreaterThan(2.9 * 16000);
      expect(runs()).toBe(1);
      expect(await errorCode(readAudio(cut, target))).toBe('MMTOK_AUDIO_DECODE');
      expect(runs()).toBe(2);
      const drain = async (path: string) => {
        for await (const _ of streamAudio(path, { ...target, chunkSamples: 4000 }));
      };
      await drain(whole);
      expect(runs()).toBe(3);
      expect(await errorCode(drain(cut))).toBe('MMTOK_AUDIO_DECODE');
      expect(runs()).toBe(4);
    } finally {
      if (saved === undefined) delete process.env.MMTOK_FFMPEG;
      else process.env.MMTOK_FFMPEG = saved;
    }
  });
});
