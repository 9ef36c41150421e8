/**
 * The built-in trainable audio codec: overlapping windowed frames → learned linear map (PCA) →
 * quantizer → inverse map → windowed overlap-add.
 *
 * Framing: hop H, frame length N = 2H, periodic sqrt-Hann window w used for both analysis and
 * synthesis. w[n]² + w[n+H]² = 1, so overlap-add of w·(w·x) gives x back exactly (princen-bradley
 * style). The signal is conceptually padded with H zeros in front and zeros at the end; frame t
 * covers input samples [(t−1)·H, (t+1)·H), and S samples make ceil(S/H) + 1 frames. Each frame
 * depends only on its own samples, so chunked (streaming) encoding yields identical tokens.
 */
import { type AnyQuantizer, LinearTransform, MmtokError } from '@mmtok/core';
import type { AudioCodec, CodecDecoderStream, CodecEncoderStream, Codes } from './codec.js';

/** Periodic sqrt-Hann of length 2·hop: satisfies w[n]² + w[n+hop]² = 1. */
export function sqrtHannWindow(hop: number): Float32Array {
  const N = 2 * hop;
  return Float32Array.from({ length: N }, (_, n) => Math.sqrt(0.5 - 0.5 * Math.cos((2 * Math.PI * n) / N)));
}

/** Frames for S samples: ceil(S/H) + 1 (the extra one finishes the last half-covered hop). */
export function frameCount(samples: number, hop: number): number {
  return Math.ceil(samples / hop) + 1;
}

/**
 * core's LinearTransform over windowed frames: z = (C · (w⊙frame − mean)) / scale and back, where C
 * holds `dim` orthonormal principal directions of the windowed-frame space [channels · frameLength].
 * inverse() gives windowed frame rows, before the synthesis window.
 */
export class LinearFrameTransform extends LinearTransform {
  readonly frameLength: number;
  readonly window: Float32Array;

  constructor(
    readonly hopLength: number,
    readonly channels: number,
    mean: Float32Array,
    components: Float32Array,
    scale: Float32Array,
  ) {
    super(
      mean,
      components,
      scale,
      channels * 2 * hopLength,
      `linear frame weights do not fit hop ${hopLength} × ${channels} channel(s)`,
    );
    this.frameLength = 2 * hopLength;
    this.window = sqrtHannWindow(hopLength);
  }

  serialize(): Uint8Array {
    return this.encode({
      format: 'mmtok-linear-frame',
      version: '1',
      hopLength: String(this.hopLength),
      channels: String(this.channels),
      window: 'sqrt-hann',
    });
  }

  static deserialize(bytes: Uint8Array, hopLength: number, channels: number, file: string): LinearFrameTransform {
    const { tensors, metadata } = LinearTransform.decode(bytes, 'mmtok-linear-frame', 'linear frame', file);
    if (Number(metadata.hopLength) !== hopLength || Number(metadata.channels) !== channels) {
      throw new MmtokError(
        'MMTOK_MISMATCH',
        `${file}: weights were made for hop ${metadata.hopLength} × ${metadata.channels} channel(s), the manifest says ${hopLength} × ${channels}`,
        { path: file },
      );
    }
    const { mean, components, scale } = tensors;
    return new LinearFrameTransform(hopLength, channels, mean.data, components.data, scale.data);
  }
}

/**
 * Cuts windowed frames out of a planar buffer [channels, len] that starts at a frame boundary of
 * the padded signal: frame k covers [k·H, k·H + 2H). Returns rows [frames, channels·2H].
 */
export function cutFrames(
  buf: Float32Array,
  channels: number,
  len: number,
  hop: number,
  frames: number,
  window: Float32Array,
): Float32Array {
  const N = 2 * hop;
  const D = channels * N;
  const rows = new Float32Array(frames * D);
  for (let k = 0; k < frames; k++) {
    for (let c = 0; c < channels; c++) {
      const src = c * len + k * hop;
      const dst = k * D + c * N;
      for (let n = 0; n < N; n++) rows[dst + n] = buf[src + n] * window[n];
    }
  }
  return rows;
}

/** [rows, L] row-major → levels-major [keep, rows] (first `keep` levels). */
function toLevelsMajor(idx: Int32Array, rows: number, L: number, keep: number): Int32Array {
  const out = new Int32Array(keep * rows);
  for (let t = 0; t < rows; t++) for (let l = 0; l < keep; l++) out[l * rows + t] = idx[t * L + l];
  return out;
}

/** The linear-frame codec: a LinearFrameTransform plus the quantizer that codes its coefficients. */
export class LinearFrameCodec implements AudioCodec {
  readonly frameIndependent = true;
  readonly hopLength: number;
  readonly levels: number;
  readonly codebookSize: number;

  constructor(
    readonly transform: LinearFrameTransform,
    readonly quantizer: AnyQuantizer,
    private readonly backend?: string,
  ) {
    if (quantizer.dim !== transform.dim) {
      throw new MmtokError(
        'MMTOK_MISMATCH',
        `the linear-frame encoder makes ${transform.dim}-dim coefficients but the quantizer takes dim ${quantizer.dim}`,
      );
    }
    this.hopLength = transform.hopLength;
    this.levels = quantizer.numQuantizers;
    this.codebookSize = quantizer.codebookSize;
  }

  /** Frame rows → levels-major codes. */
  async codeFrames(rows: Float32Array, frames: number, levels: number): Promise<Codes> {
    if (frames === 0) return { indices: new Int32Array(0), levels, frames: 0 };
    const z = await this.transform.forward(rows, { backend: this.backend });
    const idx = await this.quantizer.encode(
      { data: z, shape: [frames, this.transform.dim] },
      { backend: this.backend },
    );
    return { indices: toLevelsMajor(idx.data, frames, this.levels, levels), levels, frames };
  }

  /** Levels-major codes → windowed synthesis frame rows [frames, channels·2H]. */
  async synthesizeFrames(codes: Codes): Promise<Float32Array> {
    const { frames: T, levels: L } = codes;
    const rowsMajor = new Int32Array(T * L);
    for (let l = 0; l < L; l++) for (let t = 0; t < T; t++) rowsMajor[t * L + l] = codes.indices[l * T + t];
    const z = await this.quantizer.decode(
      { data: rowsMajor, shape: L === 1 && this.levels === 1 ? [T] : [T, L] },
      { backend: this.backend },
    );
    const rows = await this.transform.inverse(z.data, { backend: this.backend });
    const N = this.transform.frameLength;
    const w = this.transform.window;
    for (let r = 0; r < rows.length; r += N) for (let n = 0; n < N; n++) rows[r + n] *= w[n];
    return rows;
  }

  encoderStream(channels: number, levels: number): CodecEncoderStream {
    this.checkChannels(channels);
    const H = this.hopLength;
    const w = this.transform.window;
    // Planar pending samples starting at the next frame's first sample (padded coordinates).
    let pending = new Float32Array(channels * H); // the H leading zeros
    let have = H;
    let total = 0;
    let emitted = 0;
    const take = async (extra: Float32Array, n: number, frames: number): Promise<Codes> => {
      const len = have + n;
      const buf = new Float32Array(channels * len);
      for (let c = 0; c < channels; c++) {
        buf.set(pending.subarray(c * have, c * have + have), c * len);
        buf.set(extra.subarray(c * n, c * n + n), c * len + have);
      }
      const rows = cutFrames(buf, channels, len, H, frames, w);
      const keep = len - frames * H;
      pending = new Float32Array(channels * keep);
      for (let c = 0; c < channels; c++) pending.set(buf.subarray(c * len + frames * H, c * len + len), c * keep);
      have = keep;
      emitted += frames;
      return this.codeFrames(rows, frames, levels);
    };
    return {
      push: (data, samples) => {
        total += samples;
        const len = have + samples;
        const frames = len >= 2 * H ? Math.floor((len - 2 * H) / H) + 1 : 0;
        return take(data, samples, frames);
      },
      end: () => {
        const F = frameCount(total, H);
        const frames = F - emitted;
        // Zeros up to the end of frame F−1: (frames + 1)·H samples from the pending start.
        const zeros = Math.max(0, (frames + 1) * H - have);
        return take(new Float32Array(channels * zeros), zeros, frames);
      },
    };
  }

  decoderStream(channels: number): CodecDecoderStream {
    this.checkChannels(channels);
    const H = this.hopLength;
    const N = 2 * H;
    let tail = new Float32Array(channels * H);
    let first = true;
    return {
      push: async (codes) => {
        const T = codes.frames;
        if (T === 0) return { data: new Float32Array(0), length: 0 };
        const rows = await this.synthesizeFrames(codes);
        // Frame 0's finished half is the leading padding: dropped.
        const outFrames = first ? T - 1 : T;
        const len = outFrames * H;
        const out = new Float32Array(channels * len);
        for (let t = 0; t < T; t++) {
          const o = first ? t - 1 : t;
          const next = new Float32Array(channels * H);
          for (let c = 0; c < channels; c++) {
            const r = t * channels * N + c * N;
            for (let n = 0; n < H; n++) {
              const v = tail[c * H + n] + rows[r + n];
              if (o >= 0) out[c * len + o * H + n] = v;
              next[c * H + n] = rows[r + H + n];
            }
          }
          tail = next;
        }
        first = false;
        return { data: out, length: len };
      },
    };
  }

  async encode(data: Float32Array, channels: number, samples: number, levels: number): Promise<Codes> {
    const s = this.encoderStream(channels, levels);
    const a = await s.push(data, samples);
    const b = await s.end();
    return concatCodes([a, b]);
  }

  async decode(codes: Codes, channels: number): Promise<{ data: Float32Array; length: number }> {
    return this.decoderStream(channels).push(codes);
  }

  private checkChannels(channels: number): void {
    if (channels !== this.transform.channels) {
      throw new MmtokError('MMTOK_MISMATCH', `this codec takes ${this.transform.channels} channel(s), got ${channels}`);
    }
  }

  async dispose(): Promise<void> {}
}

/** Concatenates levels-major code blocks along frames. */
export function concatCodes(parts: readonly Codes[]): Codes {
  const nonEmpty = parts.filter((p) => p.frames > 0);
  const L = parts[0]?.levels ?? 0;
  const T = nonEmpty.reduce((a, p) => a + p.frames, 0);
  if (nonEmpty.length === 1) return nonEmpty[0];
  const out = new Int32Array(L * T);
  let at = 0;
  for (const p of nonEmpty) {
    for (let l = 0; l < L; l++) out.set(p.indices.subarray(l * p.frames, (l + 1) * p.frames), l * T + at);
    at += p.frames;
  }
  return { indices: out, levels: L, frames: T };
}
