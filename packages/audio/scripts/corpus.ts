/**
 * The audio the default codec is trained and evaluated on, made on this machine: espeak-ng speech
 * (several voices and texts) and synthesized music. One voice is held out for evaluation.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { convertAudio, readAudio } from '../src/io.js';
import type { AudioBuffer } from '../src/types.js';
import { band, chords, drums, plucks } from './synth.js';

export const TRAIN_VOICES = ['en-us', 'en-us+f2', 'en-gb+m3', 'de+f4', 'fr+m1', 'es+f3', 'it+m2', 'pt+f1'] as const;
/** Not used in training: base voice and variant both unseen. */
export const HELDOUT_VOICE = 'en-gb-x-rp+f5';

export const TEXTS = [
  'The quick brown fox jumps over the lazy dog while the band plays on.',
  'Please call Stella and ask her to bring these things with her from the store.',
  'A large fawn jumped quickly over white zinc boxes near the harbour at noon.',
  'Speech and audio language models need codecs that turn waveforms into discrete tokens.',
  'Seven silver swans swam silently seaward, singing softly in the summer evening.',
  'How much wood would a woodchuck chuck if a woodchuck could chuck wood?',
];

export const HELDOUT_TEXTS = [
  'Every morning the old lighthouse keeper climbed the stairs to watch the ships come in.',
  'Numbers like three hundred and twelve are read aloud slowly and clearly.',
  'She sells sea shells by the sea shore, and the shells she sells are surely sea shells.',
];

/** espeak-ng → WAV → mono at `sampleRate`. */
export async function speak(
  dir: string,
  voice: string,
  text: string,
  i: number,
  sampleRate: number,
  speed = 165,
): Promise<AudioBuffer> {
  const file = join(dir, `${voice.replace(/[^a-z0-9]+/gi, '_')}-${i}.wav`);
  execFileSync('espeak-ng', ['-v', voice, '-s', String(speed), '-w', file, text]);
  return readAudio(file, { sampleRate, channels: 1 });
}

export async function trainingCorpus(dir: string, sampleRate: number): Promise<AudioBuffer[]> {
  const out: AudioBuffer[] = [];
  let i = 0;
  for (const voice of TRAIN_VOICES) {
    for (const [t, text] of TEXTS.entries())
      out.push(await speak(dir, voice, text, i++, sampleRate, 145 + 10 * ((t + i) % 5)));
  }
  for (let s = 0; s < 4; s++) {
    out.push(
      chords(sampleRate, 8, 10 + s),
      plucks(sampleRate, 8, 20 + s),
      drums(sampleRate, 6, 30 + s),
      band(sampleRate, 10, 40 + s),
    );
  }
  return Promise.all(out.map((a) => convertAudio(a, sampleRate, 1)));
}

export async function heldoutSpeech(dir: string, sampleRate: number): Promise<AudioBuffer[]> {
  const out: AudioBuffer[] = [];
  for (const [i, text] of HELDOUT_TEXTS.entries()) out.push(await speak(dir, HELDOUT_VOICE, text, 100 + i, sampleRate));
  return out;
}
