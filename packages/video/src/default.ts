import { type BuiltinTokenizerEntry, builtinRegistry } from '@mmtok/core/node';

export type BuiltinVideoTokenizer = BuiltinTokenizerEntry;

// Resolved from this module so it works from src/ and dist/ alike (both one level below the package root).
const registry = builtinRegistry(new URL('../assets/', import.meta.url), [
  {
    name: 'default',
    description:
      'causal 4×8×8 RGB tubelets → PCA + residual VQ, trained on pans/zooms over CC0 images and synthetic clips; any size, offline',
    dir: 'default',
  },
  {
    name: 'per-frame',
    description: "@mmtok/image's default tokenizer applied to every frame (tokens stacked along t)",
    dir: 'per-frame',
  },
]);

export function listVideoTokenizers(): BuiltinVideoTokenizer[] {
  return registry.list();
}

export function builtinVideoManifestPath(name: string): string | undefined {
  return registry.manifestPath(name);
}
