/**
 * The audio manifest validator refuses what a received manifest must not do: name files outside
 * its folder, carry wrong types, or ask for sizes beyond the limits. Each case changes one key of
 * the embedded default and expects MMTOK_MANIFEST naming that key; nothing is opened or allocated.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ESCAPING_FILES, folderWithEscapes, rejection, variant } from '@mmtok/core/test-support';
import { describe, expect, it } from 'vitest';
import { audioManifestFiles, hopOf, readAudioManifest, validateAudioManifest } from '../src/manifest.js';
import { tempDir } from './helpers.js';

const DEFAULT = new URL('../assets/default/', import.meta.url);
const base = JSON.parse(readFileSync(new URL('manifest.json', DEFAULT), 'utf8'));

const fixture = (path: string) => JSON.parse(readFileSync(new URL(`./fixtures/${path}`, import.meta.url), 'utf8'));
/** An ONNX codec emitting codes with an ONNX decoder taking them: no quantizer, no bitrate. */
const codes = fixture('onnx/codes.manifest.json');
/** An ONNX codec emitting latents that mmtok quantizes. */
const latents = fixture('onnx/latents.manifest.json');
/** A semantic tokenizer: a 'features' encoder, a quantizer, no decoder. */
const units = fixture('semantic/units.manifest.json');

const onnx = {
  kind: 'onnx',
  file: 'encoder.onnx',
  inputName: 'audio',
  outputName: 'latents',
  output: 'latents',
};

describe('validateAudioManifest rejects', () => {
  it('accepts the embedded default (the base of every case below)', () => {
    expect(validateAudioManifest(structuredClone(base))).toEqual(base);
  });

  const cases: [label: string, path: string, value: unknown, key: string][] = [
    ['absolute encoder weights', 'encoder.weights', '/etc/passwd', 'manifest.encoder.weights'],
    ['absolute quantizer file', 'quantizer.file', '/etc/passwd', 'manifest.quantizer.file'],
    ['absolute ONNX encoder file', 'encoder', { ...onnx, file: '/etc/passwd' }, 'manifest.encoder.file'],
    ['an empty file name', 'encoder.weights', '', 'manifest.encoder.weights'],
    ['a file name that is not a string', 'encoder.weights', 7, 'manifest.encoder.weights'],
    ['another format', 'format', 'other', 'manifest.format'],
    ['another format version', 'formatVersion', 2, 'manifest.formatVersion'],
    ['another modality', 'modality', 'video', 'manifest.modality'],
    ['an unknown top-level key', 'extra', true, 'manifest.extra'],
    ['a missing encoder', 'encoder', undefined, 'manifest.encoder'],
    ['a sample rate as a string', 'preprocessing.sampleRate', '16000', 'manifest.preprocessing.sampleRate'],
    ['a sample rate above 768 kHz', 'preprocessing.sampleRate', 768_001, 'manifest.preprocessing.sampleRate'],
    ['a fractional channel count', 'preprocessing.channels', 1.5, 'manifest.preprocessing.channels'],
    ['more than 64 channels', 'preprocessing.channels', 65, 'manifest.preprocessing.channels'],
    ['zero channels', 'preprocessing.channels', 0, 'manifest.preprocessing.channels'],
    ['a negative frame rate', 'tokens.frameRate', -100, 'manifest.tokens.frameRate'],
    ['a frame rate that is no whole hop', 'tokens.frameRate', 99, 'manifest.tokens.frameRate'],
    ['a swapped token layout', 'tokens.layout', ['frames', 'levels'], 'manifest.tokens.layout'],
    ['more than 1024 levels', 'tokens.levels', 1025, 'manifest.tokens.levels'],
    ['a hop above 65536 samples', 'encoder.hopLength', 65_537, 'manifest.encoder.hopLength'],
    ['a frame length other than twice the hop', 'encoder.frameLength', 321, 'manifest.encoder.frameLength'],
    ['an unknown window', 'encoder.window', 'hann', 'manifest.encoder.window'],
    ['an unknown encoder kind', 'encoder.kind', 'magic', 'manifest.encoder.kind'],
    ['a quantizer with neither config nor file', 'quantizer', {}, 'manifest.quantizer'],
    ['a non-positive bitrate', 'bitrate', 0, 'manifest.bitrate'],
    ['metadata that is not an object', 'metadata', [1], 'manifest.metadata'],
    ['preprocessing that is not an object', 'preprocessing', [16000, 1], 'manifest.preprocessing'],
    ['an unknown preprocessing key', 'preprocessing.bits', 16, 'manifest.preprocessing.bits'],
    ['tokens that are not an object', 'tokens', 'levels', 'manifest.tokens'],
    ['an unknown tokens key', 'tokens.extra', 1, 'manifest.tokens.extra'],
    ['a missing frame rate', 'tokens.frameRate', undefined, 'manifest.tokens.frameRate'],
    ['a codebook size of 0', 'tokens.codebookSize', 0, 'manifest.tokens.codebookSize'],
    [
      'a token layout that is not an array',
      'tokens.layout',
      { length: 2, 0: 'levels', 1: 'frames' },
      'manifest.tokens.layout',
    ],
    ['a token layout with a third axis', 'tokens.layout', ['levels', 'frames', 'channels'], 'manifest.tokens.layout'],
    ['a token layout without levels first', 'tokens.layout', ['frames', 'frames'], 'manifest.tokens.layout'],
    ['a token layout without frames second', 'tokens.layout', ['levels', 'levels'], 'manifest.tokens.layout'],
    ['an encoder that is null', 'encoder', null, 'manifest.encoder.kind'],
    ['an unknown linear-frame encoder key', 'encoder.bias', 'b.bin', 'manifest.encoder.bias'],
    ['a linear-frame encoder without weights', 'encoder.weights', undefined, 'manifest.encoder.weights'],
    [
      'a hop other than sampleRate / frameRate',
      'encoder',
      { ...base.encoder, hopLength: 80, frameLength: 160 },
      'manifest.encoder.hopLength',
    ],
    ['a linear-frame encoder without a quantizer', 'quantizer', undefined, 'manifest.quantizer'],
    ['a missing decoder', 'decoder', undefined, 'manifest.decoder'],
    ['a decoder that is null', 'decoder', null, 'manifest.decoder.kind'],
    ['an unknown decoder kind', 'decoder.kind', 'magic', 'manifest.decoder.kind'],
    ['a key beside the inverse decoder', 'decoder.file', 'decoder.onnx', 'manifest.decoder.file'],
    ['an inverse decoder after an ONNX encoder', 'encoder', { ...onnx, output: 'latents' }, 'manifest.decoder.kind'],
  ];
  for (const [label, path, value, key] of cases) {
    it(label, async () => {
      expect(await rejection(() => validateAudioManifest(variant(base, path, value), 'm.json'))).toEqual({
        code: 'MMTOK_MANIFEST',
        key,
      });
    });
  }
});

describe('validateAudioManifest: ONNX and semantic manifests', () => {
  it('accepts the ONNX codes, ONNX latents and semantic fixtures unchanged', () => {
    for (const m of [codes, latents, units]) expect(validateAudioManifest(structuredClone(m))).toEqual(m);
  });

  it('accepts the optional keys: token codebook size and levels, an ONNX decoder without input', () => {
    const m = variant(variant(codes, 'tokens.codebookSize', 2048), 'tokens.levels', 8);
    expect(validateAudioManifest(m)).toEqual(m);
    expect(validateAudioManifest(variant(codes, 'decoder.input', undefined))).toEqual(
      variant(codes, 'decoder.input', undefined),
    );
    expect(validateAudioManifest(variant(base, 'bitrate', undefined))).toEqual(variant(base, 'bitrate', undefined));
    // ONNX encoders and decoders carry their codec's own keys (checked by onnx-codec.ts).
    const own = variant(variant(codes, 'encoder.paddingMultiple', 320), 'decoder.trimTo', 'input');
    expect(validateAudioManifest(own)).toEqual(own);
  });

  const cases: [label: string, manifest: unknown, path: string, value: unknown, key: string][] = [
    ['an ONNX encoder without an input name', codes, 'encoder.inputName', undefined, 'manifest.encoder.inputName'],
    ['an ONNX encoder with a numeric input name', codes, 'encoder.inputName', 5, 'manifest.encoder.inputName'],
    ['an ONNX decoder with an empty list of input names', codes, 'decoder.inputName', [], 'manifest.decoder.inputName'],
    ['an ONNX encoder with an empty output name', codes, 'encoder.outputName', '', 'manifest.encoder.outputName'],
    ['an ONNX encoder with an unknown output', codes, 'encoder.output', 'logits', 'manifest.encoder.output'],
    ['an ONNX latents encoder without a quantizer', latents, 'quantizer', undefined, 'manifest.quantizer'],
    ['an absolute ONNX decoder file', codes, 'decoder.file', '/etc/passwd', 'manifest.decoder.file'],
    ['a drive-letter ONNX decoder file', codes, 'decoder.file', 'C:\\decoder.onnx', 'manifest.decoder.file'],
    ['an ONNX decoder without an input name', codes, 'decoder.inputName', undefined, 'manifest.decoder.inputName'],
    ['an ONNX decoder with a numeric output name', codes, 'decoder.outputName', 3, 'manifest.decoder.outputName'],
    ['an ONNX decoder with an unknown input', codes, 'decoder.input', 'text', 'manifest.decoder.input'],
    ['a semantic encoder with a decoder', units, 'decoder', codes.decoder, 'manifest.decoder'],
    ['a semantic encoder without a quantizer', units, 'quantizer', undefined, 'manifest.quantizer'],
  ];
  for (const [label, manifest, path, value, key] of cases) {
    it(label, async () => {
      expect(await rejection(() => validateAudioManifest(variant(manifest, path, value), 'm.json'))).toEqual({
        code: 'MMTOK_MANIFEST',
        key,
      });
    });
  }

  it('messages name the file and what was expected', () => {
    expect(() => validateAudioManifest(variant(base, 'modality', 'video'))).toThrow(': manifest: manifest.modality: ');
    expect(() => validateAudioManifest(variant(base, 'tokens.frameRate', 99), 'm.json')).toThrow(
      'm.json: manifest.tokens.frameRate: sampleRate / frameRate must be a whole hop in samples, got 16000 / 99 = 161.6',
    );
    expect(() => validateAudioManifest(variant(base, 'tokens.layout', ['frames', 'levels']))).toThrow(
      'got ["frames","levels"]',
    );
    expect(() => validateAudioManifest(variant(base, 'encoder.frameLength', 321))).toThrow(
      'must be 2 · hopLength = 320, got 321',
    );
    expect(() => validateAudioManifest(variant(base, 'encoder.hopLength', 80))).toThrow(
      'must be 2 · hopLength = 160, got 320',
    );
    expect(() =>
      validateAudioManifest(variant(base, 'encoder', { ...base.encoder, hopLength: 80, frameLength: 160 })),
    ).toThrow('must equal sampleRate / tokens.frameRate = 160');
    expect(() => validateAudioManifest(variant(base, 'quantizer', undefined))).toThrow(
      "is required for a 'linear-frame' encoder",
    );
    expect(() => validateAudioManifest(variant(latents, 'quantizer', undefined))).toThrow(
      'is required for an ONNX latents encoder',
    );
    expect(() => validateAudioManifest(variant(base, 'encoder', { ...onnx, output: 'codes' }))).toThrow(
      "'linear-frame-inverse' needs a 'linear-frame' encoder",
    );
    expect(() => validateAudioManifest(variant(base, 'decoder', undefined))).toThrow('manifest.decoder: is required');
    expect(() => validateAudioManifest(variant(units, 'quantizer', undefined))).toThrow(
      "is required for a 'features' encoder",
    );
    expect(() => validateAudioManifest(variant(units, 'decoder', codes.decoder))).toThrow(
      "must be absent for a 'features' encoder",
    );
  });
});

describe('audioManifestFiles and hopOf', () => {
  it('lists the files each kind of manifest names, by role and key', () => {
    expect(audioManifestFiles(base)).toEqual([
      { role: 'encoder', key: 'manifest.encoder.weights', file: 'encoder.safetensors' },
      { role: 'quantizer', key: 'manifest.quantizer.file', file: 'quantizer.safetensors' },
    ]);
    expect(audioManifestFiles(codes)).toEqual([
      { role: 'encoder', key: 'manifest.encoder.file', file: 'codes.encoder.onnx' },
      { role: 'decoder', key: 'manifest.decoder.file', file: 'codes.decoder.onnx' },
    ]);
    expect(audioManifestFiles(latents)).toEqual([
      { role: 'encoder', key: 'manifest.encoder.file', file: 'latents.encoder.onnx' },
      { role: 'quantizer', key: 'manifest.quantizer.file', file: 'rvq.safetensors' },
      { role: 'decoder', key: 'manifest.decoder.file', file: 'latents.decoder.onnx' },
    ]);
    expect(audioManifestFiles(units)).toEqual([
      { role: 'encoder', key: 'manifest.encoder.file', file: 'encoder/onnx/model.onnx' },
      { role: 'quantizer', key: 'manifest.quantizer.file', file: 'quantizer.safetensors' },
    ]);
    // A quantizer given by config alone names no file.
    expect(audioManifestFiles(variant(base, 'quantizer.file', undefined) as never)).toEqual([
      { role: 'encoder', key: 'manifest.encoder.weights', file: 'encoder.safetensors' },
    ]);
  });

  it('hop = sampleRate / frameRate: 160 samples for the default, 320 for the 50 Hz fixtures', () => {
    expect([hopOf(base), hopOf(codes), hopOf(units)]).toEqual([160, 320, 320]);
  });
});

describe('readAudioManifest confines files to the manifest folder', () => {
  const folder = folderWithEscapes(tempDir(), DEFAULT, ['encoder.safetensors', 'quantizer.safetensors']);
  const read = async (path: string, value: unknown) => {
    writeFileSync(join(folder, 'manifest.json'), JSON.stringify(variant(base, path, value)));
    return rejection(() => readAudioManifest(join(folder, 'manifest.json')));
  };

  it('reads the default copied into a folder', async () => {
    expect(await read('description', 'copy')).toEqual({});
  });
  for (const [label, file] of ESCAPING_FILES) {
    it(label, async () => {
      expect(await read('encoder.weights', file)).toEqual({ code: 'MMTOK_MANIFEST', key: 'manifest.encoder.weights' });
    });
  }
});
