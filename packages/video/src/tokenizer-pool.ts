/**
 * The one resolver of a `--tokenizer` spec per modality, used by `mmtok encode`/`decode` and by
 * dataset workers alike: built-in names, manifest paths, semantic image tokenizers and hf:org/name
 * pretrained codecs (through @mmtok/hub's cache; HF_HUB_OFFLINE and the other HF_* variables apply).
 * In @mmtok/video because it is the media package that depends on the image and audio ones.
 */
import { isAbsolute } from 'node:path';
import type { AudioTokenizer } from '@mmtok/audio';
import { MmtokError, type TokenizerIdentity } from '@mmtok/core';
import {
  type ImageTokenizer,
  isSemanticImageSpec,
  listTokenizers,
  loadSemanticImageTokenizer,
  loadTokenizer,
  type SemanticImageTokenizer,
} from '@mmtok/image';
import { listVideoTokenizers } from './default.js';
import { loadVideoTokenizer, type VideoTokenizer } from './tokenizer.js';

export interface PoolOptions {
  backend?: string;
  /** Pretrained hf:… audio tokenizers: the ONNX files' dtype. Default 'fp32'. */
  dtype?: string;
}

/** What an image spec loads: a codec-style ImageTokenizer, or a semantic one (no decoder). */
export type AnyImageTokenizer = ImageTokenizer | SemanticImageTokenizer;

function identityText(id: TokenizerIdentity): string {
  return `'${id.name}' ${id.version} (hash ${id.hash.slice(0, 12)}…)`;
}

/** The tokenizer named with --tokenizer, when it made the file; else MMTOK_TOKENIZER_MISMATCH naming both. */
async function ifItMade<T extends { identity: TokenizerIdentity }>(
  load: Promise<T>,
  made: TokenizerIdentity,
  path: string,
  explicit: string,
  kind: string,
): Promise<T> {
  const tok = await load;
  if (tok.identity.hash === made.hash) return tok;
  throw new MmtokError(
    'MMTOK_TOKENIZER_MISMATCH',
    `${path} was made by ${kind} ${identityText(made)}, not by --tokenizer ${explicit} = ${identityText(tok.identity)}; decode it with the tokenizer that made it`,
    { path, made, given: tok.identity },
  );
}

function notBuiltIn(made: TokenizerIdentity, path: string, kind: string): MmtokError {
  // A tokenizer loaded from a local folder is named by its path. Token files come from anyone, so a
  // path in one is shown to the user, never loaded on its own (only hf: identities are).
  const dtype = kind === 'audio tokenizer' && made.version !== 'fp32' ? ` --dtype ${made.version}` : '';
  const fix = isAbsolute(made.name)
    ? `mmtok does not load a folder a token file names on its own: if you trust it, pass --tokenizer ${made.name}${dtype}`
    : 'pass --tokenizer <its manifest.json or folder>';
  return new MmtokError(
    'MMTOK_TOKENIZER_MISMATCH',
    `${path} was made by ${kind} ${identityText(made)}, which is not built in; ${fix}`,
    { path, made },
  );
}

/**
 * Loads each tokenizer once per command, and picks the one that made a token file: the one the
 * user named (which must match the file's identity), else the built-in with the file's hash.
 */
export class TokenizerPool {
  private readonly loaded = new Map<string, Promise<AnyImageTokenizer>>();
  private readonly loadedAudio = new Map<string, Promise<AudioTokenizer>>();
  private readonly loadedVideo = new Map<string, Promise<VideoTokenizer>>();

  constructor(private readonly options: PoolOptions = {}) {}

  get(spec: string): Promise<AnyImageTokenizer> {
    let p = this.loaded.get(spec);
    if (!p) {
      const options = this.options.backend ? { backend: this.options.backend } : {};
      p = isSemanticImageSpec(spec).then(
        (semantic): Promise<AnyImageTokenizer> =>
          semantic ? loadSemanticImageTokenizer(spec, options) : loadTokenizer(spec, options),
      );
      this.loaded.set(spec, p);
    }
    return p;
  }

  /** The tokenizer for a token file, or MMTOK_TOKENIZER_MISMATCH saying which one made it and what to pass. */
  async forFile(made: TokenizerIdentity, path: string, explicit?: string): Promise<AnyImageTokenizer> {
    if (explicit !== undefined) return ifItMade(this.get(explicit), made, path, explicit, 'tokenizer');
    for (const builtIn of listTokenizers()) {
      const tok = await this.get(builtIn.name);
      if (tok.identity.hash === made.hash) return tok;
    }
    throw notBuiltIn(made, path, 'tokenizer');
  }

  /** An audio tokenizer by name, manifest or hf:… ('default' is the audio default); @mmtok/audio loads on first use. */
  getAudio(spec: string, dtype = this.options.dtype): Promise<AudioTokenizer> {
    const key = `${spec}\0${dtype ?? ''}`;
    let p = this.loadedAudio.get(key);
    if (!p) {
      const { backend } = this.options;
      p = import('@mmtok/audio').then((m) =>
        m.loadAudioTokenizer(spec, { ...(backend ? { backend } : {}), ...(dtype ? { dtype } : {}) }),
      );
      this.loadedAudio.set(key, p);
    }
    return p;
  }

  /** forFile for audio token files: the named tokenizer (hash must match) or the audio built-in with the file's hash. */
  async forAudioFile(made: TokenizerIdentity, path: string, explicit?: string): Promise<AudioTokenizer> {
    if (explicit !== undefined) return ifItMade(this.getAudio(explicit), made, path, explicit, 'tokenizer');
    // A pretrained tokenizer records hf:org/name@commit and its dtype: load that (from the cache first).
    if (made.name.startsWith('hf:')) {
      const tok = await this.getAudio(made.name, made.version);
      if (tok.identity.hash === made.hash) return tok;
    }
    const { listAudioTokenizers } = await import('@mmtok/audio');
    for (const builtIn of listAudioTokenizers()) {
      const tok = await this.getAudio(builtIn.name);
      if (tok.identity.hash === made.hash) return tok;
    }
    throw notBuiltIn(made, path, 'audio tokenizer');
  }

  /** A video tokenizer by name or manifest ('default' is the video default). */
  getVideo(spec: string): Promise<VideoTokenizer> {
    let p = this.loadedVideo.get(spec);
    if (!p) {
      p = loadVideoTokenizer(spec, this.options.backend ? { backend: this.options.backend } : {});
      this.loadedVideo.set(spec, p);
    }
    return p;
  }

  /** forFile for video token files: the named tokenizer (hash must match) or the video built-in with the file's hash. */
  async forVideoFile(made: TokenizerIdentity, path: string, explicit?: string): Promise<VideoTokenizer> {
    if (explicit !== undefined) return ifItMade(this.getVideo(explicit), made, path, explicit, 'video tokenizer');
    for (const builtIn of listVideoTokenizers()) {
      // A built-in that cannot load (e.g. its weights are missing) cannot have made the file.
      const tok = await this.getVideo(builtIn.name).catch(() => undefined);
      if (tok?.identity.hash === made.hash) return tok;
    }
    throw notBuiltIn(made, path, 'video tokenizer');
  }

  async dispose(): Promise<void> {
    const all = await Promise.allSettled([
      ...this.loaded.values(),
      ...this.loadedAudio.values(),
      ...this.loadedVideo.values(),
    ]);
    this.loaded.clear();
    this.loadedAudio.clear();
    this.loadedVideo.clear();
    await Promise.all(all.map((r) => (r.status === 'fulfilled' ? r.value.dispose() : undefined)));
  }
}
