/**
 * A video file → its frame tokens and, when it has sound, its audio-track tokens: what `mmtok
 * encode` and dataset workers both store in a video's token file (see token-file.ts).
 */
import { encodeAudioFile } from '@mmtok/audio';
import type { AudioTokens, ModalityTokens } from './token-file.js';
import type { TokenizerPool } from './tokenizer-pool.js';

export type VideoFileTokens = Extract<ModalityTokens, { modality: 'video' }>;

/**
 * Frames stream through ffmpeg a step at a time (only the indices are held whole). `audioSpec`
 * false leaves the sound out; otherwise a sound track is tokenized with that audio tokenizer.
 */
export async function encodeVideoFileTokens(
  pool: TokenizerPool,
  spec: string,
  audioSpec: string | false,
  path: string,
): Promise<VideoFileTokens> {
  const tokenizer = await pool.getVideo(spec);
  const tokens = await tokenizer.encode(path);
  let audio: AudioTokens | undefined;
  if (tokens.source.hasAudio === true && audioSpec !== false) {
    const audioTokenizer = await pool.getAudio(audioSpec);
    audio = {
      tokens: await encodeAudioFile(audioTokenizer, path),
      frameRate: audioTokenizer.frameRate,
      codebookSize: audioTokenizer.codebookSize,
    };
  }
  return { modality: 'video', tokens, codebookSize: tokenizer.quantizer?.codebookSize, ...(audio ? { audio } : {}) };
}
