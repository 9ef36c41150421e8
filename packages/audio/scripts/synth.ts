/**
 * Deterministic music-like test signals made in TypeScript: chords with harmonics and envelopes,
 * Karplus–Strong plucked strings, and drum hits (kick sweep, noise snare, hi-hat). Used by the
 * default codec's training recipe and by tests.
 */
import { Random } from '@mmtok/core';
import type { AudioBuffer } from '../src/types.js';

const midiHz = (m: number) => 440 * 2 ** ((m - 69) / 12);

function envelope(i: number, n: number, attack: number, release: number): number {
  if (i < attack) return i / attack;
  if (i > n - release) return Math.max(0, (n - i) / release);
  return 1;
}

/** A sequence of chords (root + third + fifth, 4 harmonics each), `seconds` long. */
export function chords(sampleRate: number, seconds: number, seed: number): AudioBuffer {
  const rng = new Random(seed);
  const n = Math.round(sampleRate * seconds);
  const data = new Float32Array(n);
  const chordLen = Math.round(sampleRate * 0.8);
  for (let start = 0; start < n; start += chordLen) {
    const root = 48 + Math.floor(rng.next() * 12);
    const notes = [root, root + (rng.next() < 0.5 ? 3 : 4), root + 7];
    const len = Math.min(chordLen, n - start);
    for (const m of notes) {
      const f = midiHz(m);
      for (let h = 1; h <= 4; h++) {
        const amp = 0.08 / h;
        const w = (2 * Math.PI * f * h) / sampleRate;
        for (let i = 0; i < len; i++) {
          data[start + i] += amp * Math.sin(w * i) * envelope(i, len, 400, 2000) * Math.exp(-i / (sampleRate * 1.5));
        }
      }
    }
  }
  return { data, channels: 1, sampleRate, length: n };
}

/** Karplus–Strong plucked notes on a pentatonic scale. */
export function plucks(sampleRate: number, seconds: number, seed: number): AudioBuffer {
  const rng = new Random(seed);
  const n = Math.round(sampleRate * seconds);
  const data = new Float32Array(n);
  const scale = [0, 2, 4, 7, 9];
  const step = Math.round(sampleRate * 0.25);
  for (let start = 0; start < n; start += step) {
    if (rng.next() < 0.2) continue;
    const m = 55 + scale[Math.floor(rng.next() * 5)] + 12 * Math.floor(rng.next() * 2);
    const period = Math.max(2, Math.round(sampleRate / midiHz(m)));
    const line = Float32Array.from({ length: period }, () => rng.next() * 2 - 1);
    const len = Math.min(n - start, sampleRate);
    let p = 0;
    for (let i = 0; i < len; i++) {
      const next = (p + 1) % period;
      const v = line[p];
      line[p] = 0.996 * 0.5 * (line[p] + line[next]);
      p = next;
      data[start + i] += 0.3 * v;
    }
  }
  return { data, channels: 1, sampleRate, length: n };
}

/** A drum pattern: kick (pitch sweep), snare (noise + tone), closed hi-hat (high-passed noise). */
export function drums(sampleRate: number, seconds: number, seed: number): AudioBuffer {
  const rng = new Random(seed);
  const n = Math.round(sampleRate * seconds);
  const data = new Float32Array(n);
  const beat = Math.round(sampleRate * 0.25);
  let b = 0;
  for (let start = 0; start < n; start += beat, b++) {
    const len = Math.min(n - start, Math.round(sampleRate * 0.2));
    if (b % 4 === 0) {
      let phase = 0;
      for (let i = 0; i < len; i++) {
        const f = 50 + 100 * Math.exp(-i / (sampleRate * 0.03));
        phase += (2 * Math.PI * f) / sampleRate;
        data[start + i] += 0.6 * Math.sin(phase) * Math.exp(-i / (sampleRate * 0.08));
      }
    } else if (b % 4 === 2) {
      for (let i = 0; i < len; i++) {
        const e = Math.exp(-i / (sampleRate * 0.05));
        data[start + i] += e * (0.3 * (rng.next() * 2 - 1) + 0.2 * Math.sin((2 * Math.PI * 180 * i) / sampleRate));
      }
    }
    let prev = 0;
    const hl = Math.min(len, Math.round(sampleRate * 0.05));
    for (let i = 0; i < hl; i++) {
      const x = rng.next() * 2 - 1;
      data[start + i] += 0.15 * (x - prev) * Math.exp(-i / (sampleRate * 0.01));
      prev = x;
    }
  }
  return { data, channels: 1, sampleRate, length: n };
}

/** All three mixed (a little "band"). */
export function band(sampleRate: number, seconds: number, seed: number): AudioBuffer {
  const a = chords(sampleRate, seconds, seed);
  const p = plucks(sampleRate, seconds, seed + 1);
  const d = drums(sampleRate, seconds, seed + 2);
  const data = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) data[i] = 0.6 * (a.data[i] + p.data[i] + d.data[i]);
  return { data, channels: 1, sampleRate, length: a.length };
}
