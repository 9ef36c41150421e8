import { join } from 'node:path';
import {
  type FeatureCodebookChoices,
  MANIFEST_FORMAT,
  MANIFEST_FORMAT_VERSION,
  MmtokError,
  trainFeatureCodebook,
} from '@mmtok/core';
import { OnnxFeatureModel, writeSemanticTokenizer } from '@mmtok/core/node';
import { type CodebookHealth, healthSummary, quantizerUsage } from '@mmtok/diagnostics';
import { type HubOptions, resolveModelFolder } from '@mmtok/hub';
import { checkImage, readImage } from './io.js';
import {
  type FeatureImageEncoderSpec,
  imageFeatures,
  preprocessForFeatures,
  readImageFeatureModel,
  type SemanticImageManifest,
} from './semantic.js';
import type { RgbImage } from './types.js';

export interface TrainSemanticImageOptions extends FeatureCodebookChoices {
  /** The encoder-only vision model: a Transformers.js-layout folder or hf:org/name[@revision]. */
  model: string;
  /** Directory for manifest.json, encoder/, quantizer.safetensors (and projection.safetensors). */
  outDir: string;
  name?: string;
  version?: string;
  /** ONNX dtype of the model file (onnx/model<suffix>.onnx). Default 'fp32'. */
  dtype?: string;
  /** The model's name under onnx/ (onnx/<name><dtype suffix>.onnx). Default 'model'; 'vision_model' for CLIP/SigLIP exports. */
  onnxName?: string;
  /** Patch rows sampled for k-means, spread evenly over the images. Default 50000. */
  maxPatches?: number;
  executionProviders?: string[];
  hub?: HubOptions;
}

export interface TrainSemanticImageResult {
  manifestPath: string;
  /** Patch feature rows the codebook was fitted on. */
  patches: number;
  explainedVariance: number;
  /** Usage of the fitted codes over the training patches. */
  health: CodebookHealth;
  source: string;
}

/**
 * Fits a semantic image tokenizer: each image through the model's image processor and the model,
 * patch rows (prefix tokens dropped) sampled evenly per image, optional PCA, k-means++ codebooks;
 * writes a tokenizer folder whose manifest has no decoder.
 */
export async function trainSemanticImageTokenizer(
  inputs: string[] | RgbImage[],
  options: TrainSemanticImageOptions,
): Promise<TrainSemanticImageResult> {
  if (!options || typeof options.outDir !== 'string' || options.outDir === '') {
    throw new MmtokError('MMTOK_CONFIG', "option 'outDir' is required: the directory to write the tokenizer into");
  }
  if (!Array.isArray(inputs) || inputs.length === 0) throw new MmtokError('MMTOK_EMPTY', 'no training images given');
  const seed = options.seed ?? 0;
  const report = options.onProgress;
  const folder = await resolveModelFolder(options.model, {
    dtype: options.dtype,
    name: options.onnxName,
    hub: options.hub,
  });
  const facts = await readImageFeatureModel(folder.dir);
  const encoder: FeatureImageEncoderSpec = {
    kind: 'features',
    file: `encoder/${folder.modelFile}`,
    inputName: 'pixel_values',
    outputName: 'last_hidden_state',
    ...facts,
    source: folder.source,
  };
  const model = await OnnxFeatureModel.load(
    join(folder.dir, folder.modelFile),
    { ...encoder, inputRank: 4 },
    options.executionProviders,
  );
  const featuresOf = async (item: string | RgbImage) => {
    const what = typeof item === 'string' ? item : 'training image';
    const image = typeof item === 'string' ? await readImage(item) : item;
    checkImage(image, what);
    report?.({ stage: 'read', detail: what });
    const f = await imageFeatures(model, await preprocessForFeatures(image, facts.preprocessing), facts);
    return { data: f.data, rows: f.gridH * f.gridW, dim: f.dim };
  };
  const trained = await trainFeatureCodebook(inputs, featuresOf, {
    ...options,
    codebookSize: options.codebookSize ?? 256,
    maxRows: options.maxPatches ?? 50000,
    seed,
    afterReading: () => model.dispose(),
  });
  const q = trained.quantizer;
  const total = trained.total;
  const health = await quantizerUsage(q, trained.rows, total, options.backend);

  report?.({ stage: 'write' });
  const manifest: SemanticImageManifest = {
    format: MANIFEST_FORMAT,
    formatVersion: MANIFEST_FORMAT_VERSION,
    name: options.name ?? 'semantic-image',
    version: options.version ?? '1.0.0',
    description: `Semantic patch tokens: k-means over the features of ${folder.source}; no decoder`,
    modality: 'image',
    encoder: trained.projection ? { ...encoder, projection: 'projection.safetensors' } : encoder,
    quantizer: trained.entry,
    tokens: { layout: ['h', 'w', 'levels'] },
    metadata: {
      trainer: 'mmtok trainSemanticImageTokenizer',
      inputs: inputs.length,
      patches: total,
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
  return { manifestPath, patches: total, explainedVariance: trained.explained, health, source: folder.source };
}
