import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';

// The published manifest schemas must accept every manifest the project ships and reject what
// the loaders reject.
const root = new URL('../', import.meta.url);
const json = (path: string) => JSON.parse(readFileSync(new URL(path, root), 'utf8'));

const cases = [
  {
    schema: 'docs/tokenizer-manifest.schema.json',
    manifests: [
      'packages/image/assets/default/manifest.json',
      'packages/image/test/fixtures/onnx/fsq.manifest.json',
      'packages/image/test/fixtures/onnx/rvq.manifest.json',
      'packages/image/test/fixtures/onnx/fsq-codes.manifest.json',
      'packages/image/test/fixtures/onnx/fsq-batch.manifest.json',
      'packages/image/test/fixtures/onnx/fsq-codes-batch.manifest.json',
    ],
  },
  {
    schema: 'docs/audio-tokenizer-manifest.schema.json',
    manifests: [
      'packages/audio/assets/default/manifest.json',
      'packages/audio/test/fixtures/onnx/latents.manifest.json',
      'packages/audio/test/fixtures/onnx/codes.manifest.json',
      'packages/audio/test/fixtures/onnx/multiscale.manifest.json',
      'packages/audio/test/fixtures/semantic/units.manifest.json',
    ],
  },
  {
    schema: 'docs/video-tokenizer-manifest.schema.json',
    manifests: [
      'packages/video/assets/default/manifest.json',
      'packages/video/assets/per-frame/manifest.json',
      'packages/video/test/fixtures/onnx/fsq.manifest.json',
      'packages/video/test/fixtures/onnx/rvq.manifest.json',
      'packages/video/test/fixtures/onnx/fsq-codes.manifest.json',
    ],
  },
];

describe('published tokenizer manifest schemas', () => {
  for (const { schema, manifests } of cases) {
    const validate = new Ajv2020({ allErrors: true, strict: false }).compile(json(schema));
    for (const path of manifests) {
      it(`${schema} accepts ${path}`, () => {
        const ok = validate(json(path));
        expect(validate.errors ?? [], path).toEqual([]);
        expect(ok).toBe(true);
      });
    }
    it(`${schema} rejects unknown keys, another modality and a missing encoder`, () => {
      const good = json(manifests[0]);
      expect(validate({ ...good, colour: 'red' })).toBe(false);
      expect(validate({ ...good, modality: good.modality === 'image' ? 'audio' : 'image' })).toBe(false);
      const { encoder: _encoder, ...noEncoder } = good;
      expect(validate(noEncoder)).toBe(false);
    });
  }

  it('the audio schema wants a decoder exactly when the encoder is not a feature model', () => {
    const validate = new Ajv2020({ allErrors: true, strict: false }).compile(
      json('docs/audio-tokenizer-manifest.schema.json'),
    );
    const semantic = json('packages/audio/test/fixtures/semantic/units.manifest.json');
    expect(validate({ ...semantic, decoder: { kind: 'linear-frame-inverse' } })).toBe(false);
    const { quantizer: _q, ...noQuantizer } = semantic;
    expect(validate(noQuantizer)).toBe(false);
    const { decoder: _d, ...codecWithoutDecoder } = json('packages/audio/assets/default/manifest.json');
    expect(validate(codecWithoutDecoder)).toBe(false);
  });
});
