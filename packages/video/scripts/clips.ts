/**
 * Makes the project's own training/evaluation clips with ffmpeg: pans and zooms over the CC0
 * images in packages/image/assets/samples, plus synthetic lavfi sources (testsrc2, mandelbrot,
 * life, moving boxes). Deterministic (no random filters). coffee.png is held out for evaluation.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveFfmpeg } from '@mmtok/audio';

export const SAMPLES = fileURLToPath(new URL('../../image/assets/samples/', import.meta.url));
export const HELD_OUT_IMAGE = 'coffee.png';
const TRAIN_IMAGES = [
  'astronaut.png',
  'brick.png',
  'camera.png',
  'coins.png',
  'grass.png',
  'gravel.png',
  'hubble_deep_field.jpg',
  'retina.jpg',
  'rocket.jpg',
];
const W = 160;
const H = 128;
const FPS = 24;
const SECONDS = 2;

function ffmpeg(args: string[]): void {
  execFileSync(resolveFfmpeg().path, ['-hide_banner', '-v', 'error', '-y', ...args]);
}

const out = ['-frames:v', String(FPS * SECONDS), '-c:v', 'libx264', '-crf', '12', '-pix_fmt', 'yuv420p'];

/** A pan (crop window moving over the scaled image) and a zoom (zoompan) per image. */
function imageClips(image: string, dir: string, tag: string): string[] {
  const src = join(SAMPLES, image);
  const pan = join(dir, `${tag}-pan.mp4`);
  ffmpeg([
    '-loop',
    '1',
    '-i',
    src,
    '-vf',
    `scale=480:-2,crop=${W}:${H}:x='(iw-${W})*t/${SECONDS}':y='(ih-${H})*(0.5+0.4*sin(t))'`,
    '-r',
    String(FPS),
    ...out,
    pan,
  ]);
  const zoom = join(dir, `${tag}-zoom.mp4`);
  ffmpeg([
    '-loop',
    '1',
    '-i',
    src,
    '-vf',
    `scale=640:-2,zoompan=z='1+0.01*on':x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)':d=${FPS * SECONDS}:s=${W}x${H}:fps=${FPS}`,
    ...out,
    zoom,
  ]);
  return [pan, zoom];
}

export function trainingClips(dir: string): string[] {
  const clips: string[] = [];
  for (const image of TRAIN_IMAGES) clips.push(...imageClips(image, dir, image.replace(/\.\w+$/, '')));
  const synth: [string, string][] = [
    ['testsrc2', `testsrc2=s=${W}x${H}:r=${FPS}`],
    ['mandelbrot', `mandelbrot=s=${W}x${H}:r=${FPS}`],
    ['life', `life=s=${W}x${H}:r=${FPS}:mold=10:ratio=0.1:death_color=#203040:life_color=#e0c060:seed=7`],
    [
      'boxes',
      `color=c=0x305080:s=${W}x${H}:r=${FPS},drawbox=x='20+60*t':y='30+20*sin(3*t)':w=40:h=30:c=orange:t=fill,drawbox=x='120-50*t':y='70':w=24:h=24:c=white:t=fill`,
    ],
  ];
  for (const [name, graph] of synth) {
    const p = join(dir, `${name}.mp4`);
    ffmpeg(['-f', 'lavfi', '-i', graph, ...out, p]);
    clips.push(p);
  }
  return clips;
}

/** The held-out clip: a pan over coffee.png, an image no training clip shows. */
export function evaluationClip(dir: string): string {
  return imageClips(HELD_OUT_IMAGE, dir, 'heldout')[0];
}
