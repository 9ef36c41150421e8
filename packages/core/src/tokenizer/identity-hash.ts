import { sha256Hex } from '../io/checksum.js';

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
 * sha256, then any `extra` parts (e.g. a nested tokenizer's hash). Token files record it, so this
 * layout must never change. Works wherever Web Crypto does (Node, browsers); `tokenizerIdentity`
 * in `@mmtok/core/node` reads the files from disk.
 */
export async function identityFromDigests(
  manifest: { name: string; version: string },
  files: readonly { role: string; sha256: string }[],
  extra: readonly string[] = [],
): Promise<{ name: string; version: string; hash: string }> {
  const text = [canonicalJson(manifest), ...files.map((f) => `${f.role}:${f.sha256}`), ...extra].join('\n');
  return { name: manifest.name, version: manifest.version, hash: await sha256Hex(new TextEncoder().encode(text)) };
}
