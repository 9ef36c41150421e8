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

/**
 * An item's `media` clips (the report's `[{ label, mime, src }]`) as original + reconstruction.
 * `src` is a data: URI, or — served by `mmtok dashboard` — the URL the server gave a file the
 * report named by path. Labels decide the role; failing that, the first clip is the original.
 */
export function itemMedia(item: ItemMetrics): ItemMedia | undefined {
  const list = item.media;
  if (!Array.isArray(list) || list.length === 0) return undefined;
  const clips = list.filter((m) => typeof m?.src === 'string' && m.src !== '');
  if (!clips.length) return undefined;
  const original = clips.find((m) => /orig|source|input|reference/i.test(m.label)) ?? clips[0];
  const reconstruction = clips.find((m) => /recon|decod|output/i.test(m.label)) ?? clips.find((m) => m !== original);
  const kind = kindOf(original.mime ?? '', original.src) ?? 'image';
  return { kind, original: original.src, reconstruction: reconstruction?.src };
}
