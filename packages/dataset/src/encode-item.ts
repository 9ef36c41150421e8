/**
 * One item → the members of its sample: `<key>.mmtok` (the token file `mmtok encode` writes for the
 * same media, save its createdBy: both build it with tokenFileInput of @mmtok/video), `<key>.json`
 * (source, modality, shape, metadata) and the text members of a WebDataset input carried over.
 * Split in two steps so a shard can decode the next item (sharp runs off the main thread) while
 * this one is tokenized.
 */
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { AUDIO_EXTENSIONS, encodeAudioFile } from '@mmtok/audio';
import { encodeTokenFile, MmtokError } from '@mmtok/core';
import { type RgbImage, readImage, type TokenSet } from '@mmtok/image';
import { type AnyImageTokenizer, containerModality, type ModalityTokens, tokenFileInput } from '@mmtok/video';
import { IMAGE_EXTENSIONS, VIDEO_EXTENSIONS } from './inputs.js';
import type { TarSample } from './tar-input.js';
import type { DatasetModality, Tokenizers } from './tokenizers.js';
import { VERSION } from './version.js';

/** Members of a WebDataset input copied into the output sample as they are. */
const TEXT_MEMBERS = new Set(['txt', 'text', 'caption', 'cls']);
const CREATED_BY = `@mmtok/dataset ${VERSION}`;

/** What a shard knows about an item before reading it. */
export interface ItemRef {
  key: string;
  path: string;
  /** The sample's key in its tar input. */
  member?: string;
  meta?: Record<string, unknown>;
}

/** Audio and video are read by ffmpeg from a file: a tar member's is a temp file (`temp`), removed after. */
type Media = { modality: 'image'; image: RgbImage } | { modality: 'audio' | 'video'; file: string; temp: boolean };

export interface DecodedItem {
  ref: ItemRef;
  media: Media;
  meta?: Record<string, unknown>;
  text: [string, Uint8Array][];
}

export interface EncodedSample {
  members: [string, Uint8Array][];
  tokens: number;
  modality: DatasetModality;
  /** A video whose sound track was tokenized too (by the spec's audioTokenizer). */
  soundTrack: boolean;
}

const ext = (name: string) => extname(name).toLowerCase();

function unsupported(ref: ItemRef, what: string): never {
  throw new MmtokError('MMTOK_UNSUPPORTED', `${ref.path}${ref.member ? `:${ref.member}` : ''}: ${what}`);
}

const isMedia = (e: string) =>
  IMAGE_EXTENSIONS.includes(e) || AUDIO_EXTENSIONS.includes(e) || VIDEO_EXTENSIONS.includes(e);

/** The media member of a tar sample: the first whose last extension is an image, audio or video one. */
function mediaMember(sample: TarSample): [string, Buffer] | undefined {
  for (const [e, body] of sample.members) {
    const last = `.${e.split('.').pop()?.toLowerCase()}`;
    if (isMedia(last)) return [last, body];
  }
  return undefined;
}

/**
 * A file ffmpeg can read: the item's own, or a tar member's bytes in a temp file (their size is
 * bounded by the tar reader's member limit; ffmpeg then streams the file, it is never decoded whole).
 */
async function mediaFile(ref: ItemRef, e: string, bytes: Buffer | undefined): Promise<{ file: string; temp: boolean }> {
  if (!bytes) return { file: ref.path, temp: false };
  const file = join(tmpdir(), `mmtok-dataset-${randomBytes(6).toString('hex')}${e}`);
  await writeFile(file, bytes);
  return { file, temp: true };
}

/** `e`: the media's extension, lower case with its dot ('.png'); `maxPixels`: readImage's limit. */
async function decodeMedia(ref: ItemRef, e: string, bytes: Buffer | undefined, maxPixels?: number): Promise<Media> {
  if (IMAGE_EXTENSIONS.includes(e)) {
    return { modality: 'image', image: await readImage(bytes ?? ref.path, { maxPixels }) };
  }
  if (AUDIO_EXTENSIONS.includes(e)) return { modality: 'audio', ...(await mediaFile(ref, e, bytes)) };
  if (VIDEO_EXTENSIONS.includes(e)) {
    const media = await mediaFile(ref, e, bytes);
    // As in `mmtok encode`: a container with sound and no picture is audio.
    return { modality: await containerModality(media.file), ...media };
  }
  return unsupported(ref, `${e || 'no extension'}: datasets tokenize images, audio and video`);
}

/** Reads and decodes an item (a file, or a sample already read from its tar); images over `maxPixels` are refused. */
export async function decodeItem(ref: ItemRef, sample?: TarSample, maxPixels?: number): Promise<DecodedItem> {
  if (!sample) {
    // A list's text fields (`caption`, `txt`, ...) become text members, as in a WebDataset input.
    const fields = Object.entries(ref.meta ?? {});
    const isText = ([k, v]: [string, unknown]) => TEXT_MEMBERS.has(k) && typeof v === 'string';
    const text = fields
      .filter(isText)
      .map(([k, v]): [string, Uint8Array] => [k, new TextEncoder().encode(v as string)]);
    const rest = fields.filter((f) => !isText(f));
    const meta = rest.length > 0 ? Object.fromEntries(rest) : undefined;
    return { ref, media: await decodeMedia(ref, ext(ref.path), undefined, maxPixels), meta, text };
  }
  const media = mediaMember(sample);
  if (!media) unsupported(ref, `sample has no image, audio or video member (${[...sample.members.keys()].join(', ')})`);
  const text = [...sample.members].filter(([e]) => TEXT_MEMBERS.has(e)) as [string, Uint8Array][];
  let meta = ref.meta;
  const json = sample.members.get('json');
  if (json) {
    try {
      meta = { ...(JSON.parse(json.toString('utf8')) as Record<string, unknown>), ...meta };
    } catch (e) {
      throw new MmtokError('MMTOK_FILE_FORMAT', `${ref.path}:${ref.member}.json: not JSON (${(e as Error).message})`);
    }
  }
  return { ref, media: await decodeMedia(ref, media[0], media[1], maxPixels), meta, text };
}

/** A token file with the facts its `.json` member records. */
interface Tokenized {
  mmtok: Uint8Array;
  shape: number[];
  facts: Record<string, unknown>;
  soundTrack: boolean;
}

/** The `.mmtok` bytes `mmtok encode` writes for these tokens, save its createdBy. */
function tokenized(tokens: ModalityTokens, facts: Record<string, unknown>): Tokenized {
  const mmtok = encodeTokenFile(tokenFileInput(tokens, CREATED_BY));
  const soundTrack = tokens.modality === 'video' && tokens.audio !== undefined;
  return { mmtok, shape: [...tokens.tokens.shape], facts, soundTrack };
}

function imageTokenFile(tokenizer: AnyImageTokenizer, tokens: TokenSet, image: RgbImage): Tokenized {
  const codebookSize = tokenizer.quantizer?.codebookSize;
  return tokenized({ modality: 'image', tokens, codebookSize }, { width: image.width, height: image.height });
}

/** Audio or video read by ffmpeg from its file (a temp file removed after, whatever happens). */
async function fileTokenFile(
  tokenizers: Tokenizers,
  media: Extract<Media, { modality: 'audio' | 'video' }>,
): Promise<Tokenized> {
  try {
    if (media.modality === 'video') {
      const video = await tokenizers.videoFile(media.file);
      const { width, height, fps, frames, duration } = video.tokens.source;
      const sound = video.audio && {
        audio: { shape: [...video.audio.tokens.shape], duration: video.audio.tokens.source.duration },
      };
      return tokenized(video, { width, height, fps, frames, duration, ...sound });
    }
    const tokenizer = await tokenizers.audio();
    const tokens = await encodeAudioFile(tokenizer, media.file);
    const { sampleRate, channels, samples, duration } = tokens.source;
    const audio = { tokens, frameRate: tokenizer.frameRate, codebookSize: tokenizer.codebookSize };
    return tokenized({ modality: 'audio', ...audio }, { sampleRate, channels, samples, duration });
  } finally {
    if (media.temp) await rm(media.file, { force: true });
  }
}

/** The members of an item's sample around its token file. */
function sampleOf(item: DecodedItem, { mmtok, shape, facts, soundTrack }: Tokenized): EncodedSample {
  const { ref, media } = item;
  const tokens = shape.reduce((a, b) => a * b, 1);
  const json = {
    key: ref.key,
    source: ref.path,
    ...(ref.member !== undefined ? { member: ref.member } : {}),
    modality: media.modality,
    shape,
    tokens,
    ...facts,
    ...(item.meta ? { meta: item.meta } : {}),
  };
  return {
    members: [
      [`${ref.key}.mmtok`, mmtok],
      [`${ref.key}.json`, new TextEncoder().encode(`${JSON.stringify(json)}\n`)],
      ...item.text.map(([e, body]): [string, Uint8Array] => [`${ref.key}.${e}`, body]),
    ],
    tokens,
    modality: media.modality,
    soundTrack,
  };
}

/** Tokenizes a decoded item into its sample's members. */
export async function encodeItem(item: DecodedItem, tokenizers: Tokenizers): Promise<EncodedSample> {
  const { media } = item;
  if (media.modality !== 'image') return sampleOf(item, await fileTokenFile(tokenizers, media));
  const tokenizer = await tokenizers.image();
  return sampleOf(item, imageTokenFile(tokenizer, await tokenizer.encode(media.image), media.image));
}

export interface EncodedGroup {
  /** Per item, in order: its sample, or why it failed (a failed decode fails only its item). */
  results: PromiseSettledResult<EncodedSample>[];
  /** Items tokenized in one encoder run together with others. */
  batched: number;
}

const settle = <T>(p: Promise<T>): Promise<PromiseSettledResult<T>> =>
  p.then(
    (value) => ({ status: 'fulfilled', value }),
    (reason) => ({ status: 'rejected', reason }),
  );

/**
 * Tokenizes consecutive items, each into the sample encodeItem makes: runs of decoded images go to
 * an image tokenizer with an encodeBatch together (it batches those of one size where its encoder
 * can); a semantic one takes each image alone. Should the batch call fail, its images are tokenized
 * one at a time, so each failure is its own item's.
 */
export async function encodeItems(
  decodings: readonly Promise<DecodedItem>[],
  tokenizers: Tokenizers,
): Promise<EncodedGroup> {
  const decoded = await Promise.all(decodings.map(settle));
  const results: PromiseSettledResult<EncodedSample>[] = [];
  let batched = 0;
  // Only a tokenizer with an encodeBatch (not a semantic one) takes runs of images together.
  // A tokenizer that fails to load fails each image in encodeItem, as its own item's error.
  const hasImages = decoded.some((d) => d.status === 'fulfilled' && d.value.media.modality === 'image');
  const tokenizer = hasImages ? await tokenizers.image().catch(() => undefined) : undefined;
  const batcher = tokenizer && 'encodeBatch' in tokenizer ? tokenizer : undefined;
  const image = (k: number) => {
    const d = decoded[k];
    return batcher && d.status === 'fulfilled' && d.value.media.modality === 'image' ? d.value : undefined;
  };
  for (let i = 0; i < decoded.length; ) {
    let j = i;
    while (j < decoded.length && image(j)) j++;
    if (batcher && j - i > 1) {
      const items = decoded.slice(i, j).map((_, k) => image(i + k)!);
      const run = await settle(batchImages(items, batcher));
      if (run.status === 'fulfilled') {
        results.push(...run.value.samples.map((value) => ({ status: 'fulfilled' as const, value })));
        batched += run.value.batched;
      } else for (const item of items) results.push(await settle(encodeItem(item, tokenizers)));
      i = j;
      continue;
    }
    const d = decoded[i++];
    results.push(d.status === 'rejected' ? d : await settle(encodeItem(d.value, tokenizers)));
  }
  return { results, batched };
}

async function batchImages(
  items: DecodedItem[],
  tokenizer: Extract<AnyImageTokenizer, { encodeBatch: unknown }>,
): Promise<{ samples: EncodedSample[]; batched: number }> {
  const images = items.map((item) => (item.media as Extract<Media, { modality: 'image' }>).image);
  const { tokens, calls } = await tokenizer.encodeBatch(images);
  return {
    samples: items.map((item, k) => sampleOf(item, imageTokenFile(tokenizer, tokens[k], images[k]))),
    batched: calls.filter((n) => n > 1).reduce((a, b) => a + b, 0),
  };
}

/** Drops what a decoded item holds that encodeItem would have cleaned up (a failed shard's look-ahead). */
export async function discardItem(item: DecodedItem): Promise<void> {
  if (item.media.modality !== 'image' && item.media.temp) await rm(item.media.file, { force: true });
}
