import type * as Ort from 'onnxruntime-node';
import { MmtokError } from '../errors.js';

export type OnnxRuntime = typeof Ort;
let runtime: Promise<OnnxRuntime> | undefined;

/** onnxruntime-node, imported on first use so built-in (non-ONNX) tokenizers never load the native addon. */
export function onnxRuntime(): Promise<OnnxRuntime> {
  runtime ??= import('onnxruntime-node');
  return runtime;
}

/**
 * Opens an ONNX model file on the given execution providers, in order of preference. A provider this
 * onnxruntime-node build lacks is MMTOK_BACKEND, as is one that fails to start on a model that
 * parses; anything else is MMTOK_MODEL, "could not load the `what`", with `details` added.
 */
export async function createOnnxSession(
  file: string,
  executionProviders: readonly string[],
  what = 'model',
  details: Record<string, unknown> = {},
): Promise<{ session: Ort.InferenceSession; runtime: OnnxRuntime }> {
  const mod = await onnxRuntime();
  const available = mod.listSupportedBackends().map((b) => b.name);
  for (const ep of executionProviders) {
    if (!available.includes(ep)) {
      throw new MmtokError(
        'MMTOK_BACKEND',
        `execution provider '${ep}' is not available in this onnxruntime-node build (available: ${available.join(', ')})`,
        { executionProvider: ep, available },
      );
    }
  }
  try {
    const session = await mod.InferenceSession.create(file, { executionProviders: [...executionProviders] });
    return { session, runtime: mod };
  } catch (e) {
    const msg = (e as Error).message;
    // A model that parses but whose provider fails to start is a backend problem, not a model one.
    if (executionProviders.some((ep) => ep !== 'cpu') && !/protobuf|parse|load model/i.test(msg)) {
      throw new MmtokError(
        'MMTOK_BACKEND',
        `${file}: could not start execution provider(s) [${executionProviders.join(', ')}]: ${msg}`,
        { path: file, executionProviders: [...executionProviders] },
      );
    }
    throw new MmtokError('MMTOK_MODEL', `${file}: onnxruntime could not load the ${what}: ${msg}`, {
      path: file,
      ...details,
    });
  }
}
