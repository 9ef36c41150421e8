import type { QuantizerConfig } from '../config.js';
import { type AnyQuantizer, createQuantizer } from '../create.js';
import { MmtokError } from '../errors.js';
import type { DeserializeOptions } from '../io/codebook-file.js';
import { canonicalJson } from './identity-hash.js';

/** A manifest's `quantizer` entry: an inline config, a quantizer file, or both. */
export interface ManifestQuantizerSpec {
  config?: QuantizerConfig;
  file?: string;
}

export interface LoadManifestQuantizerOptions {
  backend?: string;
  /** With both `config` and `file`: fail MMTOK_MANIFEST unless they agree (weights aside). Default true. */
  checkConfig?: boolean;
  /** Fail MMTOK_MANIFEST instead of returning undefined when the entry names no quantizer. */
  required?: boolean;
}

function withoutWeights(c: object): string {
  return canonicalJson(
    JSON.parse(JSON.stringify(c, (k, v) => (k === 'codebook' || k === 'codebooks' ? undefined : v))),
  );
}

/**
 * The quantizer a manifest entry names, with the file loaded by `load` (from disk in Node, by fetch
 * in a browser) so both check it alike; `path` is the manifest, for messages. An inline config
 * cannot hold VQ/RVQ codebooks.
 */
export async function quantizerFromSpec(
  spec: ManifestQuantizerSpec | undefined,
  path: string,
  load: (file: string, options: DeserializeOptions) => Promise<AnyQuantizer>,
  options: LoadManifestQuantizerOptions = {},
): Promise<AnyQuantizer | undefined> {
  const { config, file } = spec ?? {};
  const backend = options.backend;
  if (file) {
    const q = await load(file, { backend, expectType: config?.type });
    if ((options.checkConfig ?? true) && config && withoutWeights(q.config) !== withoutWeights(config)) {
      throw new MmtokError(
        'MMTOK_MANIFEST',
        `${path}: manifest.quantizer.config does not match the config stored in '${file}'`,
        { path, key: 'manifest.quantizer.config' },
      );
    }
    return q;
  }
  if (!config && !options.required) return undefined;
  if (!config || (config.type === 'vq' && !config.codebook) || (config.type === 'rvq' && !config.codebooks)) {
    throw new MmtokError(
      'MMTOK_MANIFEST',
      `${path}: manifest.quantizer: a '${config?.type}' quantizer needs its codebooks in 'file'`,
      { path, key: 'manifest.quantizer.file' },
    );
  }
  return createQuantizer(config, { backend });
}
