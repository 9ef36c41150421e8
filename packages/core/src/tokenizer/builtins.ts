import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MmtokError } from '../errors.js';

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

/**
 * A built-in name, a manifest path, or a folder holding manifest.json → the manifest's path. Anything
 * else fails MMTOK_TOKENIZER_NOT_FOUND listing the built-ins; `what` names the kind ('audio tokenizer').
 */
export async function locateManifest(
  nameOrManifestPath: string,
  builtins: { manifestPath(name: string): string | undefined; list(): readonly { name: string }[] },
  what: string,
): Promise<string> {
  const builtin = builtins.manifestPath(nameOrManifestPath);
  if (builtin) return builtin;
  let path = nameOrManifestPath;
  try {
    if ((await stat(path)).isDirectory()) path = join(path, 'manifest.json');
  } catch {
    throw new MmtokError(
      'MMTOK_TOKENIZER_NOT_FOUND',
      `no built-in ${what} or manifest file named '${nameOrManifestPath}' (built-ins: ${builtins
        .list()
        .map((t) => t.name)
        .join(', ')})`,
      { name: nameOrManifestPath },
    );
  }
  return path;
}
