/**
 * The audio manifest validator refuses what a received manifest must not do: name files outside
 * its folder, carry wrong types, or ask for sizes beyond the limits. Each case changes one key of
 * the embedded default and expects MMTOK_MANIFEST naming that key; nothing is opened or allocated.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ESCAPING_FILES, folderWithEscapes, rejection, variant } from '@mmtok/core/test-support';
import { describe, expect, it } from 'vitest';
import { readAudioManifest, validateAudioManifest } from '../src/manifest.js';
import { tempDir } from './helpers.js';

const DEFAULT = new URL('../assets/default/', import.meta.url);
const base = JSON.parse(readFileSync(new URL('manifest.json', DEFAULT), 'utf8'));

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
