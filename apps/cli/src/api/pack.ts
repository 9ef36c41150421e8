/**
 * `mmtok pack` / `unpack` / `info <prefix>`: token files or a dataset folder → training sequences
 * (@mmtok/sequence), and back. This file only glues inputs to the packer: the layout, formats and
 * files are @mmtok/sequence's.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { MmtokError } from '@mmtok/core';
import { readTokenFile } from '@mmtok/core/node';
import {
  checkLayout,
  gridOf,
  PRESET_NAMES,
  presetLayout,
  type SequenceLayout,
  type TextTokenizer,
  type TokenSet,
  textTokenizer,
} from '@mmtok/sequence';
import {
  describePacked,
  type MergeResult,
  mergePacked,
  PACK_FORMATS,
  type PackedDescription,
  type PackFormat,
  type PackItem,
  type PackResult,
  pack,
  packedPrefix,
  type UnpackResult,
  unpack,
} from '@mmtok/sequence/node';
import { usageError } from '../errors.js';
import { TOKEN_EXTENSIONS } from '../formats.js';
import { expandInputs } from '../inputs.js';

export interface PackFilesOptions {
  /**
   * `.mmtok` files, folders or globs — or one dataset folder (holding dataset.json or shard-*.tar) —
   * or packed prefixes, which are merged into one (same layout required).
   */
  inputs: readonly string[];
  /** Output prefix: writes <prefix>.bin/.idx (or .npy), <prefix>.docs.jsonl, <prefix>.layout.json. */
  output: string;
  /** A preset name or a layout.json path; omitted when merging packed prefixes. */
  layout?: string;
  /** A Hugging Face tokenizer.json for captions. */
  textTokenizer?: string;
  /**
   * Which text member is the caption: a dataset sample's member (`txt`, `caption`, `text`, as the
   * dataset keeps WebDataset members and a jsonl list's fields) or, for token files, the file
   * beside (`photo.<field>`). Default: `txt`, then `caption`, then `text`.
   */
  textField?: string;
  /** Where captions go relative to the media (presets only; a layout.json says it itself). Default before. */
  textPlace?: 'before' | 'after';
  format?: PackFormat;
}

async function readJson(path: string, what: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new MmtokError('MMTOK_IO', `could not read ${what} ${path}: ${(e as Error).message}`, { path });
  }
}

async function isDatasetDir(path: string): Promise<boolean> {
  const s = await stat(path).catch(() => undefined);
  if (!s?.isDirectory()) return false;
  if (await stat(join(path, 'dataset.json')).catch(() => undefined)) return true;
  return (await readdir(path)).some((f) => /^shard-\d+\.tar$/.test(f));
}

const DEFAULT_TEXT_FIELDS = ['txt', 'caption', 'text'];

/** Dataset samples as pack items, the caption from the chosen text member. */
async function* datasetItems(dir: string, fields: readonly string[]): AsyncGenerator<PackItem> {
  const { readDatasetSamples } = await import('@mmtok/dataset');
  for await (const s of readDatasetSamples(dir)) {
    const field = fields.find((f) => s.text?.[f] !== undefined);
    yield { key: s.key, tokenFile: s.tokenFile, ...(field ? { text: s.text![field] } : {}) };
  }
}

async function* tokenFileItems(inputs: readonly string[], fields: readonly string[]): AsyncGenerator<PackItem> {
  const files = await expandInputs(inputs, { extensions: TOKEN_EXTENSIONS, what: 'token files' });
  for (const f of files) {
    // A caption beside the token file (photo.mmtok + photo.txt) is packed with it.
    let caption: string | undefined;
    for (const field of fields) {
      caption = await readFile(f.path.replace(/\.mmtok$/i, `.${field}`), 'utf8').catch(() => undefined);
      if (caption !== undefined) break;
    }
    yield {
      key: basename(f.path).replace(/\.mmtok$/i, ''),
      tokenFile: await readTokenFile(f.path),
      ...(caption !== undefined ? { text: caption.trim() } : {}),
    };
  }
}

/** The layout: a layout.json as given, or a preset built for the first token set's tokenizer. */
async function layoutFor(
  spec: string,
  text: TextTokenizer | undefined,
  place: 'before' | 'after',
): Promise<SequenceLayout | ((first: TokenSet) => SequenceLayout)> {
  if (spec.toLowerCase().endsWith('.json')) {
    const layout = checkLayout(await readJson(spec, 'the layout'));
    if (text && !layout.text)
      throw usageError(`--text-tokenizer was given but ${spec} places no text (add "text": { "place", "vocabSize" })`);
    return layout;
  }
  if (!(PRESET_NAMES as readonly string[]).includes(spec)) {
    throw new MmtokError(
      'MMTOK_LAYOUT',
      `unknown layout preset '${spec}'; presets: ${PRESET_NAMES.join(', ')} (or a layout.json path)`,
      { preset: spec },
    );
  }
  return (first) => {
    // Levels per position as the layout sees them (a multi-scale SNAC file has 7 per coarse frame).
    const levels = gridOf(first.header).levels;
    if (first.header.codebookSize === undefined)
      throw new MmtokError(
        'MMTOK_LAYOUT',
        'the token files record no codebook size; give a layout.json with codebookSize',
      );
    return presetLayout(spec, {
      modality: first.header.modality,
      tokenizer: first.header.tokenizer,
      codebookSize: Array(levels).fill(first.header.codebookSize),
      ...(text ? { text: { place, vocabSize: text.vocabSize } } : {}),
    });
  };
}

export async function packFiles(options: PackFilesOptions): Promise<PackResult | MergeResult> {
  if (options.inputs.length === 0) throw usageError('pack needs token files or a dataset folder');
  const prefixes = await Promise.all(options.inputs.map(isPackedPrefix));
  if (prefixes.every(Boolean)) {
    if (options.layout || options.textTokenizer || options.textField || options.format)
      throw usageError(
        'merging packed prefixes keeps their layout and format: leave out --layout, --text-tokenizer and --to',
      );
    return mergePacked(options.inputs, options.output);
  }
  if (!options.layout) throw usageError('missing required option --layout <preset|layout.json>');
  const format = options.format ?? 'megatron';
  if (!(PACK_FORMATS as readonly string[]).includes(format))
    throw usageError(`--to for pack must be one of ${PACK_FORMATS.join(', ')}, got '${format}'`);
  const text = options.textTokenizer
    ? textTokenizer(await readJson(options.textTokenizer, 'the text tokenizer'))
    : undefined;
  // Resolved before anything is read, so an unknown preset fails first.
  const layout = await layoutFor(options.layout, text, options.textPlace ?? 'before');
  const dataset = options.inputs.length === 1 && (await isDatasetDir(options.inputs[0]));
  if (options.textField !== undefined && !/^\w+$/.test(options.textField))
    throw usageError(`--text-field must be a member name such as txt or caption, got '${options.textField}'`);
  const fields = options.textField ? [options.textField] : DEFAULT_TEXT_FIELDS;
  return pack({
    documents: dataset ? datasetItems(options.inputs[0], fields) : tokenFileItems(options.inputs, fields),
    prefix: options.output,
    layout,
    format,
    ...(text ? { text } : {}),
  });
}

export async function unpackPrefix(prefix: string, outDir: string): Promise<UnpackResult> {
  return unpack(prefix, outDir);
}

export async function describePrefix(prefix: string): Promise<PackedDescription> {
  return describePacked(prefix);
}

/** True when `target` names a packed prefix (its .layout.json exists). */
export async function isPackedPrefix(target: string): Promise<boolean> {
  const s = await stat(`${packedPrefix(target)}.layout.json`).catch(() => undefined);
  return Boolean(s?.isFile());
}

/** `mmtok info <prefix>`. */
export interface PackedPrefixDescription extends PackedDescription {
  kind: 'packed';
}
