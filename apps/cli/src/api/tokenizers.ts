import { listTokenizers as listImageTokenizers } from '@mmtok/image';

export interface TokenizerEntry {
  name: string;
  modality: 'image';
  description: string;
  manifestPath: string;
}

/** The built-in tokenizers, usable by name with `--tokenizer` / `loadTokenizer`. */
export function listTokenizers(): TokenizerEntry[] {
  return listImageTokenizers().map((t) => ({
    name: t.name,
    modality: 'image',
    description: t.description,
    manifestPath: t.manifestPath,
  }));
}
