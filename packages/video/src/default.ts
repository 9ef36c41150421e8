import { fileURLToPath } from 'node:url';

export interface BuiltinVideoTokenizer {
  name: string;
  description: string;
  manifestPath: string;
}

// Resolved from this module so it works from src/ and dist/ alike (both one level below the package root).
const ASSETS = new URL('../assets/', import.meta.url);

const BUILTINS: readonly { name: string; description: string; dir: string }[] = [
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
];

export function listVideoTokenizers(): BuiltinVideoTokenizer[] {
  return BUILTINS.map((b) => ({
    name: b.name,
    description: b.description,
    manifestPath: fileURLToPath(new URL(`${b.dir}/manifest.json`, ASSETS)),
  }));
}

export function builtinVideoManifestPath(name: string): string | undefined {
  return listVideoTokenizers().find((t) => t.name === name)?.manifestPath;
}
