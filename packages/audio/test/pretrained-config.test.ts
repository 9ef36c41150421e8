/**
 * config.json → codec description, checked against the published facts of the real models (their
 * model cards and configuration classes): Mimi 12.5 frames/s at 24 kHz, DAC 44 kHz hop 512 with 9
 * codebooks, SNAC's token rates and padding rule, EnCodec 24 kHz at 75 frames/s with 32 codebooks
 * for 24 kbps.
 */
import { describe, expect, it } from 'vitest';
import { describePretrainedCodec } from '../src/pretrained-config.js';
import { errorCode } from './helpers.js';

const describe_ = (config: object, pre: object = {}) => describePretrainedCodec(config, pre, 'test');

describe('describePretrainedCodec', () => {
  it('mimi: 24 kHz at 12.5 frames/s is a 1,920-sample hop, from frame_rate or from the strides', async () => {
    const stated = describe_({ model_type: 'mimi', sampling_rate: 24000, frame_rate: 12.5, num_quantizers: 32 });
    expect([stated.hopLength, stated.levels, stated.codebookSize]).toEqual([1920, 32, 2048]);
    // configuration_mimi.py's frame_size: prod(upsampling_ratios [8, 6, 5, 4]) × the final stride 2.
    const derived = describe_({ model_type: 'mimi', sampling_rate: 24000, upsampling_ratios: [8, 6, 5, 4] });
    expect(derived.hopLength).toBe(1920);
    expect(derived.encoder).toEqual({ inputName: 'input_values', outputName: 'audio_codes' });
    expect(await errorCode(() => describe_({ model_type: 'mimi', sampling_rate: 24000, frame_rate: 7 }))).toBe(
      'MMTOK_MODEL',
    );
  });

  it('dac: the 44 kHz model has hop 512 (2·4·8·8) and 9 codebooks of 1,024', async () => {
    const d = describe_({ model_type: 'dac', sampling_rate: 44100, downsampling_ratios: [2, 4, 8, 8], n_codebooks: 9 });
    expect([d.sampleRate, d.channels, d.hopLength, d.paddingMultiple, d.levels, d.codebookSize]).toEqual([
      44100, 1, 512, 512, 9, 1024,
    ]);
    // The model card's "8 kbps": 86.1 frames/s × 9 codebooks × 10 bits.
    expect(Math.round(d.bitrate!)).toBe(7752);
    // hop_length from preprocessor_config.json when config.json lacks both it and the ratios' product.
    expect(describe_({ model_type: 'dac', sampling_rate: 16000, hop_length: 320 }).hopLength).toBe(320);
  });

  it('snac 24 kHz: three scales at 12, 23 and 47 Hz; padding to hop · lcm(vq_strides[0], attn_window_size)', async () => {
    const d = describe_({
      model_type: 'snac',
      sampling_rate: 24000,
      encoder_rates: [2, 4, 8, 8],
      vq_strides: [4, 2, 1],
      attn_window_size: null,
      codebook_size: 4096,
    });
    expect(d.hopLength).toBe(512);
    expect(d.scaleStrides!.map((s) => Math.round(24000 / 512 / s))).toEqual([12, 23, 47]);
    expect(d.paddingMultiple).toBe(2048);
    expect(d.encoder.outputName).toEqual(['audio_codes.0', 'audio_codes.1', 'audio_codes.2']);
    expect(d.decoder.inputName).toEqual(['audio_codes.0', 'audio_codes.1', 'audio_codes.2']);
    // snac_32khz: rates [2, 3, 8, 8], strides [8, 4, 2, 1], window 32 → 384 · lcm(8, 32).
    const m = describe_({
      model_type: 'snac',
      sampling_rate: 32000,
      encoder_rates: [2, 3, 8, 8],
      vq_strides: [8, 4, 2, 1],
      attn_window_size: 32,
    });
    expect([m.hopLength, m.paddingMultiple]).toEqual([384, 384 * 32]);
    // The model cards' bitrates: 0.98 kbps (24 kHz), 1.9 kbps (32 kHz), 2.6 kbps (44 kHz, rates [2, 3, 8, 8]).
    expect(Math.round(d.bitrate! / 10) / 100).toBe(0.98);
    expect(Math.round(m.bitrate! / 100) / 10).toBe(1.9);
    const big = describe_({
      model_type: 'snac',
      sampling_rate: 44100,
      encoder_rates: [2, 3, 8, 8],
      vq_strides: [8, 4, 2, 1],
    });
    expect(Math.round(big.bitrate! / 100) / 10).toBe(2.6);
    // Absent window: snac.py's default 32 (not 1).
    expect(describe_({ model_type: 'snac', encoder_rates: [2, 2], vq_strides: [4, 2, 1] }).paddingMultiple).toBe(128);
  });

  it('encodec 24 kHz: hop 320, 75 frames/s, 32 codebooks for the 24 kbps bandwidth; 48 kHz stereo', async () => {
    const d = describe_({ model_type: 'encodec', sampling_rate: 24000, target_bandwidths: [1.5, 3, 6, 12, 24] });
    expect([d.hopLength, d.sampleRate / d.hopLength, d.levels, d.bitrate]).toEqual([320, 75, 32, 24000]);
    const stereo = describe_({
      model_type: 'encodec',
      sampling_rate: 48000,
      audio_channels: 2,
      normalize: false,
      target_bandwidths: [3, 6, 12, 24],
    });
    expect([stereo.channels, stereo.levels]).toEqual([2, 16]);
    // The 48 kHz release normalizes chunks and needs audio_scales, which mmtok does not feed.
    expect(await errorCode(() => describe_({ model_type: 'encodec', normalize: true }))).toBe('MMTOK_MODEL');
  });

  it('sampling_rate and channels fall back to preprocessor_config.json', async () => {
    const d = describe_({ model_type: 'mimi', frame_rate: 12.5 }, { sampling_rate: 24000, feature_size: 1 });
    expect([d.sampleRate, d.channels]).toEqual([24000, 1]);
  });

  it('unknown model types and malformed fields fail with their codes', async () => {
    expect(await errorCode(() => describe_({ model_type: 'wav2vec2' }))).toBe('MMTOK_UNSUPPORTED_MODEL');
    expect(await errorCode(() => describe_({ model_type: 'dac', n_codebooks: 0 }))).toBe('MMTOK_MODEL');
    expect(await errorCode(() => describe_({ model_type: 'snac', vq_strides: [] }))).toBe('MMTOK_MODEL');
    expect(await errorCode(() => describePretrainedCodec([], {}, 'test'))).toBe('MMTOK_MODEL');
  });
});
