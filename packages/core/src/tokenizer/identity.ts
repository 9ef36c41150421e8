import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { sha256Hex } from '../io/checksum.js';
import { identityFromDigests } from './identity-hash.js';

export { canonicalJson } from './identity-hash.js';

/** A tokenizer's identity (`identityFromDigests`) with each named file read from `dir`. */
export async function tokenizerIdentity(
  manifest: { name: string; version: string },
  dir: string,
  files: readonly { role: string; file: string }[],
  extra: readonly string[] = [],
): Promise<{ name: string; version: string; hash: string }> {
  const digests = [];
  for (const { role, file } of files)
    digests.push({ role, sha256: await sha256Hex(await readFile(resolve(dir, file))) });
  return identityFromDigests(manifest, digests, extra);
}
