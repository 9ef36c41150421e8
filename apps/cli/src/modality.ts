import { AUDIO_EXTENSIONS, VIDEO_EXTENSIONS } from './formats.js';

export type Modality = 'image' | 'audio' | 'video';

/** The modality an input file claims by its extension (anything else is an image). */
export function modalityOf(path: string): Modality {
  const lower = path.toLowerCase();
  if (AUDIO_EXTENSIONS.some((ext) => lower.endsWith(ext))) return 'audio';
  return VIDEO_EXTENSIONS.some((ext) => lower.endsWith(ext)) ? 'video' : 'image';
}

/**
 * What each input is tokenized as: its extension's modality, except that a video container holding
 * audio but no video (a talk saved as .mp4, a .webm voice note) is audio. A file ffmpeg cannot read
 * stays video, so the video reader reports what is wrong with it.
 */
export async function inputModalities(paths: readonly string[]): Promise<Map<string, Modality>> {
  const out = new Map<string, Modality>();
  for (const path of paths) {
    const m = modalityOf(path);
    // Loaded here, not at start-up: most commands never touch a video container.
    out.set(path, m === 'video' ? await (await import('@mmtok/video')).containerModality(path) : m);
  }
  return out;
}
