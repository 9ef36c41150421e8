import { describe, expect, it } from 'vitest';
import { normalizeEtag } from '../src/download.js';
import {
  dtypesPresent,
  hubIdentity,
  isHubSpec,
  onnxModelFile,
  onnxModelNames,
  parseHubSpec,
  repoFolderName,
  resolveHubOptions,
} from '../src/index.js';

describe('hub names', () => {
  it('parses hf:org/name[@revision]', () => {
    expect(isHubSpec('hf:a/b')).toBe(true);
    expect(isHubSpec('./hf:a')).toBe(false);
    expect(parseHubSpec('hf:onnx-community/mimi-ONNX')).toEqual({ repo: 'onnx-community/mimi-ONNX', revision: 'main' });
    expect(parseHubSpec('hf:gpt2@refs/pr/1')).toEqual({ repo: 'gpt2', revision: 'refs/pr/1' });
    expect(hubIdentity('a/b', 'c'.repeat(40))).toBe(`hf:a/b@${'c'.repeat(40)}`);
    expect(repoFolderName('onnx-community/mimi-ONNX')).toBe('models--onnx-community--mimi-ONNX');
  });

  it('normalises etags as huggingface_hub does', () => {
    expect(normalizeEtag('W/"abc"')).toBe('abc');
    expect(normalizeEtag('"abc"')).toBe('abc');
    expect(normalizeEtag('abc')).toBe('abc');
  });

  it('reads HF_ENDPOINT, HF_TOKEN, HF_HUB_CACHE / HF_HOME, HF_HUB_OFFLINE', () => {
    expect(resolveHubOptions({}, { HF_HOME: '/h', HF_HUB_OFFLINE: '1', HF_ENDPOINT: 'http://x/' })).toEqual({
      endpoint: 'http://x',
      cacheDir: '/h/hub',
      offline: true,
      token: undefined,
      onProgress: undefined,
    });
    const o = resolveHubOptions(
      { offline: false },
      { HF_HUB_CACHE: '/c', HF_HOME: '/h', HF_TOKEN: 't', HF_HUB_OFFLINE: '1' },
    );
    expect([o.cacheDir, o.token, o.offline, o.endpoint]).toEqual(['/c', 't', false, 'https://huggingface.co']);
  });
});

describe('Transformers.js ONNX file names', () => {
  it('names a model file per dtype', () => {
    expect(onnxModelFile('encoder_model', 'fp16')).toBe('onnx/encoder_model_fp16.onnx');
    expect(onnxModelFile('model')).toBe('onnx/model.onnx');
    expect(onnxModelFile('model', 'q8')).toBe('onnx/model_quantized.onnx');
    expect(onnxModelFile('model', 'q4f16')).toBe('onnx/model_q4f16.onnx');
    expect(() => onnxModelFile('model', 'fp8')).toThrow(/MMTOK_CONFIG/);
  });

  it('lists the dtypes and model names present', () => {
    const files = [
      'config.json',
      'onnx/encoder_model.onnx',
      'onnx/encoder_model_fp16.onnx',
      'onnx/encoder_model_q4f16.onnx',
      'onnx/decoder_model_quantized.onnx',
      'onnx/decoder_model_q4.onnx',
    ];
    expect(dtypesPresent(files, 'encoder_model')).toEqual(['fp32', 'fp16', 'q4f16']);
    expect(dtypesPresent(files, 'decoder_model')).toEqual(['q8', 'q4']);
    expect(onnxModelNames(files)).toEqual(['decoder_model', 'encoder_model']);
  });
});
