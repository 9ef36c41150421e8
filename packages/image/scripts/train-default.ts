/**
 * Regenerates the embedded default tokenizer in assets/default/ from the CC0 samples in
 * assets/samples/ (coffee.png is held out for evaluation). Deterministic: fixed seed, fixed file
 * order, js kernels. Run from packages/image: npx tsx --conditions=source scripts/train-default.ts
 */
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { loadTokenizer, readImage, trainImageTokenizer } from '../src/index.js';
import { evaluate } from './metrics.js';

const root = fileURLToPath(new URL('..', import.meta.url));
export const TRAINING = [
  'astronaut.png',
  'rocket.jpg',
  'retina.jpg',
  'hubble_deep_field.jpg',
  'camera.png',
  'coins.png',
  'brick.png',
  'grass.png',
  'gravel.png',
];
export const HELD_OUT = 'coffee.png';

const env = (k: string, d: number) => (process.env[k] ? Number(process.env[k]) : d);
const patchSize = env('P', 4);
const dim = env('DIM', 16);
const codebookSize = env('K', 256);
const numQuantizers = env('LEVELS', 6);
const outDir = process.env.OUT ?? `${root}assets/default`;

const t0 = performance.now();
await rm(outDir, { recursive: true, force: true });
const images = await Promise.all(TRAINING.map((f) => readImage(`${root}assets/samples/${f}`)));
const result = await trainImageTokenizer(images, {
  outDir,
  name: 'default',
  version: '1.0.0',
  description: `Built-in: PCA of ${patchSize}×${patchSize} RGB patches to ${dim} dims + ${numQuantizers}-level residual VQ (${codebookSize} codes each), trained on CC0 samples`,
  patchSize,
  dim,
  codebookSize,
  numQuantizers,
  maxPatches: env('PATCHES', 49152),
  iterations: env('ITERS', 20),
  seed: 1,
  backend: 'js',
  metadata: { trainingImages: TRAINING, heldOut: HELD_OUT },
  onProgress: (p) => {
    if (p.stage !== 'quantizer' || typeof p.detail === 'string') console.error(`[${p.stage}] ${p.detail ?? ''}`);
    else if (p.detail && p.detail.iteration % 5 === 0)
      console.error(`[rvq] level ${p.detail.level} iter ${p.detail.iteration} mse ${p.detail.mse.toExponential(3)}`);
  },
});
console.error(
  `trained in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${result.patches} patches, PCA explains ${(result.explainedVariance * 100).toFixed(2)}%`,
);

const tok = await loadTokenizer(result.manifestPath, { backend: 'js' });
const report = await evaluate(tok, images, await readImage(`${root}assets/samples/${HELD_OUT}`));
console.log(JSON.stringify({ ...report, config: { patchSize, dim, codebookSize, numQuantizers } }, null, 2));
