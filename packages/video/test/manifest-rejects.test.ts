/**
 * The video manifest validator refuses what a received manifest must not do: name files outside
 * its folder, carry wrong types, or ask for sizes beyond the limits. Each case changes one key of
 * the embedded default and expects MMTOK_MANIFEST naming that key; nothing is opened or allocated.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ESCAPING_FILES, folderWithEscapes, rejection, variant } from '@mmtok/core/test-support';
import { describe, expect, it } from 'vitest';
import { readVideoManifest, validateVideoManifest, videoManifestFiles } from '../src/manifest.js';
import { tmp } from './helpers.js';

const DEFAULT = new URL('../assets/default/', import.meta.url);
const base = JSON.parse(readFileSync(new URL('manifest.json', DEFAULT), 'utf8'));

/** A per-frame manifest: each frame through an image tokenizer, no files of its own. */
const perFrame = {
  ...base,
  encoder: { kind: 'per-frame', image: 'default' },
  decoder: { kind: 'per-frame' },
  tokens: { layout: ['t', 'h', 'w', 'levels'], causal: false },
  quantizer: undefined,
};
/** An ONNX encoder and decoder, with a quantizer file only. */
const onnx = {
  ...base,
  encoder: { kind: 'onnx', file: 'enc.onnx', inputName: 'video' },
  decoder: { kind: 'onnx', file: 'dec.onnx' },
  quantizer: { file: 'q.safetensors' },
};

describe('validateVideoManifest accepts', () => {
  const accepted: [label: string, manifest: unknown][] = [
    ['no metadata, description or $schema', variant(variant(base, 'metadata', undefined), 'description', undefined)],
    ['a frame rate and a frame size', variant(variant(base, 'preprocessing.fps', 1000), 'preprocessing.width', 4096)],
    ['one side only (aspect ratio kept)', variant(base, 'preprocessing.height', 720)],
    ['a quantizer config without a file', variant(base, 'quantizer.file', undefined)],
    ['a per-frame encoder', perFrame],
    ['an ONNX encoder and decoder', onnx],
  ];
  for (const [label, manifest] of accepted) {
    it(label, () => {
      expect(validateVideoManifest(JSON.parse(JSON.stringify(manifest)))).toBeTruthy();
    });
  }

  it('lists the files a manifest names, by role', () => {
    const files = (m: unknown) => videoManifestFiles(validateVideoManifest(JSON.parse(JSON.stringify(m))));
    expect(files(base)).toEqual([
      { role: 'encoder', key: 'manifest.encoder.weights', file: 'encoder.safetensors' },
      { role: 'quantizer', key: 'manifest.quantizer.file', file: 'quantizer.safetensors' },
    ]);
    expect(files(onnx)).toEqual([
      { role: 'encoder', key: 'manifest.encoder.file', file: 'enc.onnx' },
      { role: 'quantizer', key: 'manifest.quantizer.file', file: 'q.safetensors' },
      { role: 'decoder', key: 'manifest.decoder.file', file: 'dec.onnx' },
    ]);
    expect(files(perFrame)).toEqual([]);
  });
});

describe('validateVideoManifest rejects', () => {
  it('accepts the embedded default (the base of every case below)', () => {
    expect(validateVideoManifest(structuredClone(base))).toBeTruthy();
  });

  const cases: [label: string, path: string, value: unknown, key: string][] = [
    ['absolute encoder weights', 'encoder.weights', '/etc/passwd', 'manifest.encoder.weights'],
    ['absolute quantizer file', 'quantizer.file', '/etc/passwd', 'manifest.quantizer.file'],
    ['absolute ONNX encoder file', 'encoder', { kind: 'onnx', file: '/etc/passwd' }, 'manifest.encoder.file'],
    ['absolute ONNX decoder file', 'decoder', { kind: 'onnx', file: '/etc/shadow' }, 'manifest.decoder.file'],
    ['a file name that is not a string', 'encoder.weights', ['a'], 'manifest.encoder.weights'],
    ['another format', 'format', 'other', 'manifest.format'],
    ['another format version', 'formatVersion', 2, 'manifest.formatVersion'],
    ['another modality', 'modality', 'audio', 'manifest.modality'],
    ['an unknown top-level key', 'extra', true, 'manifest.extra'],
    ['an empty name', 'name', '', 'manifest.name'],
    ['a description that is not a string', 'description', 5, 'manifest.description'],
    ['a mean of two channels', 'preprocessing.mean', [0.5, 0.5], 'manifest.preprocessing.mean'],
    ['a zero std', 'preprocessing.std', [0.5, 0, 0.5], 'manifest.preprocessing.std'],
    ['a std given as strings', 'preprocessing.std', ['1', '1', '1'], 'manifest.preprocessing.std'],
    ['a frame rate above 1000', 'preprocessing.fps', 1001, 'manifest.preprocessing.fps'],
    ['a negative frame rate', 'preprocessing.fps', -1, 'manifest.preprocessing.fps'],
    ['a temporal patch above 64', 'encoder.temporalPatch', 65, 'manifest.encoder.temporalPatch'],
    ['a fractional patch size', 'encoder.patchSize', 7.5, 'manifest.encoder.patchSize'],
    ['a zero patch size', 'encoder.patchSize', 0, 'manifest.encoder.patchSize'],
    ['another first-frame rule', 'encoder.firstFrame', 'zeros', 'manifest.encoder.firstFrame'],
    ['an unknown encoder kind', 'encoder.kind', 'magic', 'manifest.encoder.kind'],
    ['a missing quantizer for tubelets', 'quantizer', undefined, 'manifest.quantizer'],
    [
      'a quantizer config of the wrong type',
      'quantizer.config',
      { type: 'rvq', dim: 'x' },
      'manifest.quantizer.config',
    ],
    ['a decoder for another encoder', 'decoder.kind', 'per-frame', 'manifest.decoder.kind'],
    ['a swapped token layout', 'tokens.layout', ['h', 't', 'w', 'levels'], 'manifest.tokens.layout'],
    ['causal as a string', 'tokens.causal', 'yes', 'manifest.tokens.causal'],
    ['metadata that is not an object', 'metadata', 'x', 'manifest.metadata'],
    ['a version that is not a string', 'version', 1, 'manifest.version'],
    ['a mean with NaN', 'preprocessing.mean', [0.5, Number.NaN, 0.5], 'manifest.preprocessing.mean'],
    ['a negative std', 'preprocessing.std', [0.5, -0.5, 0.5], 'manifest.preprocessing.std'],
    ['an unknown preprocessing key', 'preprocessing.crop', 8, 'manifest.preprocessing.crop'],
    ['a zero frame rate', 'preprocessing.fps', 0, 'manifest.preprocessing.fps'],
    ['a frame rate as a string', 'preprocessing.fps', '25', 'manifest.preprocessing.fps'],
    ['a frame side above 16384', 'preprocessing.width', 16_385, 'manifest.preprocessing.width'],
    ['one side alone beyond 4096² as a square', 'preprocessing.height', 5000, 'manifest.preprocessing'],
    ['an unknown encoder key', 'encoder.stride', 2, 'manifest.encoder.stride'],
    ['a missing temporal patch', 'encoder.temporalPatch', undefined, 'manifest.encoder.temporalPatch'],
    ['an unknown decoder key', 'decoder.file', 'd.onnx', 'manifest.decoder.file'],
    ['an unknown tokens key', 'tokens.extra', 1, 'manifest.tokens.extra'],
    ['a quantizer with neither config nor file', 'quantizer', {}, 'manifest.quantizer'],
    ['a quantizer file that is not a string', 'quantizer.file', 3, 'manifest.quantizer.file'],
  ];
  for (const [label, path, value, key] of cases) {
    it(label, async () => {
      expect(await rejection(() => validateVideoManifest(variant(base, path, value), 'm.json'))).toEqual({
        code: 'MMTOK_MANIFEST',
        key,
      });
    });
  }
});

describe('validateVideoManifest rejects per-frame and ONNX mistakes', () => {
  const cases: [label: string, manifest: unknown, key: string][] = [
    [
      'a per-frame encoder without an image tokenizer',
      variant(perFrame, 'encoder.image', ''),
      'manifest.encoder.image',
    ],
    ['a per-frame encoder with another key', variant(perFrame, 'encoder.weights', 'w'), 'manifest.encoder.weights'],
    ['a causal per-frame tokenizer', variant(perFrame, 'tokens.causal', true), 'manifest.tokens.causal'],
    [
      'a per-frame encoder with a tubelet decoder',
      variant(perFrame, 'decoder.kind', 'linear-tubelet-inverse'),
      'manifest.decoder.kind',
    ],
    [
      'an ONNX encoder with a tubelet decoder',
      variant(onnx, 'decoder', { kind: 'linear-tubelet-inverse' }),
      'manifest.decoder.kind',
    ],
    ['an ONNX decoder without a file', variant(onnx, 'decoder.file', undefined), 'manifest.decoder.file'],
  ];
  for (const [label, manifest, key] of cases) {
    it(label, async () => {
      const m = JSON.parse(JSON.stringify(manifest));
      expect(await rejection(() => validateVideoManifest(m, 'm.json'))).toEqual({ code: 'MMTOK_MANIFEST', key });
    });
  }
});

describe('readVideoManifest confines files to the manifest folder', () => {
  const folder = folderWithEscapes(tmp(), DEFAULT, ['encoder.safetensors', 'quantizer.safetensors']);
  const read = async (path: string, value: unknown) => {
    writeFileSync(join(folder, 'manifest.json'), JSON.stringify(variant(base, path, value)));
    return rejection(() => readVideoManifest(join(folder, 'manifest.json')));
  };

  it('reads the default copied into a folder', async () => {
    expect(await read('description', 'copy')).toEqual({});
  });
  for (const [label, file] of ESCAPING_FILES) {
    it(label, async () => {
      expect(await read('quantizer.file', file)).toEqual({ code: 'MMTOK_MANIFEST', key: 'manifest.quantizer.file' });
    });
  }
});
