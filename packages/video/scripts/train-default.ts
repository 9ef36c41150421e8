/**
 * The recipe of the embedded default video tokenizer (packages/video/assets/default). Deterministic:
 * clips made with ffmpeg (scripts/clips.ts), seed 0. Evaluates on the held-out clip and records
 * tokens/s, PSNR and codebook utilization in the manifest's metadata.
 *
 *   node --conditions=source --import tsx packages/video/scripts/train-default.ts
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { psnr } from '@mmtok/diagnostics';
import { readFrames } from '../src/frames.js';
import { loadVideoTokenizer } from '../src/tokenizer.js';
import { trainVideoTokenizer } from '../src/train.js';
import { evaluationClip, trainingClips } from './clips.js';

const OUT = fileURLToPath(new URL('../assets/default/', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'mmtok-video-train-'));
try {
  const clips = trainingClips(tmp);
  const t0 = performance.now();
  const r = await trainVideoTokenizer(clips, {
    outDir: OUT,
    name: 'default',
    version: '1.0.0',
    description:
      'causal 4×8×8 RGB tubelets → PCA 32 + RVQ 4×256, trained on pans/zooms over CC0 images and synthetic clips',
    temporalPatch: 4,
    patchSize: 8,
    dim: 32,
    codebookSize: 256,
    numQuantizers: 4,
    maxTubelets: 24576,
    seed: 0,
    metadata: {
      recipe: 'packages/video/scripts/train-default.ts',
      trainingData:
        'pan + zoom clips (160×128, 24 fps, 2 s) over 9 CC0 samples of packages/image/assets/samples; lavfi testsrc2, mandelbrot, life, moving boxes',
      heldOut: 'pan over coffee.png',
    },
  });
  console.log(
    `trained in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${r.tubelets} tubelets, PCA explains ${r.explainedVariance?.toFixed(4)}`,
  );

  const evalPath = evaluationClip(tmp);
  const tok = await loadVideoTokenizer(r.manifestPath);
  const tokens = await tok.encode(evalPath);
  const ref: Uint8Array[] = [];
  for await (const g of readFrames(evalPath)) ref.push(...g.frames);
  const scores: number[] = [];
  let i = 0;
  for await (const g of tok.decode(tokens))
    for (const f of g.frames) scores.push(psnr(ref[i++], f, { dataRange: 255 }));
  const [t, h, w, L] = tokens.shape;
  const used = Array.from({ length: L }, () => new Set<number>());
  for (let k = 0; k < tokens.indices.length; k++) used[k % L].add(tokens.indices[k]);
  const evaluation = {
    clip: 'pan over coffee.png, 160×128, 24 fps, 48 frames',
    tokensPerSecond: Number(((t * h * w * L) / tokens.source.duration).toFixed(1)),
    tokenShape: tokens.shape,
    meanPsnrDb: Number((scores.reduce((a, b) => a + b, 0) / scores.length).toFixed(2)),
    utilizationPerLevel: used.map((s) => Number((s.size / 256).toFixed(4))),
  };
  await tok.dispose();
  const manifestFile = join(OUT, 'manifest.json');
  const m = JSON.parse(readFileSync(manifestFile, 'utf8'));
  m.metadata.evaluation = evaluation;
  writeFileSync(manifestFile, `${JSON.stringify(m, null, 2)}\n`);
  console.log(JSON.stringify(evaluation));
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
