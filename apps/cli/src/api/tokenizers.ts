import { listAudioTokenizers } from '@mmtok/audio';
import { listTokenizers as listImageTokenizers } from '@mmtok/image';
import { listVideoTokenizers } from '@mmtok/video';

export interface TokenizerEntry {
  name: string;
  modality: 'image' | 'audio' | 'video';
  description: string;
  manifestPath: string;
}

/** The built-in tokenizers, usable by name with `--tokenizer` / `loadTokenizer`. */
export function listTokenizers(): TokenizerEntry[] {
  return [
    ...listImageTokenizers().map((t) => ({
      name: t.name,
      modality: 'image' as const,
      description: t.description,
      manifestPath: t.manifestPath,
    })),
    ...listAudioTokenizers().map((t) => ({
      name: t.name,
      modality: 'audio' as const,
      description: t.description,
      manifestPath: t.manifestPath,
    })),
    ...listVideoTokenizers().map((t) => ({
      name: t.name,
      modality: 'video' as const,
      description: t.description,
      manifestPath: t.manifestPath,
    })),
  ];
}
