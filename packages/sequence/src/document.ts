/**
 * A document: the ids of one item for next-token prediction — its text (a caption) before or
 * after the media as the layout says, the media's sequence, then the end-of-document token.
 */
import { MmtokError, type TokenFileHeader } from '@mmtok/core';
import type { SequenceLayout } from './layout.js';
import {
  checkTokenSet,
  fromSequence,
  idArray,
  type SequenceIds,
  sequenceLength,
  type TokenSet,
  writeSequence,
} from './sequence.js';

/** One line of `<prefix>.docs.jsonl`: what unpack needs to rebuild the token file, and the counts info shows. */
export interface DocumentRecord {
  /** The item's name (token file name without .mmtok, or the dataset sample key). */
  key: string;
  /** The token file's header (without tracks): tokenizer, modality, shape, dtype, codebook size, source. */
  header: Omit<TokenFileHeader, 'tracks'>;
  /** Text ids at the start (layout.text.place = before) or end of the document; 0 without text. */
  textTokens: number;
  /** All ids of the document. */
  tokens: number;
}

function docError(message: string, details?: Record<string, unknown>): never {
  throw new MmtokError('MMTOK_SEQUENCE', message, details);
}

/** The document's ids: text and media as the layout places them, then end-of-document. */
export function documentIds(set: TokenSet, layout: SequenceLayout, text?: ArrayLike<number>): SequenceIds {
  const grid = checkTokenSet(set, layout);
  const mediaLength = sequenceLength(layout, grid);
  const textCount = text?.length ?? 0;
  if (textCount > 0 && !layout.text) docError('this document has text but the layout places none (no text tokenizer)');
  const eod = layout.endOfDocument !== undefined ? 1 : 0;
  const out = idArray(layout, textCount + mediaLength + eod);
  const before = layout.text?.place !== 'after';
  const textAt = before ? 0 : mediaLength;
  const limit = layout.text?.vocabSize ?? 0;
  for (let i = 0; i < textCount; i++) {
    const id = text![i];
    if (!Number.isInteger(id) || id < 0 || id >= limit)
      docError(`text id ${id} at position ${i} is outside the layout's text range [0, ${limit})`, { position: i });
    out[textAt + i] = id;
  }
  writeSequence(set, layout, grid, out, before ? textCount : 0);
  if (eod) out[out.length - 1] = layout.special[layout.endOfDocument!];
  return out;
}

/** Splits a document's ids back into its token set and text ids; errors give the position in the document. */
export function splitDocument(
  ids: ArrayLike<number>,
  layout: SequenceLayout,
  record: DocumentRecord,
): { set: TokenSet; text: Int32Array } {
  const all = ids instanceof Int32Array ? ids : Int32Array.from(ids);
  const eod = layout.endOfDocument !== undefined ? 1 : 0;
  if (all.length !== record.tokens)
    docError(`document '${record.key}' has ${all.length} ids, its record says ${record.tokens}`);
  if (eod && all[all.length - 1] !== layout.special[layout.endOfDocument!]) {
    docError(
      `document '${record.key}' does not end in '${layout.endOfDocument}' (id ${layout.special[layout.endOfDocument!]}): a missing end token`,
      {
        position: all.length - 1,
      },
    );
  }
  const t = record.textTokens;
  const before = layout.text?.place !== 'after';
  const body = all.subarray(0, all.length - eod);
  const text = before ? body.subarray(0, t) : body.subarray(body.length - t);
  const media = before ? body.subarray(t) : body.subarray(0, body.length - t);
  try {
    return { set: fromSequence(media, layout, record.header), text: text.slice() };
  } catch (e) {
    if (e instanceof MmtokError && typeof e.details?.position === 'number') {
      const position = (e.details.position as number) + (before ? t : 0);
      throw new MmtokError(
        e.code,
        `document '${record.key}': ${e.message.replace(/^\w+: /, '').replace(/position \d+/, `position ${position}`)}`,
        { ...e.details, position },
      );
    }
    throw e;
  }
}
