/**
 * Text of mixed documents (captions), tokenized with a Hugging Face `tokenizer.json` through
 * @huggingface/tokenizers (pure JS, offline: the JSON is given, nothing is fetched).
 */
import { Tokenizer } from '@huggingface/tokenizers';
import { MmtokError } from '@mmtok/core';

export interface TextTokenizer {
  /** One past the largest id the tokenizer can produce (model vocabulary and added tokens). */
  vocabSize: number;
  /** Ids of `text`, without special tokens added around it. */
  encode(text: string): Int32Array;
}

/** Wraps a parsed tokenizer.json (and optional tokenizer_config.json). */
export function textTokenizer(json: unknown, config: Record<string, unknown> = {}): TextTokenizer {
  let tok: Tokenizer;
  try {
    tok = new Tokenizer(json as object, config);
  } catch (e) {
    throw new MmtokError('MMTOK_TEXT_TOKENIZER', `not a usable tokenizer.json: ${(e as Error).message}`);
  }
  const vocab = tok.get_vocab() as unknown as Map<string, number> | Record<string, number>;
  const ids = vocab instanceof Map ? [...vocab.values()] : Object.values(vocab);
  let top = -1;
  for (const id of ids) if (id > top) top = id;
  for (const id of tok.get_added_tokens_decoder().keys()) if (id > top) top = id;
  return {
    vocabSize: top + 1,
    encode(text) {
      const { ids: out, tokens } = tok.encode(text, { add_special_tokens: false });
      const bad = out.findIndex((id: number) => !Number.isInteger(id));
      // The library leaves a word it cannot map as undefined (seen with WordLevel's unk_token): say which.
      if (bad >= 0)
        throw new MmtokError(
          'MMTOK_TEXT_TOKENIZER',
          `the text tokenizer has no id for '${tokens[bad]}' in ${JSON.stringify(text.slice(0, 80))}`,
        );
      return Int32Array.from(out);
    },
  };
}
