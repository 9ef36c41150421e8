import { validateConfig } from '../config.js';
import { MmtokError } from '../errors.js';

/** Every modality's tokenizer manifest says this format and version. */
export const MANIFEST_FORMAT = 'mmtok-tokenizer';
export const MANIFEST_FORMAT_VERSION = 1;

/**
 * The largest frame a manifest may resize inputs to (4096 × 4096). Encoding costs tens of bytes per
 * pixel, so a manifest asking for 30000 × 30000 would make a 1 × 1 input cost tens of gigabytes.
 */
export const MAX_MANIFEST_FRAME_PIXELS = 4096 * 4096;

/** The keys every modality's tokenizer manifest starts with (ManifestChecker.header checks them). */
export interface ManifestHeader {
  $schema?: string;
  format: typeof MANIFEST_FORMAT;
  formatVersion: typeof MANIFEST_FORMAT_VERSION;
  name: string;
  version: string;
  description?: string;
  /** Free-form facts (training data, metrics); not interpreted. */
  metadata?: Record<string, unknown>;
}

/**
 * Strict checks for tokenizer manifests: every failure is MMTOK_MANIFEST naming the manifest file
 * and the key path (`where`), so users can find the bad key.
 */
export class ManifestChecker {
  constructor(readonly file: string) {}

  fail(where: string, message: string): never {
    throw new MmtokError('MMTOK_MANIFEST', `${this.file}: ${where}: ${message}`, { path: this.file, key: where });
  }

  /** An object with these keys; `optional: 'any'` lets through keys another module validates. */
  object(v: unknown, where: string, required: string[], optional: string[] | 'any'): Record<string, unknown> {
    if (!v || typeof v !== 'object' || Array.isArray(v)) this.fail(where, 'must be an object');
    const o = v as Record<string, unknown>;
    if (optional !== 'any') {
      for (const k of Object.keys(o)) {
        if (!required.includes(k) && !optional.includes(k)) {
          this.fail(`${where}.${k}`, `unknown key (allowed: ${[...required, ...optional].join(', ')})`);
        }
      }
    }
    for (const k of required) if (o[k] === undefined) this.fail(`${where}.${k}`, 'is required');
    return o;
  }

  string(v: unknown, where: string): string {
    if (typeof v !== 'string' || v === '') this.fail(where, `must be a non-empty string, got ${JSON.stringify(v)}`);
    return v;
  }

  int(v: unknown, where: string, min = 1, max = 2 ** 31 - 1): number {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      this.fail(where, `must be an integer in [${min}, ${max}], got ${JSON.stringify(v)}`);
    }
    return v;
  }

  positive(v: unknown, where: string): number {
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0)
      this.fail(where, `must be a positive number, got ${JSON.stringify(v)}`);
    return v;
  }

  /** A frame size the manifest resizes to: each side and the area bounded (MAX_MANIFEST_FRAME_PIXELS). */
  frameSize(width: unknown, height: unknown, where: string, keys = ['width', 'height']): void {
    const w = this.int(width, `${where}.${keys[0]}`, 1, 16384);
    const h = this.int(height, `${where}.${keys[1]}`, 1, 16384);
    if (w * h > MAX_MANIFEST_FRAME_PIXELS) {
      this.fail(
        where,
        `${w}×${h} is more than ${MAX_MANIFEST_FRAME_PIXELS} pixels (4096×4096) to resize every input to`,
      );
    }
  }

  oneOf<T extends string>(v: unknown, allowed: readonly T[], where: string): T {
    if (!allowed.includes(v as T)) {
      this.fail(where, `must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${JSON.stringify(v)}`);
    }
    return v as T;
  }

  /** One tensor name, or one per scale (multi-scale codecs). */
  names(v: unknown, where: string): void {
    if (Array.isArray(v)) {
      if (v.length === 0) this.fail(where, 'must not be an empty list');
      v.forEach((x, i) => {
        this.string(x, `${where}[${i}]`);
      });
    } else this.string(v, where);
  }

  /**
   * A path relative to the manifest. Judged without node:path so browsers validate alike: POSIX and
   * Windows absolute paths and URLs (`https:`, `file:`) are refused on every platform.
   */
  relativeFile(v: unknown, where: string): string {
    const f = this.string(v, where);
    if (/^([/\\]|[A-Za-z][A-Za-z0-9+.-]*:)/.test(f)) this.fail(where, 'must be a path relative to the manifest');
    return f;
  }

  /**
   * The top-level manifest object: the header keys plus a modality's own `required` and `optional`
   * keys (no others), the header checked and `modality` the one given.
   */
  manifest(value: unknown, modality: string, required: string[], optional: string[]): Record<string, unknown> {
    const m = this.object(
      value,
      'manifest',
      ['format', 'formatVersion', 'name', 'version', 'modality', ...required],
      ['$schema', 'description', 'metadata', ...optional],
    );
    this.header(m);
    this.oneOf(m.modality, [modality], 'manifest.modality');
    return m;
  }

  /** The keys every tokenizer manifest shares: format, formatVersion, name, version, description, $schema, metadata. */
  header(m: Record<string, unknown>): void {
    if (m.format !== MANIFEST_FORMAT)
      this.fail('manifest.format', `must be '${MANIFEST_FORMAT}', got ${JSON.stringify(m.format)}`);
    if (m.formatVersion !== MANIFEST_FORMAT_VERSION) {
      this.fail(
        'manifest.formatVersion',
        `unsupported version ${JSON.stringify(m.formatVersion)} (this build reads ${MANIFEST_FORMAT_VERSION})`,
      );
    }
    this.string(m.name, 'manifest.name');
    this.string(m.version, 'manifest.version');
    if (m.description !== undefined && typeof m.description !== 'string')
      this.fail('manifest.description', 'must be a string');
    if (m.$schema !== undefined && typeof m.$schema !== 'string') this.fail('manifest.$schema', 'must be a string');
    if (
      m.metadata !== undefined &&
      (typeof m.metadata !== 'object' || m.metadata === null || Array.isArray(m.metadata))
    ) {
      this.fail('manifest.metadata', 'must be an object');
    }
  }

  /** A quantizer spec: a core config, a quantizer file, or both; config errors keep core's key path. */
  quantizer(v: unknown): void {
    const q = this.object(v, 'manifest.quantizer', [], ['config', 'file']);
    if (q.config === undefined && q.file === undefined)
      this.fail('manifest.quantizer', "needs 'config', 'file' or both");
    if (q.file !== undefined) this.relativeFile(q.file, 'manifest.quantizer.file');
    if (q.config !== undefined) {
      try {
        validateConfig(q.config, 'manifest.quantizer.config');
      } catch (e) {
        const err = e as MmtokError;
        this.fail(String(err.details?.where ?? 'manifest.quantizer.config'), err.message.replace(/^\w+: [^:]+: /, ''));
      }
    }
  }
}
