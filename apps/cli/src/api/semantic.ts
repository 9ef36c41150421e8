/**
 * `mmtok train --encoder <model>`: a semantic (encoder-only) tokenizer, k-means units over a feature
 * model's outputs, for audio (HuBERT/wav2vec2-style) or images (ViT/DINOv2/CLIP-style).
 */
import { trainSemanticImageTokenizer } from '@mmtok/image';
import { usageError } from '../errors.js';
import type { InputFile } from '../inputs.js';
import type { Modality } from '../modality.js';
import { trainerProgress } from '../progress.js';
import type { TrainTokenizerOptions, TrainTokenizerResult } from './train.js';

/** The quantizer options semantic training takes: vq by default, rvq when asked or given several levels. */
function codebookOptions(o: Pick<TrainTokenizerOptions, 'quantizer' | 'levels'>): {
  quantizer: 'vq' | 'rvq';
  levels?: number;
} {
  if (o.quantizer !== undefined && o.quantizer !== 'rvq') {
    throw usageError(`a semantic tokenizer fits vq or rvq codebooks; --quantizer ${o.quantizer} has nothing to fit`);
  }
  if (o.levels && o.levels.length !== 1) throw usageError('--levels for a semantic tokenizer is one number: rvq depth');
  const levels = o.levels?.[0];
  return o.quantizer === 'rvq' || (levels ?? 1) > 1 ? { quantizer: 'rvq', levels } : { quantizer: 'vq' };
}

export async function trainSemantic(
  o: Omit<TrainTokenizerOptions, 'inputs'> & { encoder: string; inputs: readonly InputFile[]; name: string },
  modality: ReadonlyMap<string, Modality>,
): Promise<TrainTokenizerResult> {
  const kinds = new Set(o.inputs.map((i) => modality.get(i.path)));
  if (kinds.size !== 1 || kinds.has('video')) {
    throw usageError('--encoder trains on audio files or on images, one modality at a time (video is not supported)');
  }
  const audio = kinds.has('audio');
  for (const [flag, v] of [
    ['--patch-size', o.patchSize],
    ['--hop-length', o.hopLength],
    ['--sample-rate', o.sampleRate],
  ] as const) {
    if (v !== undefined) throw usageError(`${flag} does not apply with --encoder: the model's own config decides it`);
  }
  const q = codebookOptions(o);
  const common = {
    model: o.encoder,
    dtype: o.dtype,
    outDir: o.output,
    name: o.name,
    ...q,
    codebookSize: o.codebookSize,
    pcaDim: o.dims,
    seed: o.seed,
    backend: o.backend,
    onProgress: trainerProgress(o.onProgress, o.inputs.length, q.levels ?? 1),
  };
  const paths = o.inputs.map((i) => i.path);
  const base = { name: o.name, quantizer: q.quantizer };
  if (audio) {
    const r = await (await import('@mmtok/audio')).trainSemanticAudioTokenizer(paths, common);
    return {
      ...base,
      manifestPath: r.manifestPath,
      modality: 'audio',
      images: 0,
      audioFiles: o.inputs.length,
      patches: r.frames,
      explainedVariance: r.explainedVariance,
      frameRate: r.frameRate,
      codebook: r.health,
    };
  }
  const r = await trainSemanticImageTokenizer(paths, common);
  return {
    ...base,
    manifestPath: r.manifestPath,
    modality: 'image',
    images: o.inputs.length,
    patches: r.patches,
    explainedVariance: r.explainedVariance,
    codebook: r.health,
  };
}
