// The READMEs' examples as a user runs them: plain `node`, packages installed from their tarballs.
// Prints one JSON line that test/packaging.test.ts checks.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { loadAudioTokenizer } from '@mmtok/audio';
import { createQuantizer, sha256Hex } from '@mmtok/core';
import { psnr, ssim } from '@mmtok/diagnostics';
import { loadTokenizer, readImage } from '@mmtok/image';
import { listVideoTokenizers, loadVideoTokenizer } from '@mmtok/video';

const out = {};

// Quantizers.
const fsq = await createQuantizer({ type: 'fsq', levels: [8, 5, 5, 5] });
const latents = Float32Array.from({ length: 400 }, (_, i) => Math.sin(i * 0.37) * 2);
const fsqIndices = await fsq.encode({ data: latents, shape: [100, 4] });
const codes = await fsq.decode(fsqIndices);
out.fsq = { shape: fsqIndices.shape, codes: codes.shape, max: Math.max(...fsqIndices.data) };
const vq = await createQuantizer({ type: 'vq', dim: 8, codebookSize: 64, seed: 1 });
const vqIndices = await vq.encode({ data: latents.subarray(0, 400), shape: [50, 8] });
out.vq = { shape: vqIndices.shape, max: Math.max(...vqIndices.data) };

// Image: the embedded default tokenizer on the sample photo the package ships.
const sample = join(dirname(createRequire(import.meta.url).resolve('@mmtok/image')), '../assets/samples/coffee.png');
const image = await readImage(sample);
const tokenizer = await loadTokenizer('default');
const tokens = await tokenizer.encode(image);
const back = await tokenizer.decode(tokens);
out.image = {
  shape: tokens.shape,
  sha256: await sha256Hex(new Uint8Array(tokens.indices.buffer, tokens.indices.byteOffset, tokens.indices.byteLength)),
  psnr: psnr(image.data, back.data, { dataRange: 255 }),
  ssim: ssim(
    { data: image.data, shape: [image.height, image.width, 3] },
    { data: back.data, shape: [back.height, back.width, 3] },
    { dataRange: 255 },
  ),
};

// Audio: one second of a 440 Hz tone through the embedded 16 kHz codec.
const audioTokenizer = await loadAudioTokenizer('default');
const sampleRate = audioTokenizer.sampleRate;
const tone = Float32Array.from({ length: sampleRate }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 440 * i) / sampleRate));
const audioTokens = await audioTokenizer.encode({ data: tone, channels: 1, sampleRate, length: tone.length });
const audioBack = await audioTokenizer.decode(audioTokens);
out.audio = { shape: audioTokens.shape, samples: audioBack.length };

// Video: every built-in tokenizer the package lists, on 9 synthetic 64 × 64 frames.
async function* frames() {
  const size = 64 * 64 * 3;
  yield {
    width: 64,
    height: 64,
    firstFrame: 0,
    frames: Array.from({ length: 9 }, (_, f) => Uint8Array.from({ length: size }, (_, i) => (i * 7 + f * 13) % 256)),
  };
}
out.video = {};
for (const { name } of listVideoTokenizers()) {
  const video = await loadVideoTokenizer(name);
  const videoTokens = await video.encode(frames());
  let decoded = 0;
  for await (const group of video.decode(videoTokens)) decoded += group.frames.length;
  out.video[name] = { shape: videoTokens.shape, frames: decoded };
}

console.log(JSON.stringify(out));
