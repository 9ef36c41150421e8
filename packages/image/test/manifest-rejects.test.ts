/**
 * The image manifest validator refuses what a received manifest must not do: name files outside its
 * folder, carry wrong types, mix options of another resize mode, or ask for sizes beyond the limits.
 * Each case changes one key of the embedded default (or the ONNX fixture) and expects MMTOK_MANIFEST
 * naming that key; nothing is opened or allocated.
 */
import { readFileSync } from 'node:fs';
import { rejection, variant } from '@mmtok/core/test-support';
import { describe, expect, it } from 'vitest';
import { manifestFiles, validateManifest } from '../src/manifest.js';

const json = (url: URL) => JSON.parse(readFileSync(url, 'utf8'));
const base = json(new URL('../assets/default/manifest.json', import.meta.url));
/** ONNX encoder emitting FSQ codes, ONNX decoder taking indices, a config-only quantizer. */
const onnx = json(new URL('./fixtures/onnx/fsq-codes.manifest.json', import.meta.url));

describe('validateManifest (image) rejects', () => {
  it('accepts the embedded default and the ONNX fixture unchanged', () => {
    expect(validateManifest(structuredClone(base))).toEqual(base);
    expect(validateManifest(structuredClone(onnx))).toEqual(onnx);
  });

  it('accepts each resize mode with its own options, and either layout', () => {
    for (const resize of [
      { mode: 'exact', width: 64, height: 48 },
      { mode: 'shorter-side-crop', size: 64 },
      { mode: 'pad', size: 64, fill: [0, 0.5, 1] },
      { mode: 'pad', size: 4096 },
    ]) {
      const m = variant(base, 'preprocessing.resize', resize);
      expect(validateManifest(m), resize.mode).toEqual(m);
    }
    const levelsFirst = variant(base, 'tokens.layout', ['levels', 'h', 'w']);
    expect(validateManifest(levelsFirst)).toEqual(levelsFirst);
    const noPad = variant(base, 'preprocessing.pad', undefined);
    expect(validateManifest(noPad)).toEqual(noPad);
  });

  const cases: [label: string, manifest: unknown, path: string, value: unknown, key: string][] = [
    ['absolute encoder weights', base, 'encoder.weights', '/etc/passwd', 'manifest.encoder.weights'],
    ['absolute quantizer file', base, 'quantizer.file', '/etc/passwd', 'manifest.quantizer.file'],
    ['absolute ONNX encoder file', onnx, 'encoder.file', '/etc/passwd', 'manifest.encoder.file'],
    ['a URL as ONNX decoder file', onnx, 'decoder.file', 'https://example.com/d.onnx', 'manifest.decoder.file'],
    ['another modality', base, 'modality', 'audio', 'manifest.modality'],
    ['preprocessing that is not an object', base, 'preprocessing', [], 'manifest.preprocessing'],
    ['an unknown preprocessing key', base, 'preprocessing.gamma', 2.2, 'manifest.preprocessing.gamma'],
    ['a missing size multiple', base, 'preprocessing.sizeMultiple', undefined, 'manifest.preprocessing.sizeMultiple'],
    ['a size multiple above 1024', base, 'preprocessing.sizeMultiple', 1028, 'manifest.preprocessing.sizeMultiple'],
    ['a resize that is not an object', base, 'preprocessing.resize', 'none', 'manifest.preprocessing.resize'],
    ['an unknown resize mode', base, 'preprocessing.resize', { mode: 'stretch' }, 'manifest.preprocessing.resize.mode'],
    [
      'a width for resize none',
      base,
      'preprocessing.resize',
      { mode: 'none', width: 8 },
      'manifest.preprocessing.resize.width',
    ],
    [
      'a size for resize exact',
      base,
      'preprocessing.resize',
      { mode: 'exact', width: 8, height: 8, size: 8 },
      'manifest.preprocessing.resize.size',
    ],
    [
      'a fill for shorter-side-crop',
      base,
      'preprocessing.resize',
      { mode: 'shorter-side-crop', size: 8, fill: [0, 0, 0] },
      'manifest.preprocessing.resize.fill',
    ],
    [
      'a width for pad',
      base,
      'preprocessing.resize',
      { mode: 'pad', size: 8, width: 8 },
      'manifest.preprocessing.resize.width',
    ],
    [
      'exact without a width',
      base,
      'preprocessing.resize',
      { mode: 'exact', height: 8 },
      'manifest.preprocessing.resize.width',
    ],
    [
      'exact beyond 4096×4096 pixels',
      base,
      'preprocessing.resize',
      { mode: 'exact', width: 16384, height: 1025 },
      'manifest.preprocessing.resize',
    ],
    [
      'a crop size of 0',
      base,
      'preprocessing.resize',
      { mode: 'shorter-side-crop', size: 0 },
      'manifest.preprocessing.resize.size',
    ],
    [
      'a pad size beyond 4096×4096 pixels',
      base,
      'preprocessing.resize',
      { mode: 'pad', size: 4097 },
      'manifest.preprocessing.resize',
    ],
    [
      'a pad fill of two numbers',
      base,
      'preprocessing.resize',
      { mode: 'pad', size: 8, fill: [0, 0] },
      'manifest.preprocessing.resize.fill',
    ],
    [
      'a pad fill with a string',
      base,
      'preprocessing.resize',
      { mode: 'pad', size: 8, fill: [0, '0', 0] },
      'manifest.preprocessing.resize.fill[1]',
    ],
    ['a mean that is not a triple', base, 'preprocessing.mean', 0.5, 'manifest.preprocessing.mean'],
    ['a non-finite mean', base, 'preprocessing.mean', [0.5, null, 0.5], 'manifest.preprocessing.mean[1]'],
    ['a negative std', base, 'preprocessing.std', [0.5, 0.5, -0.5], 'manifest.preprocessing.std[2]'],
    ['an unknown pad', base, 'preprocessing.pad', 'mirror', 'manifest.preprocessing.pad'],
    ['an encoder that is null', base, 'encoder', null, 'manifest.encoder.kind'],
    ['an unknown encoder kind', base, 'encoder.kind', 'vit', 'manifest.encoder.kind'],
    ['a patch size of 0', base, 'encoder.patchSize', 0, 'manifest.encoder.patchSize'],
    ['a patch size above 256', base, 'encoder.patchSize', 512, 'manifest.encoder.patchSize'],
    ['an encoder without weights', base, 'encoder.weights', undefined, 'manifest.encoder.weights'],
    ['an unknown ONNX encoder key', onnx, 'encoder.opset', 17, 'manifest.encoder.opset'],
    ['an ONNX encoder without an input name', onnx, 'encoder.inputName', undefined, 'manifest.encoder.inputName'],
    ['an ONNX encoder with a numeric input name', onnx, 'encoder.inputName', 5, 'manifest.encoder.inputName'],
    ['an ONNX decoder with an empty input name', onnx, 'decoder.inputName', '', 'manifest.decoder.inputName'],
    ['an ONNX encoder with an empty output name', onnx, 'encoder.outputName', '', 'manifest.encoder.outputName'],
    ['a missing quantizer', base, 'quantizer', undefined, 'manifest.quantizer'],
    ['a decoder that is null', base, 'decoder', null, 'manifest.decoder.kind'],
    ['a key beside the inverse decoder', base, 'decoder.file', 'd.onnx', 'manifest.decoder.file'],
    [
      'an inverse decoder after an ONNX encoder',
      onnx,
      'decoder',
      { kind: 'linear-patch-inverse' },
      'manifest.decoder.kind',
    ],
    ['an ONNX decoder without an input name', onnx, 'decoder.inputName', undefined, 'manifest.decoder.inputName'],
    ['an ONNX decoder with a numeric output name', onnx, 'decoder.outputName', 1, 'manifest.decoder.outputName'],
    ['an ONNX decoder with an unknown input', onnx, 'decoder.input', 'codes', 'manifest.decoder.input'],
    ['an unknown ONNX decoder key', onnx, 'decoder.opset', 17, 'manifest.decoder.opset'],
    ['tokens that are not an object', base, 'tokens', ['h', 'w', 'levels'], 'manifest.tokens'],
    ['an unknown tokens key', base, 'tokens.frameRate', 1, 'manifest.tokens.frameRate'],
    ['a layout that is not an array', base, 'tokens.layout', 'h,w,levels', 'manifest.tokens.layout'],
    ['a layout with an extra axis', base, 'tokens.layout', ['h', 'w', 'levels', 'c'], 'manifest.tokens.layout'],
    ['a layout in another order', base, 'tokens.layout', ['w', 'h', 'levels'], 'manifest.tokens.layout'],
    ['a layout sharing no position with either', base, 'tokens.layout', ['w', 'levels', 'h'], 'manifest.tokens.layout'],
    ['a prefix of a layout', base, 'tokens.layout', ['levels', 'h'], 'manifest.tokens.layout'],
  ];
  for (const [label, manifest, path, value, key] of cases) {
    it(label, async () => {
      expect(await rejection(() => validateManifest(variant(manifest, path, value), 'm.json'))).toEqual({
        code: 'MMTOK_MANIFEST',
        key,
      });
    });
  }

  it('messages name the file and what was expected', () => {
    expect(() => validateManifest(variant(base, 'modality', 'audio'))).toThrow(': manifest: manifest.modality: ');
    expect(() => validateManifest(variant(base, 'preprocessing.resize', { mode: 'none', width: 8 }), 'm.json')).toThrow(
      "m.json: manifest.preprocessing.resize.width: is not a 'none' option",
    );
    expect(() => validateManifest(variant(base, 'encoder.patchSize', 3))).toThrow(
      "must be a multiple of the encoder's patchSize 3",
    );
    expect(() => validateManifest(variant(base, 'preprocessing.std', [0.5, 0, 0.5]))).toThrow(
      'must be a finite positive number, got 0',
    );
    expect(() => validateManifest(variant(base, 'preprocessing.mean', [0.5, 'x', 0.5]))).toThrow(
      'must be a finite number, got "x"',
    );
    expect(() => validateManifest(variant(base, 'preprocessing.mean', [0.5]))).toThrow(
      'must be an array of 3 numbers (R, G, B)',
    );
    expect(() => validateManifest(variant(onnx, 'decoder', { kind: 'linear-patch-inverse' }))).toThrow(
      "'linear-patch-inverse' needs a 'linear-patch' encoder",
    );
    expect(() => validateManifest(variant(base, 'tokens.layout', ['w', 'h']))).toThrow(
      'must be one of ["h","w","levels"], ["levels","h","w"], got ["w","h"]',
    );
  });
});

describe('manifestFiles (image)', () => {
  it('lists the files each kind of manifest names, by role and key', () => {
    expect(manifestFiles(base)).toEqual([
      { role: 'encoder', key: 'manifest.encoder.weights', file: 'encoder.safetensors' },
      { role: 'quantizer', key: 'manifest.quantizer.file', file: 'quantizer.safetensors' },
    ]);
    expect(manifestFiles(onnx)).toEqual([
      { role: 'encoder', key: 'manifest.encoder.file', file: 'fsq-codes.encoder.onnx' },
      { role: 'decoder', key: 'manifest.decoder.file', file: 'fsq-codes.decoder.onnx' },
    ]);
  });
});
