/**
 * Recipe of the embedded default audio tokenizer (deterministic): makes the corpus (espeak-ng
 * speech in 8 voices × 6 texts + synthesized chords, plucks, drums), trains the linear-frame codec,
 * evaluates it on a held-out voice, and writes packages/audio/assets/default/ with the numbers in
 * manifest.metadata.evaluation.
 *
 *   node --conditions=source --import tsx packages/audio/scripts/train-default.ts [outDir]
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '@mmtok/core/node';
import { trainAudioTokenizer } from '../src/train.js';
import { HELDOUT_VOICE, TEXTS, TRAIN_VOICES, trainingCorpus } from './corpus.js';
import { evaluate } from './evaluate.js';

const SAMPLE_RATE = 16000;
const HOP = Number(process.env.HOP ?? 160);
const DIM = Number(process.env.DIM ?? 48);
const LEVELS = Number(process.env.LEVELS ?? 8);
const K = Number(process.env.K ?? 256);

const outDir = process.argv[2] ?? fileURLToPath(new URL('../assets/default/', import.meta.url));
const work = await mkdtemp(join(tmpdir(), 'mmtok-audio-default-'));
try {
  const t0 = performance.now();
  const corpus = await trainingCorpus(work, SAMPLE_RATE);
  const seconds = corpus.reduce((s, a) => s + a.length / SAMPLE_RATE, 0);
  console.log(`corpus: ${corpus.length} clips, ${seconds.toFixed(1)} s`);
  const result = await trainAudioTokenizer(corpus, {
    outDir,
    name: 'default',
    version: '1.0.0',
    description: `16 kHz mono linear-frame codec (hop ${HOP}, PCA ${DIM}, RVQ ${LEVELS}×${K}), trained on espeak-ng speech and synthetic music`,
    sampleRate: SAMPLE_RATE,
    hopLength: HOP,
    dim: DIM,
    numQuantizers: LEVELS,
    codebookSize: K,
    maxFrames: 60000,
    iterations: 20,
    seed: 0,
    metadata: {
      recipe: 'packages/audio/scripts/train-default.ts',
      trainingData: `espeak-ng voices ${TRAIN_VOICES.join(', ')} × ${TEXTS.length} texts; synthesized chords, Karplus-Strong plucks, drums, mixes`,
      heldOutVoice: HELDOUT_VOICE,
    },
  });
  console.log(
    `trained in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${result.frames} frames, PCA explains ${(100 * result.explainedVariance).toFixed(2)}%, ${result.bitrate} bit/s`,
  );
  const evaluation = await evaluate(result.manifestPath, work);
  console.log(JSON.stringify(evaluation, null, 2));
  const manifest = JSON.parse(await readFile(result.manifestPath, 'utf8'));
  manifest.metadata.evaluation = evaluation;
  await writeFileAtomic(result.manifestPath, new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`));
} finally {
  await rm(work, { recursive: true, force: true });
}
