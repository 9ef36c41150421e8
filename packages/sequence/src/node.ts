/** Node-only entry: pack token files into Megatron / flat / .npy training files and read them back. */

export { type MergeResult, mergePacked } from './merge.js';
export {
  flatDtype,
  PACK_FORMATS,
  type PackFormat,
  type PackItem,
  type PackOptions,
  type PackOutput,
  type PackResult,
  pack,
} from './pack.js';
export {
  describePacked,
  openPacked,
  type Packed,
  type PackedDescription,
  packedPrefix,
  readDocuments,
  readRecords,
  type UnpackResult,
  unpack,
} from './packed.js';
