import { join } from 'node:path';
import { type FeatureCodebookChoices, MmtokError, trainFeatureCodebook } from '@mmtok/core';
import { OnnxFeatureModel, writeSemanticTokenizer } from '@mmtok/core/node';
import { type CodebookHealth, healthSummary, quantizerUsage } from '@mmtok/diagnostics';
import { type HubOptions, resolveModelFolder } from '@mmtok/hub';
import { checkAudio, convertAudio, readAudio } from './io.js';
import { type AudioTokenizerManifest, MANIFEST_FORMAT, MANIFEST_FORMAT_VERSION } from './manifest.js';
import { audioFeatures, type FeatureAudioEncoderSpec, readAudioFeatureModel } from './semantic.js';
import type { AudioBuffer } from './types.js';

export interface TrainSemanticAudioOptions extends FeatureCodebookChoices {
  /** The encoder-only model: a Transformers.js-layout folder or hf:org/name[@revision]. */
  model: string;
  /** Directory for manifest.json, encoder/, quantizer.safetensors (and projection.safetensors). */
  outDir: string;
  name?: string;
  version?: string;
  /** ONNX dtype of the model file (onnx/model<suffix>.onnx). Default 'fp32'. */
  dtype?: string;
  /** The model's name under onnx/ (onnx/<name><dtype suffix>.onnx). Default 'model'; 'encoder_model' for some exports. */
  onnxName?: string;
  /** Feature frames sampled for k-means, spread evenly over the inputs. Default 50000. */
  maxFrames?: number;
  executionProviders?: string[];
  hub?: HubOptions;
}

export interface TrainSemanticAudioResult {
  manifestPath: string;
  /** Feature frames the codebook was fitted on. */
  frames: number;
  frameRate: number;
  /** Share of feature variance the PCA components explain (1 without PCA). */
  explainedVariance: number;
  /** Usage of the fitted codes over the training frames: utilization, perplexity, dead codes per level. */
  health: CodebookHealth;
  /** Where the model came from (folder, or hf:org/name@commit). */
  source: string;
}

/**
 * Fits a semantic audio tokenizer: every input through the feature model (resampled to its rate,
 * mono, normalized as its preprocessor_config says), frames sampled evenly per input, an optional
 * PCA, k-means++ codebooks; writes a tokenizer folder whose manifest has no decoder.
 */
export async function trainSemanticAudioTokenizer(
  inputs: string[] | AudioBuffer[],
  options: TrainSemanticAudioOptions,
): Promise<TrainSemanticAudioResult> {
  if (!options || typeof options.outDir !== 'string' || options.outDir === '') {
    throw new MmtokError('MMTOK_CONFIG', "option 'outDir' is required: the directory to write the tokenizer into");
  }
  if (!Array.isArray(inputs) || inputs.length === 0) throw new MmtokError('MMTOK_EMPTY', 'no training audio given');
  const seed = options.seed ?? 0;
  const report = options.onProgress;
  const folder = await resolveModelFolder(options.model, {
    dtype: options.dtype,
    name: options.onnxName,
    hub: options.hub,
  });
  const facts = await readAudioFeatureModel(folder.dir);
  const encoder: FeatureAudioEncoderSpec = {
    kind: 'features',
    file: `encoder/${folder.modelFile}`,
    inputName: 'input_values',
    outputName: 'last_hidden_state',
    normalize: facts.normalize,
    hopLength: facts.hopLength,
    receptiveField: facts.receptiveField,
    source: folder.source,
  };
  const model = await OnnxFeatureModel.load(
    join(folder.dir, folder.modelFile),
    { ...encoder, inputRank: 2 },
    options.executionProviders,
  );
  let seconds = 0;
  const featuresOf = async (item: string | AudioBuffer) => {
    const what = typeof item === 'string' ? item : 'training audio';
    const raw = typeof item === 'string' ? await readAudio(item, { sampleRate: facts.sampleRate, channels: 1 }) : item;
    checkAudio(raw, what);
    const a = await convertAudio(raw, facts.sampleRate, 1);
    seconds += a.length / facts.sampleRate;
    report?.({ stage: 'read', detail: what });
    return audioFeatures(model, a.data, facts);
  };
  const trained = await trainFeatureCodebook(inputs, featuresOf, {
    ...options,
    codebookSize: options.codebookSize ?? 100,
    maxRows: options.maxFrames ?? 50000,
    seed,
    afterReading: () => model.dispose(),
  });
  // Codebook health on the training frames: how many codes k-means left unused, how evenly used.
  const q = trained.quantizer;
  const total = trained.total;
  const health = await quantizerUsage(q, trained.rows, total, options.backend);

  report?.({ stage: 'write' });
  const frameRate = facts.sampleRate / facts.hopLength;
  const manifest: AudioTokenizerManifest = {
    format: MANIFEST_FORMAT,
    formatVersion: MANIFEST_FORMAT_VERSION,
    name: options.name ?? 'semantic-audio',
    version: options.version ?? '1.0.0',
    description: `Semantic units: k-means over the features of ${folder.source}; no decoder`,
    modality: 'audio',
    preprocessing: { sampleRate: facts.sampleRate, channels: 1 },
    encoder: trained.projection ? { ...encoder, projection: 'projection.safetensors' } : encoder,
    quantizer: trained.entry,
    tokens: { layout: ['levels', 'frames'], frameRate },
    bitrate: frameRate * q.numQuantizers * Math.log2(q.codebookSize),
    metadata: {
      trainer: 'mmtok trainSemanticAudioTokenizer',
      inputs: inputs.length,
      seconds: Number(seconds.toFixed(3)),
      frames: total,
      featureDim: trained.featureDim,
      pcaExplainedVariance: Number(trained.explained.toFixed(6)),
      ...healthSummary(health),
      seed,
    },
  };
  const manifestPath = await writeSemanticTokenizer(options.outDir, {
    modelDir: folder.dir,
    modelFile: folder.modelFile,
    projection: trained.projection,
    quantizer: q,
    manifest,
  });
  return {
    manifestPath,
    frames: total,
    frameRate,
    explainedVariance: trained.explained,
    health,
    source: folder.source,
  };
}
