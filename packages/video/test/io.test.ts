import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFrames } from '../src/frames.js';
import { probeVideo } from '../src/probe.js';
import { writeVideo } from '../src/write.js';
import { clip, collect, ff, meanAbs, tmp } from './helpers.js';

const dir = tmp();

describe('probeVideo', () => {
  it('reads size, fps, frames, duration and streams', async () => {
    const p = join(dir, 'av.mp4');
    ff([
      '-f',
      'lavfi',
      '-i',
      'testsrc2=s=64x48:r=10',
      '-f',
      'lavfi',
      '-i',
      'sine',
      '-frames:v',
      '20',
      '-t',
      '2',
      '-pix_fmt',
      'yuv420p',
      '-c:a',
      'aac',
      '-shortest',
      p,
    ]);
    const info = await probeVideo(p);
    expect(info).toMatchObject({
      width: 64,
      height: 48,
      fps: 10,
      frames: 20,
      hasAudio: true,
      codec: 'h264',
      variableFrameRate: false,
    });
    expect(info.duration).toBeGreaterThan(1.8);
  });

  it('detects variable frame rate and reads it at a constant average rate', async () => {
    const p = join(dir, 'vfr.mkv');
    ff([
      '-f',
      'lavfi',
      '-i',
      'testsrc2=s=32x24:r=25',
      '-t',
      '2',
      '-vf',
      "settb=1/1000,setpts='N/(25*TB)+if(gte(N\\,10)\\,0.02/TB\\,0)+if(gte(N\\,30)\\,N*0.01/TB\\,0)'",
      '-fps_mode',
      'passthrough',
      p,
    ]);
    const info = await probeVideo(p);
    expect(info.variableFrameRate).toBe(true);
    const { frames } = await collect(readFrames(p, { groupSize: 7 }));
    expect(Math.abs(frames.length - Math.round(info.fps * info.duration))).toBeLessThanOrEqual(2);
  });

  it('names corrupt, audio-only, missing and empty inputs with stable codes', async () => {
    const bad = join(dir, 'bad.mp4');
    writeFileSync(bad, Buffer.from('this is not a video file at all'.repeat(20)));
    await expect(probeVideo(bad)).rejects.toMatchObject({ code: 'MMTOK_VIDEO_DECODE' });
    await expect(collect(readFrames(bad))).rejects.toMatchObject({ code: 'MMTOK_VIDEO_DECODE' });
    const audio = join(dir, 'a.wav');
    ff(['-f', 'lavfi', '-i', 'sine=d=0.5', audio]);
    await expect(probeVideo(audio)).rejects.toMatchObject({ code: 'MMTOK_VIDEO_NO_STREAM' });
    await expect(probeVideo(join(dir, 'nope.mp4'))).rejects.toMatchObject({ code: 'MMTOK_IO' });
    const zero = join(dir, 'zero.mp4');
    ff(['-f', 'lavfi', '-i', 'testsrc2=s=32x24:r=10', '-frames:v', '0', '-c:v', 'libx264', zero]);
    await expect(probeVideo(zero)).rejects.toMatchObject({
      code: expect.stringMatching(/MMTOK_EMPTY|MMTOK_VIDEO_NO_STREAM/),
    });
  });
});

describe('readFrames', () => {
  const src = clip(join(dir, 'src.mp4'), 64, 48, 20, 40);

  it('yields RGB groups of the asked size, in bounded groups', async () => {
    const sizes: number[] = [];
    let next = 0;
    for await (const g of readFrames(src, { groupSize: 6 })) {
      expect(g.firstFrame).toBe(next);
      next += g.frames.length;
      sizes.push(g.frames.length);
      expect(g.frames[0].length).toBe(64 * 48 * 3);
    }
    expect(next).toBe(40);
    expect(Math.max(...sizes)).toBe(6);
  });

  it('resamples fps, scales and reads a time range', async () => {
    const r = await collect(readFrames(src, { fps: 10, width: 32, start: 0.5, duration: 1 }));
    expect(r.width).toBe(32);
    expect(r.height).toBe(24);
    expect(r.frames.length).toBe(10);
  });
});

describe('writeVideo', () => {
  const frames = async () => collect(readFrames(clip(join(dir, `w${Math.random()}.nut`), 97, 55, 10, 12)));

  it.each(['out.mp4', 'out.webm', 'pngs'])('round-trips %s, odd size 97×55 kept', async (name) => {
    const src = await frames();
    expect(src.width).toBe(97);
    const out = join(dir, name);
    await writeVideo([{ frames: src.frames, width: 97, height: 55, firstFrame: 0 }], out, { fps: 10 });
    const back = await collect(readFrames(out));
    expect(back.width).toBe(97);
    expect(back.height).toBe(55);
    expect(back.frames.length).toBe(12);
    expect(meanAbs(src.frames[5], back.frames[5])).toBeLessThan(name === 'pngs' ? 0.01 : name === 'out.webm' ? 16 : 8);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('muxes an audio track', async () => {
    const src = await frames();
    const audio = join(dir, 'mux.wav');
    ff(['-f', 'lavfi', '-i', 'sine=d=2', audio]);
    const out = join(dir, 'muxed.mp4');
    await writeVideo([{ frames: src.frames, width: 97, height: 55, firstFrame: 0 }], out, { fps: 10, audio });
    expect((await probeVideo(out)).hasAudio).toBe(true);
  });

  it('leaves nothing behind when it fails', async () => {
    const out = join(dir, 'fail.mp4');
    const bad = async function* () {
      yield { frames: [new Uint8Array(4 * 4 * 3)], width: 4, height: 4, firstFrame: 0 };
      yield { frames: [new Uint8Array(10)], width: 4, height: 4, firstFrame: 1 };
    };
    await expect(writeVideo(bad(), out, { fps: 10 })).rejects.toMatchObject({ code: 'MMTOK_SHAPE' });
    await expect(writeVideo([], out, { fps: 10 })).rejects.toMatchObject({ code: 'MMTOK_EMPTY' });
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
