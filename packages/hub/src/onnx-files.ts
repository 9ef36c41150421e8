import { MmtokError } from '@mmtok/core';

/** Transformers.js's file suffix per ONNX dtype: onnx/<name><suffix>.onnx. */
export const ONNX_DTYPE_SUFFIX: Readonly<Record<string, string>> = {
  fp32: '',
  fp16: '_fp16',
  q8: '_quantized',
  int8: '_int8',
  uint8: '_uint8',
  q4: '_q4',
  q4f16: '_q4f16',
  bnb4: '_bnb4',
};

/** onnxModelFile('encoder_model', 'fp16') → 'onnx/encoder_model_fp16.onnx'. */
export function onnxModelFile(name: string, dtype = 'fp32'): string {
  const suffix = ONNX_DTYPE_SUFFIX[dtype];
  if (suffix === undefined) {
    throw new MmtokError(
      'MMTOK_CONFIG',
      `unknown dtype "${dtype}" (known: ${Object.keys(ONNX_DTYPE_SUFFIX).join(', ')})`,
    );
  }
  return `onnx/${name}${suffix}.onnx`;
}

/** A model file's weights stored beside it (models over 2 GB): `<file>_data`. */
export function onnxExternalDataFile(modelFile: string): string {
  return `${modelFile}_data`;
}

/** The dtypes of model `name` a repo's file list has, in ONNX_DTYPE_SUFFIX's order. */
export function dtypesPresent(files: readonly string[], name: string): string[] {
  const have = new Set(files);
  return Object.keys(ONNX_DTYPE_SUFFIX).filter((dtype) => have.has(onnxModelFile(name, dtype)));
}

/** The model names under onnx/ (encoder_model, decoder_model, model, …), each dtype suffix taken off. */
export function onnxModelNames(files: readonly string[]): string[] {
  const suffixes = Object.values(ONNX_DTYPE_SUFFIX)
    .filter((s) => s !== '')
    .sort((a, b) => b.length - a.length);
  const names = new Set<string>();
  for (const f of files) {
    const m = /^onnx\/([^/]+)\.onnx$/.exec(f);
    if (!m) continue;
    const suffix = suffixes.find((s) => m[1].endsWith(s));
    names.add(suffix ? m[1].slice(0, -suffix.length) : m[1]);
  }
  return [...names].sort();
}
