/**
 * A vocabulary layout: where a token file's codes live in a language model's vocabulary and in
 * what order they are written. Saved as `<prefix>.layout.json` beside the packed data; docs/sequence.md
 * describes every field. Isomorphic (no fs).
 *
 * A token set is seen as a grid of P positions × L levels (audio [L, T]: T positions; image
 * [h, w, L] and video [t, h, w, L]: h·w or t·h·w positions). A layout emits, per step, one token
 * per slot; a slot reads one level and maps code c to `base + slot.offset + c`.
 */
import { MmtokError, type TokenizerIdentity, type TokenModality } from '@mmtok/core';

export const LAYOUT_FORMAT = 'mmtok-layout';
export const LAYOUT_VERSION = 1;

export interface LayoutSlot {
  /** Level of the token file this slot reads. */
  level: number;
  /** Added to `base` and the code: the slot's ids are [base + offset, base + offset + codebookSize[level]). */
  offset: number;
  /** Steps this slot lags behind the first (MusicGen delay, Moshi acoustic delay); 0 by default. */
  delay: number;
}

export interface SequenceLayout {
  format: typeof LAYOUT_FORMAT;
  version: typeof LAYOUT_VERSION;
  /** The preset it came from, or 'custom'. */
  preset: string;
  modality: TokenModality;
  /** The tokenizer whose codes this layout places; a token file from another one is refused. */
  tokenizer: TokenizerIdentity;
  /** Codes per level (the token file's levels, in order). */
  codebookSize: number[];
  /** First media id. */
  base: number;
  /** frame-major: step by step, every slot per step; level-major: slot by slot, every position. */
  order: 'frame-major' | 'level-major';
  /** What one step emits, in order (a per-position table such as Orpheus's is a list of slots). */
  slots: LayoutSlot[];
  /** interleaved: one id space; parallel: each slot is its own stream with its own ids (Moshi). */
  streams: 'interleaved' | 'parallel';
  /** Special tokens by name (boi, eoi, eol, eof, pad, eod, …) and their ids. */
  special: Record<string, number>;
  /** Special names written before and after the media body. */
  begin: string[];
  end: string[];
  /** Special written after each row (image/video; Emu3's end-of-line). */
  endOfRow?: string;
  /** Special written after each frame (image: once; video: per frame; Emu3's end-of-frame). */
  endOfFrame?: string;
  /** Special filling the steps a delayed slot has no code for. */
  pad?: string;
  /** Special appended after each document (nanoGPT's end-of-text). */
  endOfDocument?: string;
  /** Text (a caption) tokenized with a Hugging Face tokenizer.json, placed before or after the media. */
  text?: { place: 'before' | 'after'; vocabSize: number };
  /** Ids are in [0, vocabSize). */
  vocabSize: number;
  /** Megatron storage type; chosen from vocabSize when absent (uint16 below 65,500, else int32). */
  dtype?: MegatronDtype;
}

export type MegatronDtype = 'uint16' | 'int32';

/** Megatron-LM's DType.optimal_dtype: uint16 when the vocabulary has fewer than 65,500 ids. */
export const MEGATRON_UINT16_LIMIT = 65_500;

function fail(message: string, details?: Record<string, unknown>): never {
  throw new MmtokError('MMTOK_LAYOUT', message, details);
}

const isInt = (v: unknown, min = 0): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= min;

/** Rows of a token set's grid need spatial axes. */
export function hasRows(modality: TokenModality): boolean {
  return modality !== 'audio';
}

export interface IdRange {
  what: string;
  start: number;
  end: number;
}

/** Every id range the layout uses: one per slot (media) and one per special token. */
export function idRanges(layout: Pick<SequenceLayout, 'base' | 'slots' | 'codebookSize' | 'special'>): IdRange[] {
  const ranges: IdRange[] = layout.slots.map((s, j) => ({
    what: `slot ${j} (level ${s.level})`,
    start: layout.base + s.offset,
    end: layout.base + s.offset + layout.codebookSize[s.level],
  }));
  for (const [name, id] of Object.entries(layout.special))
    ranges.push({ what: `special '${name}'`, start: id, end: id + 1 });
  return ranges;
}

/** The Megatron dtype a layout is stored in. */
export function megatronDtype(layout: Pick<SequenceLayout, 'vocabSize' | 'dtype'>): MegatronDtype {
  return layout.dtype ?? (layout.vocabSize < MEGATRON_UINT16_LIMIT ? 'uint16' : 'int32');
}

/**
 * Checks a parsed layout.json (or a preset's output): field types, slot levels, special names,
 * id ranges that overlap (within one stream), a vocabulary that holds every id and fits the dtype.
 * Returns a normalized copy; unknown keys (such as the `output` facts pack adds) are dropped.
 */
export function checkLayout(value: unknown): SequenceLayout {
  if (!value || typeof value !== 'object' || Array.isArray(value)) fail('a layout must be a JSON object');
  const o = value as Record<string, unknown>;
  if (o.format !== LAYOUT_FORMAT) fail(`layout.format must be '${LAYOUT_FORMAT}', got ${JSON.stringify(o.format)}`);
  if (o.version !== LAYOUT_VERSION) fail(`layout.version ${JSON.stringify(o.version)} is not supported (1 is)`);
  if (!['image', 'audio', 'video'].includes(o.modality as string))
    fail(`layout.modality must be image, audio or video, got ${JSON.stringify(o.modality)}`);
  const modality = o.modality as TokenModality;
  const t = o.tokenizer as Record<string, unknown> | undefined;
  if (!t || typeof t !== 'object' || !['name', 'version', 'hash'].every((k) => typeof t[k] === 'string'))
    fail('layout.tokenizer must be { name, version, hash } (the token files’ tokenizer)');
  const codebookSize = o.codebookSize;
  if (!Array.isArray(codebookSize) || codebookSize.length === 0 || !codebookSize.every((k) => isInt(k, 1)))
    fail(`layout.codebookSize must be a non-empty array of positive integers, got ${JSON.stringify(codebookSize)}`);
  if (!isInt(o.base)) fail(`layout.base must be a non-negative integer, got ${JSON.stringify(o.base)}`);
  if (o.order !== 'frame-major' && o.order !== 'level-major')
    fail(`layout.order must be frame-major or level-major, got ${JSON.stringify(o.order)}`);
  if (o.streams !== 'interleaved' && o.streams !== 'parallel')
    fail(`layout.streams must be interleaved or parallel, got ${JSON.stringify(o.streams)}`);
  if (!Array.isArray(o.slots) || o.slots.length === 0) fail('layout.slots must be a non-empty array');
  const slots = (o.slots as unknown[]).map((s, j): LayoutSlot => {
    const r = s as Record<string, unknown>;
    if (!r || typeof r !== 'object') fail(`layout.slots[${j}] must be an object { level, offset, delay }`);
    if (!isInt(r.level) || r.level >= codebookSize.length)
      fail(`layout.slots[${j}].level must be a level in [0, ${codebookSize.length}), got ${JSON.stringify(r.level)}`);
    if (!isInt(r.offset)) fail(`layout.slots[${j}].offset must be a non-negative integer`);
    const delay = r.delay ?? 0;
    if (!isInt(delay)) fail(`layout.slots[${j}].delay must be a non-negative integer`);
    return { level: r.level, offset: r.offset, delay };
  });
  const seen = new Set(slots.map((s) => s.level));
  if (seen.size !== slots.length || seen.size !== codebookSize.length)
    fail(`layout.slots must read every level 0..${codebookSize.length - 1} exactly once`);
  const special = o.special ?? {};
  if (typeof special !== 'object' || Array.isArray(special)) fail('layout.special must map names to ids');
  for (const [name, id] of Object.entries(special)) if (!isInt(id)) fail(`layout.special.${name} must be an id`);
  const names = special as Record<string, number>;
  const named = (key: string, v: unknown): string | undefined => {
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || !(v in names))
      fail(`layout.${key} must name a special token, got ${JSON.stringify(v)}`);
    return v;
  };
  const list = (key: string, v: unknown): string[] => {
    if (v === undefined) return [];
    if (!Array.isArray(v)) fail(`layout.${key} must be a list of special names`);
    return v.map((x, i) => named(`${key}[${i}]`, x)!);
  };
  const delayed = slots.some((s) => s.delay > 0);
  const layout: SequenceLayout = {
    format: LAYOUT_FORMAT,
    version: LAYOUT_VERSION,
    preset: typeof o.preset === 'string' ? o.preset : 'custom',
    modality,
    tokenizer: { name: t.name as string, version: t.version as string, hash: t.hash as string },
    codebookSize: [...codebookSize],
    base: o.base,
    order: o.order,
    slots,
    streams: o.streams,
    special: { ...names },
    begin: list('begin', o.begin),
    end: list('end', o.end),
    vocabSize: 0,
  };
  for (const key of ['endOfRow', 'endOfFrame', 'pad', 'endOfDocument'] as const) {
    const v = named(key, o[key]);
    if (v !== undefined) layout[key] = v;
  }
  if ((layout.endOfRow || layout.endOfFrame) && !hasRows(modality))
    fail(`layout.endOfRow/endOfFrame need rows; ${modality} token sets have none`);
  if ((layout.endOfRow || layout.endOfFrame || delayed) && layout.order !== 'frame-major')
    fail('rows, frames and delays are written step by step: they need order frame-major');
  if (delayed && !layout.pad) fail('a layout with delays needs a pad special token for the steps without a code');
  if (o.text !== undefined) {
    const x = o.text as Record<string, unknown>;
    if (!x || (x.place !== 'before' && x.place !== 'after') || !isInt(x.vocabSize, 1))
      fail('layout.text must be { place: before | after, vocabSize }');
    layout.text = { place: x.place, vocabSize: x.vocabSize };
  }
  checkRanges(layout);
  const top = Math.max(...idRanges(layout).map((r) => r.end), layout.text?.vocabSize ?? 0);
  const vocabSize = o.vocabSize ?? top;
  if (!isInt(vocabSize, 1)) fail(`layout.vocabSize must be a positive integer, got ${JSON.stringify(o.vocabSize)}`);
  if (vocabSize < top) fail(`layout.vocabSize ${vocabSize} is too small: ids reach ${top - 1}`, { vocabSize, top });
  layout.vocabSize = vocabSize;
  if (o.dtype !== undefined) {
    if (o.dtype !== 'uint16' && o.dtype !== 'int32')
      fail(`layout.dtype must be uint16 or int32, got ${JSON.stringify(o.dtype)}`);
    if (o.dtype === 'uint16' && vocabSize > 0x10000)
      fail(`a vocabulary of ${vocabSize} ids does not fit dtype uint16 (65,536 ids at most); use int32`, {
        vocabSize,
      });
    layout.dtype = o.dtype;
  }
  if (vocabSize > 2 ** 31) fail(`a vocabulary of ${vocabSize} ids does not fit int32`);
  return layout;
}

/**
 * Overlapping ids would make a sequence ambiguous. Parallel streams each have their own id space,
 * so only specials are checked against every slot there; text ids [0, text.vocabSize) are checked too.
 */
function checkRanges(layout: SequenceLayout): void {
  const ranges = idRanges(layout);
  const slotCount = layout.slots.length;
  const text = layout.text ? [{ what: 'text ids', start: 0, end: layout.text.vocabSize }] : [];
  const all = [...ranges, ...text];
  for (let a = 0; a < all.length; a++) {
    for (let b = a + 1; b < all.length; b++) {
      if (layout.streams === 'parallel' && a < slotCount && b < slotCount) continue;
      const x = all[a];
      const y = all[b];
      if (x.start < y.end && y.start < x.end) {
        fail(
          `id ranges overlap: ${x.what} [${x.start}, ${x.end}) and ${y.what} [${y.start}, ${y.end}); a sequence would be ambiguous`,
          { a: x, b: y },
        );
      }
    }
  }
}
