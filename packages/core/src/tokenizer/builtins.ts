import { fileURLToPath } from 'node:url';

export interface BuiltinTokenizerEntry {
  name: string;
  description: string;
  manifestPath: string;
}

/**
 * The tokenizers a package ships under `assets` (a URL the package resolves from its own module, so
 * it works from src/ and dist/ alike): each `dir` holds a manifest.json.
 */
export function builtinRegistry(assets: URL, builtins: readonly { name: string; description: string; dir: string }[]) {
  const list = (): BuiltinTokenizerEntry[] =>
    builtins.map((b) => ({
      name: b.name,
      description: b.description,
      manifestPath: fileURLToPath(new URL(`${b.dir}/manifest.json`, assets)),
    }));
  return {
    list,
    /** The manifest path of a built-in tokenizer, or undefined for any other name. */
    manifestPath: (name: string): string | undefined => list().find((t) => t.name === name)?.manifestPath,
  };
}
