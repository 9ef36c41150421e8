import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';

/** Stable JSON: sorted keys, undefined dropped, so a hash does not depend on formatting or key order. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .filter((k) => o[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/**
 * A tokenizer's identity: sha256 over its canonical manifest, then each named file's role and
 * sha256 (relative to `dir`), then any `extra` parts (e.g. a nested tokenizer's hash). Token files
 * record it, so this layout must never change.
 */
export async function tokenizerIdentity(
  manifest: { name: string; version: string },
  dir: string,
  files: readonly { role: string; file: string }[],
  extra: readonly string[] = [],
): Promise<{ name: string; version: string; hash: string }> {
  const h = createHash('sha256');
  h.update(canonicalJson(manifest));
  for (const { role, file } of files) {
    const bytes = await readFile(resolve(dir, file));
    h.update(`\n${role}:${createHash('sha256').update(bytes).digest('hex')}`);
  }
  for (const part of extra) h.update(`\n${part}`);
  return { name: manifest.name, version: manifest.version, hash: h.digest('hex') };
}
