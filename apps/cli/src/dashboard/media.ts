/**
 * A media file the dashboard may hand out. A report can name any path, and reports come from other
 * people: so a named file is accepted only when, checked once at start, it is a regular file
 * (symlinks resolved then) whose first bytes are the media type the report claims for it. Serving
 * and exporting later open that same file (same device and inode, the last component not a
 * symlink) or nothing: a symlink swapped in after start is not followed.
 */
import { constants } from 'node:fs';
import { type FileHandle, open, realpath } from 'node:fs/promises';
import { extname } from 'node:path';

/** Media families told apart by their first bytes; several MIME types share a container. */
type Family = 'png' | 'jpeg' | 'gif' | 'webp' | 'avif' | 'wav' | 'flac' | 'mp3' | 'ogg' | 'isobmff' | 'matroska';

const FAMILY_OF_TYPE: Record<string, Family> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'image/avif': 'avif',
  'audio/wav': 'wav',
  'audio/wave': 'wav',
  'audio/x-wav': 'wav',
  'audio/flac': 'flac',
  'audio/mpeg': 'mp3',
  'audio/ogg': 'ogg',
  'video/ogg': 'ogg',
  'audio/mp4': 'isobmff',
  'video/mp4': 'isobmff',
  'video/quicktime': 'isobmff',
  'audio/webm': 'matroska',
  'video/webm': 'matroska',
  'video/x-matroska': 'matroska',
};

/** The type a media path's extension implies, for clips that claim none (and for the app's own files). */
export const TYPE_OF_EXTENSION: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.wav': 'audio/wav',
  '.flac': 'audio/flac',
  '.mp3': 'audio/mpeg',
  '.ogg': 'audio/ogg',
  '.opus': 'audio/ogg',
  '.m4a': 'audio/mp4',
  '.mp4': 'video/mp4',
  '.mov': 'video/quicktime',
  '.webm': 'video/webm',
  '.mkv': 'video/x-matroska',
};

const HEAD_BYTES = 16;

function ascii(b: Uint8Array, at: number, text: string): boolean {
  for (let i = 0; i < text.length; i++) if (b[at + i] !== text.charCodeAt(i)) return false;
  return true;
}

/** The family the first bytes of a file show, if any. */
export function sniffMedia(b: Uint8Array): Family | undefined {
  if (ascii(b, 0, '\x89PNG\r\n\x1a\n')) return 'png';
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (ascii(b, 0, 'GIF87a') || ascii(b, 0, 'GIF89a')) return 'gif';
  if (ascii(b, 0, 'RIFF') && ascii(b, 8, 'WEBP')) return 'webp';
  if (ascii(b, 0, 'RIFF') && ascii(b, 8, 'WAVE')) return 'wav';
  if (ascii(b, 4, 'ftyp')) return ascii(b, 8, 'avif') || ascii(b, 8, 'avis') ? 'avif' : 'isobmff';
  if (ascii(b, 0, 'fLaC')) return 'flac';
  if (ascii(b, 0, 'OggS')) return 'ogg';
  if (ascii(b, 0, 'ID3') || (b[0] === 0xff && (b[1] & 0xe0) === 0xe0)) return 'mp3';
  if (b[0] === 0x1a && b[1] === 0x45 && b[2] === 0xdf && b[3] === 0xa3) return 'matroska';
  return undefined;
}

/** A media file checked at start: served as `type`, opened only if it is still the same file. */
export interface MediaFile {
  /** The path the report named. */
  named: string;
  /** The file it resolved to at start (symlinks followed once, then). */
  file: string;
  type: string;
  dev: number;
  ino: number;
}

/** Why a named file is not handed out ('missing' is shown by the page where the file would be). */
export interface MediaRefusal {
  named: string;
  file: string;
  reason: string;
}

/**
 * Checks a file a report names, once: it must resolve to a regular file whose first bytes are the
 * claimed type (or the one its extension implies when the report claims none).
 */
export async function checkMediaFile(
  named: string,
  abs: string,
  claimed: string | undefined,
): Promise<MediaFile | MediaRefusal> {
  const type = (claimed || TYPE_OF_EXTENSION[extname(abs).toLowerCase()] || '').toLowerCase().split(';')[0].trim();
  let file = abs;
  let fh: FileHandle | undefined;
  try {
    file = await realpath(abs);
    fh = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    const st = await fh.stat();
    if (!st.isFile()) return { named, file, reason: 'not a regular file' };
    const family = FAMILY_OF_TYPE[type];
    if (!family) return { named, file, reason: `type '${type || '(none)'}' is not a media type the dashboard shows` };
    const head = new Uint8Array(HEAD_BYTES);
    await fh.read(head, 0, HEAD_BYTES, 0);
    if (sniffMedia(head) !== family) return { named, file, reason: `its bytes are not ${type}` };
    return { named, file, type, dev: st.dev, ino: st.ino };
  } catch {
    return { named, file, reason: 'missing' };
  } finally {
    await fh?.close();
  }
}

/**
 * Opens a path for reading when it is a regular file, not through a symlink in its last component
 * (and without blocking on a FIFO); undefined otherwise.
 */
export async function openRegularFile(
  file: string,
): Promise<{ fh: FileHandle; size: number; dev: number; ino: number } | undefined> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    const st = await fh.stat();
    if (st.isFile()) return { fh, size: st.size, dev: st.dev, ino: st.ino };
  } catch {}
  await fh?.close();
  return undefined;
}

/**
 * Opens a checked media file for reading, or returns undefined when the path no longer leads to
 * the file checked at start (replaced, or turned into a symlink).
 */
export async function openMediaFile(m: MediaFile): Promise<{ fh: FileHandle; size: number } | undefined> {
  const opened = await openRegularFile(m.file);
  if (opened && (opened.dev !== m.dev || opened.ino !== m.ino)) {
    await opened.fh.close();
    return undefined;
  }
  return opened;
}
