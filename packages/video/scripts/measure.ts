/**
 * Measures the default video tokenizer: encode/decode frames/s, tokens per second of video and
 * mean PSNR on the held-out clip, and peak RSS of a streaming encode (encodeStream, tokens
 * written to disk as they come) of a 10-second vs a 10-minute 1280×720 testsrc2 input, each in
 * its own child process (process.resourceUsage().maxRSS).
 *
 *   node --conditions=source --import tsx packages/video/scripts/measure.ts [--seconds 10,600] [--fps 25]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { psnr } from '@mmtok/diagnostics';
import { readFrames } from '../src/frames.js';
import { loadVideoTokenizer } from '../src/tokenizer.js';
import { evaluationClip } from './clips.js';

const args = process.argv.slice(2);
const opt = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};

if (opt('--child')) {
  const path = opt('--child')!;
  const fps = opt('--fps') ? Number(opt('--fps')) : undefined;
  const tok = await loadVideoTokenizer('default');
  const out = createWriteStream(`${path}.tokens`);
  const t0 = performance.now();
  let frames = 0;
  for await (const block of tok.encodeStream(readFrames(path, { fps, groupSize: tok.temporalPatch }), { fps })) {
    frames += block.source.frames;
    if (!out.write(Buffer.from(block.indices.buffer, block.indices.byteOffset, block.indices.byteLength))) {
      await new Promise<void>((r) => out.once('drain', () => r()));
    }
  }
  await new Promise<void>((r) => out.end(() => r()));
  const seconds = (performance.now() - t0) / 1000;
  console.log(
    JSON.stringify({ frames, seconds, fps: frames / seconds, maxRssMiB: process.resourceUsage().maxRSS / 1024 }),
  );
  process.exit(0);
}

const tmp = mkdtempSync(join(tmpdir(), 'mmtok-video-measure-'));
try {
  const tok = await loadVideoTokenizer('default');
  const clip = evaluationClip(tmp);
  const ref: Uint8Array[] = [];
  for await (const g of readFrames(clip)) ref.push(...g.frames);
  let t0 = performance.now();
  const tokens = await tok.encode(clip);
  const encodeFps = ref.length / ((performance.now() - t0) / 1000);
  t0 = performance.now();
  const scores: number[] = [];
  for await (const g of tok.decode(tokens))
    for (const f of g.frames) scores.push(psnr(ref[scores.length], f, { dataRange: 255 }));
  const decodeFps = scores.length / ((performance.now() - t0) / 1000);
  const tokensPerSecond = tokens.indices.length / tokens.source.duration;
  console.log(
    JSON.stringify({
      heldOut: `${tokens.source.width}×${tokens.source.height} @ ${tokens.source.fps} fps`,
      encodeFps: Number(encodeFps.toFixed(1)),
      decodeFps: Number(decodeFps.toFixed(1)),
      tokensPerSecond,
      meanPsnrDb: Number((scores.reduce((a, b) => a + b, 0) / scores.length).toFixed(2)),
    }),
  );
  await tok.dispose();
  const fps = opt('--fps');
  for (const s of (opt('--seconds') ?? '10,600').split(',').map(Number)) {
    const input = join(tmp, `in-${s}.mp4`);
    execFileSync('ffmpeg', [
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=s=1280x720:r=25',
      '-t',
      String(s),
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-pix_fmt',
      'yuv420p',
      input,
    ]);
    const self = fileURLToPath(import.meta.url);
    const r = spawnSync(
      process.execPath,
      [...process.execArgv, self, '--child', input, ...(fps ? ['--fps', fps] : [])],
      { encoding: 'utf8' },
    );
    if (r.status !== 0) throw new Error(r.stderr);
    console.log(
      JSON.stringify({
        inputSeconds: s,
        size: '1280x720',
        tokenizeFps: fps ?? 25,
        ...JSON.parse(r.stdout.trim().split('\n').pop()!),
      }),
    );
    rmSync(input, { force: true });
    rmSync(`${input}.tokens`, { force: true });
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
