import { type BuiltinTokenizerEntry, builtinRegistry } from '@mmtok/core/node';

export type BuiltinAudioTokenizer = BuiltinTokenizerEntry;

// Resolved from this module so it works from src/ (tests, tsx) and dist/ alike: both sit one level below the package root.
const registry = builtinRegistry(new URL('../assets/', import.meta.url), [
  {
    name: 'default',
    description:
      '16 kHz mono linear-frame codec: 20 ms sqrt-Hann frames, 10 ms hop (100 frames/s) → PCA 64 → 16×64 residual VQ, 9.6 kbps; trained on espeak-ng speech and synthetic music',
    dir: 'default',
  },
]);

/** The audio tokenizers that ship inside the package. */
export function listAudioTokenizers(): BuiltinAudioTokenizer[] {
  return registry.list();
}

/** The manifest path of a built-in audio tokenizer, or undefined for any other name. */
export function builtinAudioManifestPath(name: string): string | undefined {
  return registry.manifestPath(name);
}
