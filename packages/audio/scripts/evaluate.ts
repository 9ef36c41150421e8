/** Held-out evaluation of an audio tokenizer: SI-SDR, SNR and log-mel distance on an unseen espeak-ng voice, and per-level utilization. */
import { CodebookAccumulator, logMelDistance, siSdr, snr } from '@mmtok/diagnostics';
import { loadAudioTokenizer } from '../src/tokenizer.js';
import { HELDOUT_VOICE, heldoutSpeech } from './corpus.js';

const round = (v: number, d = 3) => Number(v.toFixed(d));

export async function evaluate(manifestPath: string, work: string) {
  const tok = await loadAudioTokenizer(manifestPath);
  const clips = await heldoutSpeech(work, tok.sampleRate);
  const acc = new CodebookAccumulator({ codebookSize: tok.codebookSize!, levels: tok.levels });
  const rows: { siSdr: number; snr: number; mel: number }[] = [];
  for (const clip of clips) {
    const tokens = await tok.encode(clip);
    const back = await tok.decode(tokens);
    const [L, T] = tokens.shape;
    const rowsMajor = new Int32Array(T * L);
    for (let l = 0; l < L; l++) for (let t = 0; t < T; t++) rowsMajor[t * L + l] = tokens.indices[l * T + t];
    acc.update({ data: rowsMajor, shape: [T, L] });
    rows.push({
      siSdr: siSdr(clip.data, back.data),
      snr: snr(clip.data, back.data),
      mel: logMelDistance(clip.data, back.data, { sampleRate: tok.sampleRate, windowLength: 1024, nMels: 80 }),
    });
  }
  const mean = (k: 'siSdr' | 'snr' | 'mel') => rows.reduce((s, r) => s + r[k], 0) / rows.length;
  const stats = acc.stats();
  await tok.dispose();
  return {
    heldOutVoice: HELDOUT_VOICE,
    clips: clips.length,
    seconds: round(clips.reduce((s, c) => s + c.length, 0) / tok.sampleRate, 2),
    sampleRate: tok.sampleRate,
    frameRate: tok.frameRate,
    bitrate: tok.bitrate(),
    siSdrDb: round(mean('siSdr'), 2),
    snrDb: round(mean('snr'), 2),
    logMelDistance: round(mean('mel'), 4),
    melOptions: 'windowLength 1024, hop 256, 80 mels, log10 magnitude, eps 1e-5',
    utilizationPerLevel: stats.perLevel.map((l) => round(l.utilization, 4)),
    perplexityPerLevel: stats.perLevel.map((l) => round(l.perplexity, 1)),
  };
}
