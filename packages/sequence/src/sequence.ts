/**
 * toSequence / fromSequence: one token set ↔ the ids a layout writes for it. fromSequence walks the
 * order with walkLayout; toSequence unrolls the same order into plain loops (its hot path); the
 * random round-trip tests keep them exact inverses. fromSequence checks every id it reads and says
 * where a sequence breaks the layout.
 */
import { MmtokError, type TokenFileHeader } from '@mmtok/core';
import type { SequenceLayout } from './layout.js';

/** A token file's primary content: its header (without extra tracks) and indices. */
export interface TokenSet {
  header: Omit<TokenFileHeader, 'tracks'>;
  indices: Int32Array;
}

/** Ids in the smallest array type that holds the layout's vocabulary. */
export type SequenceIds = Uint16Array | Int32Array;

/**
 * How a token set's indices form a grid of positions × levels: the code of level l at position p
 * is indices[start[l] + p · stride[l]].
 */
export interface Grid {
  positions: number;
  levels: number;
  start: number[];
  stride: number[];
  /** Positions per row (image/video: the width), 0 without rows. */
  rowLength: number;
  /** Positions per frame (image: all; video: h·w), 0 without rows. */
  frameLength: number;
}

function seqError(message: string, details?: Record<string, unknown>): never {
  throw new MmtokError('MMTOK_SEQUENCE', message, details);
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/**
 * Multi-scale audio (SNAC): shape [1, total], source.scales = [{ levels, frames }] coarsest first,
 * each scale a [levels, frames] block. Positions are the coarsest frames; a scale r times finer
 * gives r levels per position (SNAC 24 kHz: c0[i], c1[2i], c1[2i+1], c2[4i], …, c2[4i+3]).
 */
function multiScaleGrid(shape: readonly number[], scales: unknown): Grid {
  const list = scales as { levels: number; frames: number }[];
  const ok =
    Array.isArray(list) &&
    list.length > 0 &&
    list.every((x) => Number.isInteger(x?.levels) && Number.isInteger(x?.frames) && x.levels > 0);
  const F = ok ? list[0].frames : 0;
  const total = ok ? list.reduce((a, x) => a + x.levels * x.frames, 0) : -1;
  if (!ok || F <= 0 || total !== shape[1] || list.some((x) => x.frames % F !== 0)) {
    seqError(
      `source.scales ${JSON.stringify(scales)} does not describe shape [${shape}] as whole multiples of the coarsest scale's frames`,
    );
  }
  const start: number[] = [];
  const stride: number[] = [];
  let block = 0;
  for (const x of list) {
    const r = x.frames / F;
    for (let l = 0; l < x.levels; l++) {
      for (let k = 0; k < r; k++) {
        start.push(block + l * x.frames + k);
        stride.push(r);
      }
    }
    block += x.levels * x.frames;
  }
  return { positions: F, levels: start.length, start, stride, rowLength: 0, frameLength: 0 };
}

export function gridOf(header: Pick<TokenFileHeader, 'modality' | 'shape' | 'source'>): Grid {
  const { modality, shape } = header;
  const count = shape.reduce((a, b) => a * b, 1);
  if (modality === 'audio') {
    if (header.source?.scales !== undefined && shape.length === 2 && shape[0] === 1)
      return multiScaleGrid(shape, header.source.scales);
    if (shape.length === 1)
      return { positions: shape[0], levels: 1, start: [0], stride: [1], rowLength: 0, frameLength: 0 };
    if (shape.length === 2) {
      const [L, T] = shape;
      return {
        positions: T,
        levels: L,
        start: range(L).map((l) => l * T),
        stride: range(L).map(() => 1),
        rowLength: 0,
        frameLength: 0,
      };
    }
  } else if (shape.length === (modality === 'image' ? 3 : 4)) {
    const L = shape[shape.length - 1];
    const rowLength = shape[shape.length - 2];
    const frameLength = rowLength * shape[shape.length - 3];
    return {
      positions: count / Math.max(L, 1),
      levels: L,
      start: range(L),
      stride: range(L).map(() => L),
      rowLength,
      frameLength,
    };
  }
  return seqError(
    `a ${modality} token set of shape [${shape}] has no layout grid (audio [levels, frames] or multi-scale [1, total], image [h, w, levels], video [t, h, w, levels])`,
  );
}

/** Checks that a token set is what the layout places: same tokenizer, modality and levels, no tracks. */
export function checkTokenSet(set: TokenSet, layout: SequenceLayout, what = 'token set'): Grid {
  const h = set.header;
  const want = layout.tokenizer;
  if (h.tokenizer.name !== want.name || h.tokenizer.version !== want.version || h.tokenizer.hash !== want.hash) {
    throw new MmtokError(
      'MMTOK_MISMATCH',
      `${what} was made by tokenizer ${h.tokenizer.name} ${h.tokenizer.version} (hash ${h.tokenizer.hash.slice(0, 12)}…), the layout places ${want.name} ${want.version} (hash ${want.hash.slice(0, 12)}…)`,
      { expected: want, actual: h.tokenizer },
    );
  }
  if (h.modality !== layout.modality)
    throw new MmtokError('MMTOK_MISMATCH', `${what} is ${h.modality}, the layout places ${layout.modality}`);
  const grid = gridOf(h);
  if (grid.levels !== layout.codebookSize.length) {
    throw new MmtokError(
      'MMTOK_MISMATCH',
      `${what} has ${grid.levels} levels, the layout has ${layout.codebookSize.length}`,
    );
  }
  if ('tracks' in h && (h as TokenFileHeader).tracks?.length) {
    seqError(
      `${what} has extra tracks (${(h as TokenFileHeader).tracks!.map((t) => t.name).join(', ')}); pack places one token set per document — encode the video with --no-audio`,
    );
  }
  return grid;
}

/** Visits a layout's cells in writing order: a code (slot j at position p, or p = -1 for pad) or a special. */
interface Visitor {
  code(slot: number, position: number): void;
  special(name: string): void;
}

function walkLayout(layout: SequenceLayout, grid: Grid, v: Visitor): void {
  for (const name of layout.begin) v.special(name);
  const slots = layout.slots;
  const P = grid.positions;
  if (layout.order === 'level-major') {
    for (let j = 0; j < slots.length; j++) for (let p = 0; p < P; p++) v.code(j, p);
  } else {
    const maxDelay = Math.max(...slots.map((s) => s.delay));
    const eol = layout.endOfRow;
    const eof = layout.endOfFrame;
    for (let step = 0; step < P + maxDelay; step++) {
      for (let j = 0; j < slots.length; j++) {
        const p = step - slots[j].delay;
        v.code(j, p >= 0 && p < P ? p : -1);
      }
      if (eol && (step + 1) % grid.rowLength === 0) v.special(eol);
      if (eof && (step + 1) % grid.frameLength === 0) v.special(eof);
    }
  }
  for (const name of layout.end) v.special(name);
}

/** Number of ids a token set of this grid takes in the layout (without text or end-of-document). */
export function sequenceLength(layout: SequenceLayout, grid: Grid): number {
  const P = grid.positions;
  const n = layout.slots.length;
  let body = P * n;
  if (layout.order === 'frame-major') {
    body = (P + Math.max(...layout.slots.map((s) => s.delay))) * n;
    if (layout.endOfRow) body += P / grid.rowLength;
    if (layout.endOfFrame) body += P / grid.frameLength;
  }
  return layout.begin.length + body + layout.end.length;
}

/** An array for `length` ids of this layout's vocabulary. */
export function idArray(layout: SequenceLayout, length: number): SequenceIds {
  return layout.vocabSize <= 0x10000 ? new Uint16Array(length) : new Int32Array(length);
}

/**
 * The ids a layout writes for one token set. The same order as walkLayout, unrolled into plain
 * loops over typed arrays: this is pack's hot path (a visitor call per token costs ~10× more).
 * The random round-trip tests keep the two in step.
 */
export function toSequence(set: TokenSet, layout: SequenceLayout): SequenceIds {
  const grid = checkTokenSet(set, layout);
  const out = idArray(layout, sequenceLength(layout, grid));
  writeSequence(set, layout, grid, out, 0);
  return out;
}

/** Writes a checked token set's ids into `out` from `i` (documentIds adds text around them without a copy). */
export function writeSequence(set: TokenSet, layout: SequenceLayout, grid: Grid, out: SequenceIds, i: number): void {
  const { base, slots, special } = layout;
  // Per slot: where its level's codes start and how far apart they are, its first id, its codebook size.
  const cols: Columns = {
    indices: set.indices,
    positions: grid.positions,
    start: Int32Array.from(slots, (s) => grid.start[s.level]),
    stride: Int32Array.from(slots, (s) => grid.stride[s.level]),
    first: Int32Array.from(slots, (s) => base + s.offset),
    size: Int32Array.from(slots, (s) => layout.codebookSize[s.level]),
  };
  for (const name of layout.begin) out[i++] = special[name];
  let ok = true;
  if (layout.order === 'level-major') {
    for (let j = 0; ok && j < slots.length; j++) ok = writeColumn(cols, j, out, i + j * grid.positions, 1);
    i += slots.length * grid.positions;
  } else {
    const delay = Int32Array.from(slots, (s) => s.delay);
    const eol = layout.endOfRow !== undefined ? special[layout.endOfRow] : -1;
    const eof = layout.endOfFrame !== undefined ? special[layout.endOfFrame] : -1;
    const pad = layout.pad !== undefined ? special[layout.pad] : -1;
    const steps = grid.positions + Math.max(...delay);
    if (eol < 0 && eof < 0) {
      // Every step is n ids: slot j of step s sits at s·n + j, so each slot is one strided column.
      const n = slots.length;
      for (let j = 0; ok && j < n; j++) {
        ok = writeColumn(cols, j, out, i + delay[j] * n + j, n);
        for (let s = 0; s < delay[j]; s++) out[i + s * n + j] = pad;
        for (let s = grid.positions + delay[j]; s < steps; s++) out[i + s * n + j] = pad;
      }
      i += steps * n;
    } else {
      i = writeFrameMajor(cols, delay, pad, eol, eof, grid, steps, out, i);
      ok = i >= 0;
    }
  }
  if (!ok) throwFirstBadCode(set, layout, grid, cols.size);
  for (const name of layout.end) out[i++] = special[name];
}

/** One token set's codes per layout slot, as typed arrays the hot loops read. */
interface Columns {
  indices: Int32Array;
  positions: number;
  start: Int32Array;
  stride: Int32Array;
  first: Int32Array;
  size: Int32Array;
}

/**
 * Writes slot j's ids for every position to out[o], out[o + step], …; false at an out-of-codebook
 * code. Kept small and separate from writeSequence so V8 optimizes the loop
 * itself: inside the larger function it kept falling back to the interpreter (a deopt at the
 * function's tail undid the on-stack-replaced loop on every call, ~20 ns per id instead of ~1).
 */
function writeColumn(cols: Columns, j: number, out: SequenceIds, o: number, step: number): boolean {
  const { indices, positions } = cols;
  const first = cols.first[j];
  const size = cols.size[j];
  const stride = cols.stride[j];
  for (let p = 0, at = cols.start[j]; p < positions; p++, at += stride, o += step) {
    const c = indices[at];
    if (c < 0 || c >= size) return false;
    out[o] = first + c;
  }
  return true;
}

/** Frame-major with end-of-row / end-of-frame ids, step by step; the index after the last id, or -1 at an out-of-codebook code. */
function writeFrameMajor(
  cols: Columns,
  delay: Int32Array,
  pad: number,
  eol: number,
  eof: number,
  grid: Grid,
  steps: number,
  out: SequenceIds,
  i: number,
): number {
  const { indices, positions, start, stride, first, size } = cols;
  const n = delay.length;
  // Countdowns to the next row / frame end, rather than a modulo per step.
  let rowLeft = grid.rowLength;
  let frameLeft = grid.frameLength;
  for (let step = 0; step < steps; step++) {
    for (let j = 0; j < n; j++) {
      const p = step - delay[j];
      if (p < 0 || p >= positions) {
        out[i++] = pad;
        continue;
      }
      const c = indices[start[j] + p * stride[j]];
      if (c < 0 || c >= size[j]) return -1;
      out[i++] = first[j] + c;
    }
    if (--rowLeft === 0) {
      if (eol >= 0) out[i++] = eol;
      rowLeft = grid.rowLength;
    }
    if (--frameLeft === 0) {
      if (eof >= 0) out[i++] = eof;
      frameLeft = grid.frameLength;
    }
  }
  return i;
}

/** Throws for the first out-of-codebook code in writing order (the fast loops only say that one exists). */
function throwFirstBadCode(set: TokenSet, layout: SequenceLayout, grid: Grid, size: Int32Array): never {
  walkLayout(layout, grid, {
    code(j, p) {
      if (p < 0) return;
      const at = grid.start[layout.slots[j].level] + p * grid.stride[layout.slots[j].level];
      const c = set.indices[at];
      if (c < 0 || c >= size[j]) {
        seqError(
          `index ${c} at position ${at} of the token set is outside level ${layout.slots[j].level}'s codebook [0, ${size[j]})${c === -1 ? ' (a dropped residual level has no id)' : ''}`,
          { position: at, value: c },
        );
      }
    },
    special() {},
  });
  throw new Error('unreachable: a fast loop saw an out-of-codebook code the walk did not');
}

/** The token set a layout's ids describe; `header` supplies what ids do not carry (shape, source, …). */
export function fromSequence(
  ids: ArrayLike<number>,
  layout: SequenceLayout,
  header: Omit<TokenFileHeader, 'tracks'>,
): TokenSet {
  const grid = checkTokenSet({ header, indices: new Int32Array(0) }, layout, 'the document record');
  const expected = sequenceLength(layout, grid);
  const n = ids.length;
  const { base, slots, codebookSize, special } = layout;
  const P = grid.positions;
  // Sized only when the length matches: a wrong length throws during the walk (writes to an empty
  // typed array are dropped), so a corrupt record cannot make us allocate for a shape it lies about.
  const indices = new Int32Array(n === expected ? header.shape.reduce((a, b) => a * b, 1) : 0);
  const pad = layout.pad !== undefined ? special[layout.pad] : -1;
  let i = 0;
  // The grid position last read, so errors say which frame of the token set broke.
  let at = -1;
  const where = () => (at >= 0 ? ` (in frame ${at} of ${P})` : '');
  const take = (what: string): number => {
    if (i >= n) {
      seqError(
        `the sequence ends at position ${n} where ${what} was expected${where()}: a truncated frame (${expected} ids expected)`,
        {
          position: n,
        },
      );
    }
    return ids[i++];
  };
  walkLayout(layout, grid, {
    code(j, p) {
      const slot = slots[j];
      if (p >= 0) at = p;
      if (p < 0) {
        const v = take(`pad for slot ${j}`);
        if (v !== pad)
          seqError(
            `id ${v} at position ${i - 1} should be the pad id ${pad} (slot ${j} is delayed ${slot.delay} steps)`,
            { position: i - 1, value: v },
          );
        return;
      }
      const v = take(`a code of slot ${j}`);
      const c = v - base - slot.offset;
      const k = codebookSize[slot.level];
      if (c < 0 || c >= k) {
        seqError(
          `id ${v} at position ${i - 1} is out of range: slot ${j} (level ${slot.level}) has ids [${base + slot.offset}, ${base + slot.offset + k})${where()}`,
          { position: i - 1, value: v },
        );
      }
      indices[grid.start[slot.level] + p * grid.stride[slot.level]] = c;
    },
    special(name) {
      const v = take(`'${name}' (id ${special[name]})`);
      if (v !== special[name]) {
        seqError(`id ${v} at position ${i - 1} should be '${name}' (id ${special[name]}): a missing ${name} token`, {
          position: i - 1,
          value: v,
        });
      }
    },
  });
  if (i !== n)
    seqError(
      `${n - i} unexpected ids after position ${i}: the layout writes ${expected} ids for shape [${header.shape}]`,
      { position: i },
    );
  return { header: { ...header }, indices };
}
