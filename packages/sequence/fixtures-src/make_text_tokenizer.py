#!/usr/bin/env python3
"""Writes test/fixtures/tokenizer.json: a tiny Hugging Face tokenizer (WordLevel model, lowercase
normalizer, whitespace pre-tokenizer) in the tokenizers library's serialization format, so the
tests can tokenize captions offline and know every id by hand."""
import json
from pathlib import Path

VOCAB = ["[UNK]", "a", "cat", "on", "the", "mat", ".", "dog", "sound", "of", "rain"]

tokenizer = {
    "version": "1.0",
    "truncation": None,
    "padding": None,
    "added_tokens": [
        {"id": 0, "content": "[UNK]", "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True}
    ],
    "normalizer": {"type": "Lowercase"},
    "pre_tokenizer": {"type": "Whitespace"},
    "post_processor": None,
    "decoder": None,
    "model": {"type": "WordLevel", "vocab": {w: i for i, w in enumerate(VOCAB)}, "unk_token": "[UNK]"},
}

out = Path(__file__).resolve().parent.parent / "test" / "fixtures" / "tokenizer.json"
out.write_text(json.dumps(tokenizer, indent=1) + "\n")
print(out)
