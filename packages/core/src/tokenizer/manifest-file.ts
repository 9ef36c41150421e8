import { readFile, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { MmtokError } from '../errors.js';

/** A file a manifest names: its role (hashed into the identity), its manifest key, its path relative to the manifest. */
export interface ManifestFile {
  role: string;
  key: string;
  file: string;
}

/**
 * Reads a tokenizer manifest, parses and validates it (`validate` throws MMTOK_MANIFEST), and checks
 * that every file `files` lists exists relative to the manifest.
 */
export async function readManifestFile<M>(
  path: string,
  validate: (value: unknown, file: string) => M,
  files: (manifest: M) => ManifestFile[],
): Promise<{ manifest: M; text: string; dir: string }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new MmtokError('MMTOK_IO', `could not read tokenizer manifest ${path}: ${(e as Error).message}`, { path });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new MmtokError('MMTOK_MANIFEST', `${path}: not valid JSON (${(e as Error).message})`, {
      path,
      key: 'manifest',
    });
  }
  const manifest = validate(parsed, path);
  const dir = dirname(resolve(path));
  for (const { key, file } of files(manifest)) {
    const full = resolve(dir, file);
    try {
      if (!(await stat(full)).isFile()) throw new Error('not a file');
    } catch {
      throw new MmtokError('MMTOK_MANIFEST', `${path}: ${key}: file '${file}' not found (looked for ${full})`, {
        path,
        key,
        file: full,
      });
    }
  }
  return { manifest, text, dir };
}
