import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listTokenizers, loadTokenizer, readManifest, validateManifest } from '../src/index.js';
import { expectCode, withTmp } from './helpers.js';

// biome-ignore lint/suspicious/noExplicitAny: the tests edit arbitrary manifest JSON
type J = any;

const base = () => JSON.parse(JSON.stringify(baseManifest));
let baseManifest: Record<string, unknown>;

async function loadBase() {
  baseManifest ??= JSON.parse(await readFile(listTokenizers()[0].manifestPath, 'utf8'));
}

describe('manifest validation', () => {
  it('accepts the built-in manifest', async () => {
    await loadBase();
    const m = validateManifest(base(), 'x.json');
    expect(m.encoder.kind).toBe('linear-patch');
  });

  it.each([
    [(m: J) => (m.extra = 1), 'manifest.extra'],
    [(m: J) => delete m.name, 'manifest.name'],
    [(m: J) => (m.format = 'other'), 'manifest.format'],
    [(m: J) => (m.preprocessing.std = [0.5, 0, 0.5]), 'manifest.preprocessing.std[1]'],
    [(m: J) => (m.preprocessing.resize = { mode: 'exact', width: 8 }), 'manifest.preprocessing.resize.height'],
    [(m: J) => (m.preprocessing.resize = { mode: 'none', size: 8 }), 'manifest.preprocessing.resize.size'],
    [(m: J) => (m.encoder.patchSize = 3), 'manifest.preprocessing.sizeMultiple'],
    [(m: J) => (m.encoder.colour = 1), 'manifest.encoder.colour'],
    [
      (m: J) => (m.encoder = { kind: 'onnx', file: 'e.onnx', inputName: 'x', outputName: 'y', output: 'z' }),
      'manifest.encoder.output',
    ],
    [(m: J) => (m.quantizer.config.numQuantizers = 0), 'manifest.quantizer.config.numQuantizers'],
    [(m: J) => (m.quantizer.config.bogus = 0), 'manifest.quantizer.config.bogus'],
    [(m: J) => (m.decoder = { kind: 'vae' }), 'manifest.decoder.kind'],
    [(m: J) => (m.tokens.layout = ['w', 'h']), 'manifest.tokens.layout'],
    [(m: J) => (m.encoder.weights = '/abs/path'), 'manifest.encoder.weights'],
  ])('rejects bad manifests with MMTOK_MANIFEST and the key path (%#)', async (edit, key) => {
    await loadBase();
    const m = base();
    edit(m);
    const err = (await expectCode(() => validateManifest(m, 'tok.json'), 'MMTOK_MANIFEST')) as Error & {
      details: { key: string };
    };
    expect(err.details.key).toBe(key);
    expect(err.message).toContain('tok.json');
  });

  it('reports missing files and invalid JSON', async () => {
    await loadBase();
    await withTmp(async (dir) => {
      const path = join(dir, 'manifest.json');
      await writeFile(path, JSON.stringify(base()));
      const err = (await expectCode(readManifest(path), 'MMTOK_MANIFEST')) as Error & { details: { key: string } };
      expect(err.details.key).toBe('manifest.encoder.weights');
      await writeFile(path, '{ "name": ');
      await expectCode(readManifest(path), 'MMTOK_MANIFEST');
      await expectCode(loadTokenizer(join(dir, 'nope.json')), 'MMTOK_TOKENIZER_NOT_FOUND');
    });
  });

  it('refuses an execution provider that does not exist', async () => {
    await loadBase();
    await withTmp(async (dir) => {
      const m = base();
      m.encoder = { kind: 'onnx', file: 'enc.onnx', inputName: 'x', outputName: 'y', output: 'latents' };
      m.decoder = { kind: 'onnx', file: 'enc.onnx', inputName: 'x', outputName: 'y', input: 'latents' };
      m.quantizer = { config: { type: 'fsq', levels: [5, 5, 5] } };
      await writeFile(join(dir, 'enc.onnx'), 'not a model');
      await writeFile(join(dir, 'manifest.json'), JSON.stringify(m));
      await expectCode(loadTokenizer(dir, { executionProviders: ['warp-drive'] }), 'MMTOK_BACKEND');
      await expectCode(loadTokenizer(dir), 'MMTOK_MODEL');
    });
  });
});
