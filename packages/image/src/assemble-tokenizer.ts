import type { AnyQuantizer } from '@mmtok/core';
import { LinearPatchTransform } from './linear-tokenizer.js';
import type { TokenizerManifest } from './manifest.js';
import type { OnnxModel } from './onnx-model.js';
import { ImageTokenizer } from './tokenizer.js';
import type { TokenizerIdentity } from './types.js';

/** How a loader gets the files a manifest names: from disk in Node, fetched or given in a browser. */
export interface TokenizerFileLoader {
  /** A file's bytes (the linear encoder's weights). */
  bytes(file: string): Promise<Uint8Array>;
  /** A file's path or URL, for messages. */
  where(file: string): string;
  /** An ONNX model session on the loader's runtime. */
  onnx(file: string): Promise<OnnxModel>;
}

/**
 * A validated manifest's encoder and decoder, loaded through `load`, put together with its identity
 * and quantizer; models already opened are released when a later part fails.
 */
export async function assembleTokenizer(
  m: TokenizerManifest,
  parts: { identity: TokenizerIdentity; quantizer: AnyQuantizer | undefined; manifestPath: string; backend?: string },
  load: TokenizerFileLoader,
): Promise<ImageTokenizer> {
  let encoderModel: OnnxModel | undefined;
  let decoderModel: OnnxModel | undefined;
  try {
    let linear: LinearPatchTransform | undefined;
    if (m.encoder.kind === 'linear-patch') {
      const file = m.encoder.weights;
      linear = LinearPatchTransform.deserialize(await load.bytes(file), m.encoder.patchSize, load.where(file));
    } else {
      encoderModel = await load.onnx(m.encoder.file);
    }
    if (m.decoder.kind === 'onnx') decoderModel = await load.onnx(m.decoder.file);
    return ImageTokenizer.fromParts({ manifest: m, ...parts, linear, encoderModel, decoderModel });
  } catch (e) {
    await encoderModel?.dispose();
    await decoderModel?.dispose();
    throw e;
  }
}
