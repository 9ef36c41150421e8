import { resolve } from 'node:path';
import type { AnyQuantizer } from '../create.js';
import { loadQuantizer } from '../io/files.js';
import { type LoadManifestQuantizerOptions, type ManifestQuantizerSpec, quantizerFromSpec } from './quantizer-spec.js';

export type { LoadManifestQuantizerOptions, ManifestQuantizerSpec } from './quantizer-spec.js';

/** The quantizer a manifest entry names, its file read from `dir` (the manifest's folder; `path` the manifest). */
export async function loadManifestQuantizer(
  spec: ManifestQuantizerSpec | undefined,
  dir: string,
  path: string,
  options: LoadManifestQuantizerOptions & { required: true },
): Promise<AnyQuantizer>;
export async function loadManifestQuantizer(
  spec: ManifestQuantizerSpec | undefined,
  dir: string,
  path: string,
  options?: LoadManifestQuantizerOptions,
): Promise<AnyQuantizer | undefined>;
export async function loadManifestQuantizer(
  spec: ManifestQuantizerSpec | undefined,
  dir: string,
  path: string,
  options: LoadManifestQuantizerOptions = {},
): Promise<AnyQuantizer | undefined> {
  return quantizerFromSpec(spec, path, (file, o) => loadQuantizer(resolve(dir, file), o), options);
}
