import { MmtokError, type TokenFile } from '@mmtok/core';
import type { TokenSet } from '@mmtok/image';

/** The TokenSet stored in a token file; anything but an image token file is refused with its path. */
export function tokenFileToSet(file: TokenFile, path: string): TokenSet {
  const { header } = file;
  if (header.modality !== 'image') {
    throw new MmtokError(
      'MMTOK_TOKENIZER_MISMATCH',
      `${path} holds ${header.modality} tokens; this command decodes image tokens`,
      {
        path,
      },
    );
  }
  const width = Number(header.source.width);
  const height = Number(header.source.height);
  if (!(Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0)) {
    throw new MmtokError('MMTOK_TOKEN_FILE', `${path}: header.source lacks the image width and height`, { path });
  }
  return {
    modality: 'image',
    indices: file.indices,
    shape: [...header.shape],
    tokenizer: { ...header.tokenizer },
    source: { ...header.source, width, height },
  };
}
