/**
 * What a token-file header may hold: each field a writer could get wrong is refused with
 * MMTOK_TOKEN_FILE naming it (the same checks guard decoding), and the dtype a writer picks.
 */
import { describe, expect, it } from 'vitest';
import { chooseTokenDtype, encodeTokenFile } from '../src/index.js';

const header = {
  tokenizer: { name: 'default', version: '1.0.0', hash: 'a'.repeat(64) },
  modality: 'image',
  shape: [2, 2],
  source: { width: 32, height: 32 },
};
const indices = Int32Array.of(0, 1, 2, 3);

/** The MMTOK_TOKEN_FILE message of writing `header` with `key` set to `value` (undefined: removed). */
function refusal(key: string, value: unknown, path: string[] = [key]): string {
  const h = structuredClone(header) as Record<string, unknown>;
  let o = h;
  for (const k of path.slice(0, -1)) o = o[k] as Record<string, unknown>;
  if (value === undefined) delete o[path.at(-1)!];
  else o[path.at(-1)!] = value;
  try {
    encodeTokenFile({ header: h as never, indices });
  } catch (e) {
    expect((e as { code?: string }).code).toBe('MMTOK_TOKEN_FILE');
    return (e as Error).message;
  }
  return 'written';
}

describe('token-file header fields', () => {
  it('writes the base header', () => {
    expect(encodeTokenFile({ header: header as never, indices }).length).toBeGreaterThan(16);
  });

  const cases: [label: string, key: string, value: unknown, message: RegExp, path?: string[]][] = [
    ['a tokenizer that is not an object', 'tokenizer', 'default', /header\.tokenizer must be an object/],
    ['a tokenizer given as an array', 'tokenizer', ['default'], /header\.tokenizer must be an object/],
    ['a numeric tokenizer hash', 'hash', 5, /header\.tokenizer\.hash must be a string/, ['tokenizer', 'hash']],
    ['another modality', 'modality', 'text', /header\.modality must be one of/],
    ['an empty shape', 'shape', [], /header\.shape must be a non-empty array/],
    ['a shape that is not an array', 'shape', '2x2', /header\.shape must be/],
    ['a negative dimension', 'shape', [-2, -2], /header\.shape must be/],
    ['a fractional dimension', 'shape', [2.5, 1.6], /header\.shape must be/],
    ['a dimension as a string', 'shape', ['2', 2], /header\.shape must be/],
    ['a dimension above 2³¹ − 1', 'shape', [2 ** 31, 0], /header\.shape must be/],
    ['an unknown dtype', 'dtype', 'float32', /dtype/],
    ['a fractional codebook size', 'codebookSize', 4.5, /header\.codebookSize must be an integer/],
    ['a codebook size as a string', 'codebookSize', '256', /header\.codebookSize must be an integer/],
    ['a codebook size above 2³¹ − 1', 'codebookSize', 2 ** 31, /header\.codebookSize must be an integer/],
    ['a source that is an array', 'source', [1], /header\.source must be an object/],
    ['a non-finite source number', 'source', { fps: Number.POSITIVE_INFINITY }, /header\.source\.fps must be JSON/],
    [
      'a NaN inside a source array',
      'source',
      { crops: [1, [2, Number.NaN]] },
      /header\.source\.crops\[1\]\[1\] must be JSON/,
    ],
    ['a non-finite number in a nested object', 'source', { a: { b: -Infinity } }, /header\.source\.a\.b must be JSON/],
    ['a createdBy that is not a string', 'createdBy', 1, /header\.createdBy must be a string/],
  ];
  for (const [label, key, value, message, path] of cases) {
    it(label, () => {
      expect(refusal(key, value, path)).toMatch(message);
    });
  }

  it('accepts JSON values of every kind in source, and a valid codebook size', () => {
    const source = { s: 'x', b: true, n: null, a: [1, 'y', [false]], o: { p: 0.5 } };
    expect(refusal('source', source)).toBe('written');
    expect(refusal('codebookSize', 2 ** 31 - 1)).toBe('written');
    expect(refusal('shape', [4, 1])).toBe('written');
  });
});

describe('chooseTokenDtype', () => {
  it('picks the smallest type holding every index, or the codebook size', () => {
    expect(chooseTokenDtype(Int32Array.of())).toBe('uint8');
    expect(chooseTokenDtype(Int32Array.of(0, 255))).toBe('uint8');
    expect(chooseTokenDtype(Int32Array.of(3, 256, 1))).toBe('uint16');
    expect(chooseTokenDtype(Int32Array.of(65535))).toBe('uint16');
    expect(chooseTokenDtype(Int32Array.of(65536, 0))).toBe('int32');
    expect(chooseTokenDtype(Int32Array.of(3, -1))).toBe('int32');
    expect(chooseTokenDtype(Int32Array.of(0, 0))).toBe('uint8');
    expect(chooseTokenDtype(Int32Array.of(3), 256)).toBe('uint8');
    expect(chooseTokenDtype(Int32Array.of(3), 257)).toBe('uint16');
    expect(chooseTokenDtype(Int32Array.of(300), 4)).toBe('uint16');
    expect(chooseTokenDtype(Int32Array.of(3), 65537)).toBe('int32');
  });
});
