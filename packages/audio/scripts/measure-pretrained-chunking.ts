/**
 * What chunked encoding (encodeChunked) does to the tokens and to the decoded audio, per codec of
 * test/fixtures/hub (tiny random-weight Mimi-, DAC-, SNAC- and EnCodec-like models, whose encoders
 * see about ±1.5 frames): a 20 s deterministic signal is encoded whole and in 1 s chunks with
 * several contexts; we report the share of token indices equal to the whole-file encode, and the
 * decoded audio's largest difference from the whole-file decode, how far from a seam it reaches,
 * and the SNR of the chunked decode against the whole-file one. Prints a table and writes bench-results/pretrained-chunking.json.
 *   npx tsx --conditions=source packages/audio/scripts/measure-pretrained-chunking.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAudioTokenizer } from '../src/index.js';
import { decodeChunked, encodeChunked } from '../src/pretrained-chunking.js';
import type { AudioBuffer } from '../src/types.js';

const here = dirname(fileURLToPath(import.meta.url));
const HUB = join(here, '..', 'test', 'fixtures', 'hub');
const SECONDS = 20;
const CHUNK_SECONDS = 1;

/** Voiced-speech-like: a gliding harmonic tone, syllable-rate amplitude, seeded noise bursts. */
function signal(sampleRate: number, channels: number): AudioBuffer {
  const n = SECONDS * sampleRate;
  const data = new Float32Array(channels * n);
  let s = 12345;
  const rnd = () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff - 0.5;
  };
  for (let c = 0; c < channels; c++) {
    let phase = 0;
    for (let i = 0; i < n; i++) {
      const t = i / sampleRate;
      const f0 = 140 + 40 * Math.sin(2 * Math.PI * 0.7 * t) + 10 * c;
      phase += (2 * Math.PI * f0) / sampleRate;
      const env = 0.5 + 0.5 * Math.sin(2 * Math.PI * 4 * t);
      let v = 0;
      for (let h = 1; h <= 5; h++) v += Math.sin(h * phase) / h;
      const burst = Math.sin(2 * Math.PI * 1.3 * t) > 0.9 ? 0.3 * rnd() : 0;
      data[c * n + i] = 0.25 * env * v + burst + 0.01 * rnd();
    }
  }
  return { data, channels, sampleRate, length: n };
}

function db(signalPower: number, noisePower: number): number {
  return noisePower === 0 ? Number.POSITIVE_INFINITY : 10 * Math.log10(signalPower / noisePower);
}

/** Largest |a − b|, how far from the nearest chunk seam a difference reaches (samples), SNR of b against a. */
function compare(a: AudioBuffer, b: AudioBuffer, chunkLen: number) {
  const n = a.length;
  let max = 0;
  let reach = 0;
  let sig = 0;
  let err = 0;
  for (let c = 0; c < a.channels; c++) {
    for (let i = 0; i < n; i++) {
      const d = b.data[c * n + i] - a.data[c * n + i];
      const off = i % chunkLen;
      const fromSeam = i < chunkLen ? chunkLen - off : Math.min(off, chunkLen - off);
      max = Math.max(max, Math.abs(d));
      if (Math.abs(d) > 1e-6) reach = Math.max(reach, fromSeam);
      sig += a.data[c * n + i] ** 2;
      err += d * d;
    }
  }
  return { max, reach, snr: db(sig, err) };
}

const rows: Record<string, unknown>[] = [];
const decodeRows: Record<string, unknown>[] = [];
for (const name of ['mimi-like', 'dac-like', 'snac-like', 'encodec-like']) {
  const tok = await loadAudioTokenizer(join(HUB, name));
  const audio = signal(tok.sampleRate, tok.channels);
  const whole = await tok.encode(audio);
  const ref = await tok.decode(whole);
  const unit = tok.hopLength;
  const chunk = CHUNK_SECONDS * tok.sampleRate;
  for (const contextUnits of [0, 1, 2, 8]) {
    const chunked = await encodeChunked(tok, audio, { chunkSamples: chunk, contextSamples: contextUnits * unit });
    let same = 0;
    for (let i = 0; i < whole.indices.length; i++) if (whole.indices[i] === chunked.indices[i]) same++;
    const chunkLen = Math.ceil(chunk / unit) * unit;
    const { max: seamMax, reach, snr } = compare(ref, await tok.decode(chunked), chunkLen);
    rows.push({
      codec: name,
      unit,
      chunkSamples: chunkLen,
      contextSamples: contextUnits * unit,
      tokens: whole.indices.length,
      tokenAgreement: same / whole.indices.length,
      seamMaxAbs: seamMax,
      seamReachMs: (1000 * reach) / tok.sampleRate,
      snrVsWholeDb: snr,
    });
  }
  // Decoding the whole-file tokens chunk by chunk, against one whole decode.
  const chunkUnits = Math.ceil(chunk / unit);
  for (const contextUnits of [0, 1, 2, 8]) {
    const parts: AudioBuffer[] = [];
    for await (const a of decodeChunked(tok, whole, { chunkUnits, contextUnits })) parts.push(a);
    const C = ref.channels;
    const n = ref.length;
    const data = new Float32Array(C * n);
    let at = 0;
    for (const p of parts) {
      for (let c = 0; c < C; c++) data.set(p.data.subarray(c * p.length, (c + 1) * p.length), c * n + at);
      at += p.length;
    }
    const r = compare(ref, { ...ref, data }, chunkUnits * unit);
    decodeRows.push({
      codec: name,
      unit,
      contextSamples: contextUnits * unit,
      maxAbs: r.max,
      seamReachMs: (1000 * r.reach) / tok.sampleRate,
      snrVsWholeDb: r.snr,
    });
  }
  await tok.dispose();
}

console.log('codec         unit  context  agreement   max |Δ|   reach from seam   SNR vs whole');
for (const r of rows) {
  const pct = `${(100 * (r.tokenAgreement as number)).toFixed(2)}%`;
  const snrText = Number.isFinite(r.snrVsWholeDb) ? `${(r.snrVsWholeDb as number).toFixed(1)} dB` : 'identical';
  console.log(
    `${String(r.codec).padEnd(13)} ${String(r.unit).padStart(4)} ${String(r.contextSamples).padStart(8)} ${pct.padStart(10)} ${(r.seamMaxAbs as number).toExponential(2).padStart(9)} ${`${(r.seamReachMs as number).toFixed(2)} ms`.padStart(17)} ${snrText.padStart(14)}`,
  );
}
console.log(
  '\nchunked decode of the whole-file tokens\ncodec         unit  context   max |Δ|   reach from seam   SNR vs whole',
);
for (const r of decodeRows) {
  const snrText = Number.isFinite(r.snrVsWholeDb) ? `${(r.snrVsWholeDb as number).toFixed(1)} dB` : 'identical';
  console.log(
    `${String(r.codec).padEnd(13)} ${String(r.unit).padStart(4)} ${String(r.contextSamples).padStart(8)} ${(r.maxAbs as number).toExponential(2).padStart(9)} ${`${(r.seamReachMs as number).toFixed(2)} ms`.padStart(17)} ${snrText.padStart(14)}`,
  );
}
const outDir = join(here, '..', '..', '..', 'bench-results');
mkdirSync(outDir, { recursive: true });
writeFileSync(
  join(outDir, 'pretrained-chunking.json'),
  `${JSON.stringify({ seconds: SECONDS, chunkSeconds: CHUNK_SECONDS, encode: rows, decode: decodeRows }, null, 2)}\n`,
);
