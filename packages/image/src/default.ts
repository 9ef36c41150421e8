import { type BuiltinTokenizerEntry, builtinRegistry } from '@mmtok/core/node';

export type BuiltinTokenizer = BuiltinTokenizerEntry;

// Resolved from this module so it works from src/ (tests, tsx) and dist/ alike: both sit one level below the package root.
const registry = builtinRegistry(new URL('../assets/', import.meta.url), [
  {
    name: 'default',
    description:
      'PCA of 4×4 RGB patches (16 dims) + 6×256 residual VQ, trained on CC0 samples; any image size, offline',
    dir: 'default',
  },
]);

/** The tokenizers that ship inside the package. */
export function listTokenizers(): BuiltinTokenizer[] {
  return registry.list();
}

/** The manifest path of a built-in tokenizer, or undefined for any other name. */
export function builtinManifestPath(name: string): string | undefined {
  return registry.manifestPath(name);
}
