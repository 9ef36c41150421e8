/**
 * Test helpers shared by the modality packages' tests (imported as @mmtok/core/test-support, a
 * source-only export: it is not built or published).
 */

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
