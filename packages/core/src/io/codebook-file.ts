import { configWithoutWeights, type QuantizerConfig, validateConfig } from '../config.js';
import { type AnyQuantizer, type CreateOptions, createQuantizer } from '../create.js';
import { MmtokError } from '../errors.js';
import { GroupedQuantizer } from '../quantizers/grouped.js';
import { VectorQuantizer } from '../quantizers/vq.js';
import { sha256Hex } from './checksum.js';
import { decodeSafetensors, encodeSafetensors, type StoredTensor } from './safetensors.js';

export const CODEBOOK_FORMAT = 'mmtok-quantizer';
export const CODEBOOK_FORMAT_VERSION = '1';

/** Tensor names of a config's learned weights: codebook, codebooks.L, groups.G.(…). */
function weightsOf(config: QuantizerConfig, prefix = ''): Record<string, StoredTensor> {
  switch (config.type) {
    case 'vq':
      return config.codebook
        ? {
            [`${prefix}codebook`]: {
              shape: [config.codebookSize, config.dim],
              data: Float32Array.from(config.codebook),
            },
          }
        : {};
    case 'rvq':
      return Object.fromEntries(
        (config.codebooks ?? []).map((cb, l) => [
          `${prefix}codebooks.${l}`,
          { shape: [config.codebookSize, config.dim], data: Float32Array.from(cb) },
        ]),
      );
    case 'grouped':
      return Object.assign({}, ...config.quantizers.map((q, g) => weightsOf(q, `${prefix}groups.${g}.`)));
    default:
      return {};
  }
}

function withWeights(config: QuantizerConfig, tensors: Record<string, StoredTensor>, prefix = ''): QuantizerConfig {
  const take = (name: string, shape: number[]): Float32Array => {
    const t = tensors[`${prefix}${name}`];
    if (!t) throw new MmtokError('MMTOK_MISMATCH', `the file's config needs tensor '${prefix}${name}', which it lacks`);
    if (t.shape.join(',') !== shape.join(',')) {
      throw new MmtokError(
        'MMTOK_MISMATCH',
        `tensor '${prefix}${name}' has shape [${t.shape}] but the config needs [${shape}]`,
      );
    }
    return t.data;
  };
  switch (config.type) {
    case 'vq':
      return { ...config, codebook: take('codebook', [config.codebookSize, config.dim]) };
    case 'rvq':
      return {
        ...config,
        codebooks: Array.from({ length: config.numQuantizers }, (_, l) =>
          take(`codebooks.${l}`, [config.codebookSize, config.dim]),
        ),
      };
    case 'grouped':
      return {
        ...config,
        quantizers: config.quantizers.map((q, g) => withWeights(q, tensors, `${prefix}groups.${g}.`)),
      };
    default:
      return config;
  }
}

/** The full config of a quantizer, weights included, as its current codebooks hold them. */
export function trainedConfig(q: AnyQuantizer): QuantizerConfig {
  const c = q.config;
  if (q instanceof VectorQuantizer) return { ...q.config, codebook: q.weights };
  if (c.type === 'rvq') return { ...c, codebooks: q.codebooks() };
  if (q instanceof GroupedQuantizer) return { ...q.config, quantizers: q.groups.map(trainedConfig) };
  return c;
}

/**
 * A quantizer as one safetensors file: its learned codebooks as F32 tensors, and in the metadata
 * its JSON config (without weights), the format name and version, and a SHA-256 of the data.
 */
export async function serializeQuantizer(q: AnyQuantizer): Promise<Uint8Array> {
  const config = trainedConfig(q);
  const tensors = weightsOf(config);
  const body = encodeSafetensors(tensors, {});
  const dataChecksum = await sha256Hex(dataSection(body));
  return encodeSafetensors(tensors, {
    format: CODEBOOK_FORMAT,
    version: CODEBOOK_FORMAT_VERSION,
    config: JSON.stringify(configWithoutWeights(config)),
    sha256: dataChecksum,
  });
}

function dataSection(bytes: Uint8Array): Uint8Array {
  const headerLength = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  return bytes.subarray(8 + headerLength);
}

export interface DeserializeOptions extends CreateOptions {
  /** Fail with MMTOK_MISMATCH unless the stored quantizer is of this type. */
  expectType?: QuantizerConfig['type'];
  /** Fail with MMTOK_MISMATCH unless the stored quantizer has this dim. */
  expectDim?: number;
  /** Where the bytes came from (a path or URL): errors start with it and carry it as `details.path`. */
  source?: string;
}

/** Reads what serializeQuantizer wrote, verifying format, version, checksum and shapes. */
export async function deserializeQuantizer(bytes: Uint8Array, options: DeserializeOptions = {}): Promise<AnyQuantizer> {
  const { source } = options;
  if (source === undefined) return decodeQuantizer(bytes, options);
  try {
    return await decodeQuantizer(bytes, options);
  } catch (e) {
    if (!(e instanceof MmtokError)) throw e;
    throw new MmtokError(e.code, `${source}: ${e.message.replace(/^\w+: /, '')}`, { path: source, ...e.details });
  }
}

async function decodeQuantizer(bytes: Uint8Array, options: DeserializeOptions): Promise<AnyQuantizer> {
  const { tensors, metadata } = decodeSafetensors(bytes);
  if (metadata.format !== CODEBOOK_FORMAT) {
    throw new MmtokError(
      'MMTOK_FILE_FORMAT',
      `not an mmtok quantizer file (format ${JSON.stringify(metadata.format)})`,
    );
  }
  if (metadata.version !== CODEBOOK_FORMAT_VERSION) {
    throw new MmtokError(
      'MMTOK_FILE_FORMAT',
      `unsupported quantizer file version ${JSON.stringify(metadata.version)} (this build reads ${CODEBOOK_FORMAT_VERSION})`,
    );
  }
  const actual = await sha256Hex(dataSection(bytes));
  if (actual !== metadata.sha256) {
    throw new MmtokError(
      'MMTOK_CHECKSUM',
      `checksum mismatch: the weights are corrupted (expected ${metadata.sha256}, got ${actual})`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(metadata.config);
  } catch {
    throw new MmtokError('MMTOK_FILE_FORMAT', 'the stored config is not valid JSON');
  }
  const config = withWeights(validateConfig(parsed), tensors);
  if (options.expectType && config.type !== options.expectType) {
    throw new MmtokError(
      'MMTOK_MISMATCH',
      `expected a '${options.expectType}' quantizer, the file holds '${config.type}'`,
    );
  }
  const q = await createQuantizer(config, options);
  if (options.expectDim !== undefined && q.dim !== options.expectDim) {
    throw new MmtokError(
      'MMTOK_MISMATCH',
      `expected a quantizer of dim ${options.expectDim}, the file holds dim ${q.dim}`,
    );
  }
  return q;
}
