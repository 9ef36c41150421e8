import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { AnyQuantizer } from '../create.js';
import { saveQuantizer, writeFileAtomic } from '../io/files.js';

/** Writes a manifest as pretty JSON with a trailing newline, atomically. */
export async function writeManifestJson(path: string, manifest: object): Promise<void> {
  await writeFileAtomic(path, new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`));
}

/**
 * Writes a trained linear tokenizer into `outDir`: encoder.safetensors, quantizer.safetensors (when
 * the quantizer has codebooks to keep), then manifest.json last so a reader never sees a manifest
 * naming missing files. Returns the manifest path.
 */
export async function writeTrainedTokenizer(
  outDir: string,
  files: { encoder: Uint8Array; quantizer?: AnyQuantizer; manifest: object },
): Promise<string> {
  await mkdir(outDir, { recursive: true });
  await writeFileAtomic(join(outDir, 'encoder.safetensors'), files.encoder);
  if (files.quantizer) await saveQuantizer(files.quantizer, join(outDir, 'quantizer.safetensors'));
  const manifestPath = join(outDir, 'manifest.json');
  await writeManifestJson(manifestPath, files.manifest);
  return manifestPath;
}
