import { readFile, realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { MmtokError } from '../errors.js';

/** A file a manifest names: its role (hashed into the identity), its manifest key, its path relative to the manifest. */
export interface ManifestFile {
  role: string;
  key: string;
  file: string;
}

/**
 * Reads a tokenizer manifest, parses and validates it (`validate` throws MMTOK_MANIFEST), and checks
 * that every file `files` lists exists relative to the manifest and, once `..` and symlinks are
 * resolved, lies inside the manifest's folder: a manifest received from someone else must not make
 * mmtok open the reader's other files.
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
  const realDir = await realpath(dir);
  for (const { key, file } of files(manifest)) {
    const full = resolve(dir, file);
    let real: string;
    try {
      real = await realpath(full);
      if (!(await stat(real)).isFile()) throw new Error('not a file');
    } catch {
      throw new MmtokError('MMTOK_MANIFEST', `${path}: ${key}: file '${file}' not found (looked for ${full})`, {
        path,
        key,
        file: full,
      });
    }
    const rel = relative(realDir, real);
    if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
      throw new MmtokError(
        'MMTOK_MANIFEST',
        `${path}: ${key}: file '${file}' is outside the manifest's folder (${real}); a manifest may only name files beside or below it`,
        { path, key, file: full },
      );
    }
  }
  return { manifest, text, dir };
}
