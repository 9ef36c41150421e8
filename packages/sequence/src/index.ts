/** @mmtok/sequence: vocabulary layouts, token sets ↔ training sequences (isomorphic; files are in ./node). */
export { type DocumentRecord, documentIds, splitDocument } from './document.js';
export {
  checkLayout,
  type IdRange,
  idRanges,
  LAYOUT_FORMAT,
  LAYOUT_VERSION,
  type LayoutSlot,
  MEGATRON_UINT16_LIMIT,
  type MegatronDtype,
  megatronDtype,
  type SequenceLayout,
} from './layout.js';
export { decodeIndex, encodeIndex, INDEX_HEADER, type MegatronIndex } from './megatron.js';
export { decodeNpyHeader, encodeNpyHeader } from './npy.js';
export { CHAMELEON, EMU3, ORPHEUS, PRESET_NAMES, type PresetInput, type PresetName, presetLayout } from './presets.js';
export {
  checkTokenSet,
  fromSequence,
  type Grid,
  gridOf,
  type SequenceIds,
  sequenceLength,
  type TokenSet,
  toSequence,
} from './sequence.js';
export { type TextTokenizer, textTokenizer } from './text.js';
