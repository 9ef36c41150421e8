import { fileURLToPath } from 'node:url';

export interface BuiltinTokenizer {
  name: string;
  description: string;
  manifestPath: string;
}

// Resolved from this module so it works from src/ (tests, tsx) and dist/ alike: both sit one level below the package root.
const ASSETS = new URL('../assets/', import.meta.url);

const BUILTINS: readonly { name: string; description: string; dir: string }[] = [
  {
    name: 'default',
    description:
      'PCA of 4×4 RGB patches (16 dims) + 6×256 residual VQ, trained on CC0 samples; any image size, offline',
    dir: 'default',
  },
];

/** The tokenizers that ship inside the package. */
export function listTokenizers(): BuiltinTokenizer[] {
  return BUILTINS.map((b) => ({
    name: b.name,
    description: b.description,
    manifestPath: fileURLToPath(new URL(`${b.dir}/manifest.json`, ASSETS)),
  }));
}

/** The manifest path of a built-in tokenizer, or undefined for any other name. */
export function builtinManifestPath(name: string): string | undefined {
  return listTokenizers().find((t) => t.name === name)?.manifestPath;
}
