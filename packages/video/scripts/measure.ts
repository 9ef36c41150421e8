/**
 * Measures the default video tokenizer, side by side with its all-JavaScript baseline (backend
 * 'js': quantizer and transform in plain TypeScript) in the same run:
 *  - encode/decode frames/s, tokens per second of video and mean PSNR on the held-out clip;
 *  - streaming encodes (encodeStream, tokens written to disk as they come) of 1280×720 testsrc2
 *    inputs, each in its own child process for its peak RSS (process.resourceUsage().maxRSS):
 *    a 10-second and a 10-minute input tokenized at 1 fps, and an 8-second one at its full 25 fps
 *    (also decoded back, for the decode frames/s at 720p).
 * Prints a table and writes bench-results/measure.json.
 *
 *   node --conditions=source --import tsx packages/video/scripts/measure.ts [--seconds 10,600] [--fps 1] [--full-rate-seconds 8]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { psnr } from '@mmtok/diagnostics';
import { readFrames } from '../src/frames.js';
import { loadVideoTokenizer } from '../src/tokenizer.js';
import type { VideoTokenSet } from '../src/types.js';
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
  // With --decode the blocks are also kept, and decoded once the encode is timed.
  const kept: VideoTokenSet[] = [];
  for await (const block of tok.encodeStream(readFrames(path, { fps, groupSize: tok.temporalPatch }), { fps })) {
    frames += block.source.frames;
    if (args.includes('--decode')) kept.push(block);
    if (!out.write(Buffer.from(block.indices.buffer, block.indices.byteOffset, block.indices.byteLength))) {
      await new Promise<void>((r) => out.once('drain', () => r()));
    }
  }
  await new Promise<void>((r) => out.end(() => r()));
  const seconds = (performance.now() - t0) / 1000;
  let decodeFps: number | undefined;
  if (kept.length) {
    const t1 = performance.now();
    let decoded = 0;
    for (const block of kept) for await (const g of tok.decode(block)) decoded += g.frames.length;
    decodeFps = decoded / ((performance.now() - t1) / 1000);
  }
  console.log(
    JSON.stringify({
      frames,
      seconds,
      fps: frames / seconds,
      ...(decodeFps ? { decodeFps } : {}),
      maxRssMiB: process.resourceUsage().maxRSS / 1024,
    }),
  );
  process.exit(0);
}

/** Held-out clip: encode and decode frames/s, tokens/s and mean PSNR with the given backend. */
async function heldOut(clip: string, ref: Uint8Array[], backend: string | undefined) {
  const tok = await loadVideoTokenizer('default', { backend });
  await tok.encode(clip); // warm-up (JIT, sessions)
  let t0 = performance.now();
  const tokens = await tok.encode(clip);
  const encodeFps = ref.length / ((performance.now() - t0) / 1000);
  t0 = performance.now();
  const scores: number[] = [];
  for await (const g of tok.decode(tokens))
    for (const f of g.frames) scores.push(psnr(ref[scores.length], f, { dataRange: 255 }));
  const decodeFps = scores.length / ((performance.now() - t0) / 1000);
  await tok.dispose();
  return {
    backend: backend ?? 'automatic',
    clip: `${tokens.source.width}×${tokens.source.height} @ ${tokens.source.fps} fps, ${ref.length} frames`,
    encodeFps: Number(encodeFps.toFixed(1)),
    decodeFps: Number(decodeFps.toFixed(1)),
    tokensPerSecond: tokens.indices.length / tokens.source.duration,
    meanPsnrDb: Number((scores.reduce((a, b) => a + b, 0) / scores.length).toFixed(2)),
  };
}

/**
 * A 1280×720 testsrc2 input of `seconds`, streamed through a child process at `fps` (undefined:
 * 25); with `decode`, its tokens are decoded back in the child too.
 */
function streaming(tmp: string, seconds: number, fps: string | undefined, decode = false) {
  const input = join(tmp, `in-${seconds}.mp4`);
  execFileSync('ffmpeg', [
    ...['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=1280x720:r=25', '-t', String(seconds)],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', input],
  ]);
  const self = fileURLToPath(import.meta.url);
  const r = spawnSync(
    process.execPath,
    [...process.execArgv, self, '--child', input, ...(fps ? ['--fps', fps] : []), ...(decode ? ['--decode'] : [])],
    {
      encoding: 'utf8',
    },
  );
  rmSync(input, { force: true });
  rmSync(`${input}.tokens`, { force: true });
  if (r.status !== 0) throw new Error(r.stderr);
  const child = JSON.parse(r.stdout.trim().split('\n').pop()!);
  return { inputSeconds: seconds, size: '1280x720', tokenizeFps: Number(fps ?? 25), ...child };
}

const tmp = mkdtempSync(join(tmpdir(), 'mmtok-video-measure-'));
try {
  const clip = evaluationClip(tmp);
  const ref: Uint8Array[] = [];
  for await (const g of readFrames(clip)) ref.push(...g.frames);
  const held = [await heldOut(clip, ref, undefined), await heldOut(clip, ref, 'js')];
  console.table(held);

  const fps = opt('--fps') ?? '1';
  const runs = (opt('--seconds') ?? '10,600').split(',').map((s) => streaming(tmp, Number(s), fps));
  const full = Number(opt('--full-rate-seconds') ?? 8);
  if (full > 0) runs.push(streaming(tmp, full, undefined, true));
  console.table(
    runs.map((r) => ({
      input: `${r.inputSeconds} s ${r.size}`,
      'tokenized at': `${r.tokenizeFps} fps`,
      frames: r.frames,
      'frames/s': Number(r.fps.toFixed(1)),
      'decode frames/s': r.decodeFps ? Number(r.decodeFps.toFixed(1)) : '',
      'peak RSS MiB': Number(r.maxRssMiB.toFixed(1)),
    })),
  );
  const dir = new URL('../bench-results/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  const result = { date: new Date().toISOString(), node: process.version, heldOut: held, streaming: runs };
  writeFileSync(new URL('measure.json', dir), `${JSON.stringify(result, null, 2)}\n`);
  console.log(`wrote ${new URL('measure.json', dir).pathname}`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
