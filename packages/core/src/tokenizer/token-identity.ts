import { MmtokError } from '../errors.js';

interface Identity {
  name: string;
  version: string;
  hash: string;
}

/**
 * Decode-time guard: the tokens must be of `modality` and made by the tokenizer with `identity`
 * (same hash), else MMTOK_TOKENIZER_MISMATCH naming both tokenizers.
 */
export function checkTokenIdentity(
  tokens: { modality?: unknown; tokenizer?: Partial<Identity> } | undefined,
  modality: string,
  identity: Identity,
): void {
  if (tokens?.modality !== modality) {
    throw new MmtokError(
      'MMTOK_TOKENIZER_MISMATCH',
      `these tokens are not ${modality} tokens (modality ${JSON.stringify(tokens?.modality)})`,
    );
  }
  const t = tokens.tokenizer;
  if (!t || t.hash !== identity.hash) {
    throw new MmtokError(
      'MMTOK_TOKENIZER_MISMATCH',
      `these tokens were made by tokenizer '${t?.name}' ${t?.version} (hash ${t?.hash?.slice(0, 12)}…), ` +
        `not by '${identity.name}' ${identity.version} (hash ${identity.hash.slice(0, 12)}…); ` +
        'decode them with the tokenizer that made them',
      { expected: identity, got: t },
    );
  }
}
