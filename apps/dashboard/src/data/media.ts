import type { ItemMetrics } from '@mmtok/diagnostics';

export type MediaKind = 'image' | 'audio' | 'video';

/** Original and reconstruction of one item, as URLs the page can load. */
export interface ItemMedia {
  kind: MediaKind;
  original?: string;
  reconstruction?: string;
}

const EXT_KIND: Record<string, MediaKind> = {
  png: 'image',
  jpg: 'image',
  jpeg: 'image',
  webp: 'image',
  avif: 'image',
  gif: 'image',
  wav: 'audio',
  flac: 'audio',
  mp3: 'audio',
  ogg: 'audio',
  opus: 'audio',
  m4a: 'audio',
  mp4: 'video',
  webm: 'video',
  mov: 'video',
  mkv: 'video',
};

function kindOf(mime: string, url: string): MediaKind | undefined {
  const major = mime.split('/')[0];
  if (major === 'image' || major === 'audio' || major === 'video') return major;
  const ext = /\.([a-z0-9]+)(?:[?#].*)?$/i.exec(url)?.[1]?.toLowerCase();
  return ext ? EXT_KIND[ext] : undefined;
}

/** Stills of one video frame: original and reconstruction. */
export interface FrameStills {
  frame: number;
  original?: string;
  reconstruction?: string;
}

type Clip = NonNullable<ItemMetrics['media']>[number];

const isOriginal = (c: Clip) => /orig|source|input|reference/i.test(c.label);
const isReconstruction = (c: Clip) => /recon|decod|output/i.test(c.label);

function usable(item: ItemMetrics): Clip[] {
  return Array.isArray(item.media) ? item.media.filter((m) => typeof m?.src === 'string' && m.src !== '') : [];
}

/**
 * An item's `media` clips (the report's `[{ label, mime, src }]`) as original + reconstruction.
 * `src` is a data: URI, or — served by `mmtok dashboard` — the URL the server gave a file the
 * report named by path. Labels decide the role; failing that, the first clip is the original.
 * Stills of single video frames (clips with `frame`) are not the item's media: see frameStills.
 */
export function itemMedia(item: ItemMetrics): ItemMedia | undefined {
  const clips = usable(item).filter((m) => m.frame === undefined);
  if (!clips.length) return undefined;
  const original = clips.find(isOriginal) ?? clips[0];
  const reconstruction = clips.find(isReconstruction) ?? clips.find((m) => m !== original);
  const kind = kindOf(original.mime ?? '', original.src) ?? 'image';
  return { kind, original: original.src, reconstruction: reconstruction?.src };
}

/** A video item's frame stills (`mmtok diagnose` keeps the worst frames'), paired by frame, in report order. */
export function frameStills(item: ItemMetrics): FrameStills[] {
  const byFrame = new Map<number, FrameStills>();
  for (const clip of usable(item)) {
    if (clip.frame === undefined) continue;
    const pair = byFrame.get(clip.frame) ?? { frame: clip.frame };
    if (isReconstruction(clip)) pair.reconstruction ??= clip.src;
    else if (isOriginal(clip)) pair.original ??= clip.src;
    byFrame.set(clip.frame, pair);
  }
  return [...byFrame.values()];
}
