/**
 * Test helpers shared by the modality packages' tests, imported as @mmtok/core/test-support: a
 * workspace-only name that vitest.shared.ts and tsconfig.base.json map to this file. It is not a
 * package export, so it is neither built nor published.
 */
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** `manifest` with `path` (dotted keys below the manifest) set to `value`; undefined deletes the key. */
export function variant(manifest: unknown, path: string, value: unknown): Record<string, unknown> {
  const m = structuredClone(manifest) as Record<string, unknown>;
  const keys = path.split('.');
  let o = m;
  for (const k of keys.slice(0, -1)) o = o[k] as Record<string, unknown>;
  if (value === undefined) delete o[keys.at(-1)!];
  else o[keys.at(-1)!] = value;
  return m;
}

/** The code and manifest key of the error `run` throws or rejects with; {} when it succeeds. */
export async function rejection(run: () => unknown): Promise<{ code?: string; key?: string }> {
  try {
    await run();
  } catch (e) {
    const err = e as { code?: string; details?: { key?: string } };
    return { code: err.code, key: err.details?.key };
  }
  return {};
}

/**
 * A tokenizer folder `dir`/tok holding `files` copied from `defaults`, with a way out of it to test
 * confinement: `dir`/outside.safetensors beside it and tok/link.safetensors, a symlink to that file.
 */
export function folderWithEscapes(dir: string, defaults: URL, files: string[]): string {
  const folder = join(dir, 'tok');
  mkdirSync(folder);
  writeFileSync(join(dir, 'outside.safetensors'), 'not yours');
  for (const f of files) writeFileSync(join(folder, f), readFileSync(new URL(f, defaults)));
  symlinkSync(join(dir, 'outside.safetensors'), join(folder, 'link.safetensors'));
  return folder;
}

/** File names a manifest in a folderWithEscapes must refuse: each reaches outside the folder or nowhere. */
export const ESCAPING_FILES: [label: string, file: string][] = [
  ['an absolute path', '/etc/passwd'],
  ['a `..` path to an existing file', '../outside.safetensors'],
  ['a symlink out of the folder', 'link.safetensors'],
  ['a missing file', 'missing.safetensors'],
];

/** Why this host can have no hardware WebGPU adapter (so Dawn is never started unasked), or undefined. */
export { noHardwareGpu } from '../src/backends/webgpu/hardware.js';
