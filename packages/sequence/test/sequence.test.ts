/**
 * Layouts against sequences written out by hand from their published descriptions (Orpheus,
 * MusicGen's delay pattern, Emu3's rows, Chameleon's wrap), exact inverses on random token sets,
 * and the errors a broken sequence or layout gives.
 */
import { isMmtokError, type TokenFileHeader, type TokenModality } from '@mmtok/core';
import { describe, expect, it } from 'vitest';
import {
  checkLayout,
  documentIds,
  fromSequence,
  presetLayout,
  type SequenceLayout,
  splitDocument,
  type TokenSet,
  toSequence,
} from '../src/index.js';

const TOK = { name: 'tok', version: '1.0.0', hash: 'a'.repeat(64) };

function tokenSet(modality: TokenModality, shape: number[], indices: number[], codebookSize: number): TokenSet {
  const header: Omit<TokenFileHeader, 'tracks'> = {
    tokenizer: TOK,
    modality,
    shape,
    dtype: codebookSize <= 256 ? 'uint8' : 'uint16',
    codebookSize,
    source: { note: 'test' },
  };
  return { header, indices: Int32Array.from(indices) };
}

function expectError(f: () => unknown, code: string, pattern: RegExp): void {
  try {
    f();
  } catch (e) {
    expect(isMmtokError(e), String(e)).toBe(true);
    expect((e as { code: string }).code).toBe(code);
    expect((e as Error).message).toMatch(pattern);
    return;
  }
  throw new Error(`expected ${code}`);
}

describe('orpheus-snac', () => {
  // SNAC 24 kHz, 2 coarse frames: c0 has 2 codes, c1 4, c2 8 (12, 23, 47 Hz scales), stored as
  // mmtok's pretrained SNAC codec stores them: the scales' blocks one after another, shape [1, 14].
  const c0 = [10, 20];
  const c1 = [100, 101, 102, 103];
  const c2 = [1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007];
  const set = tokenSet('audio', [1, 14], [...c0, ...c1, ...c2], 4096);
  set.header.source = {
    scales: [
      { levels: 1, frames: 2, frameRate: 11.72 },
      { levels: 1, frames: 4, frameRate: 23.44 },
      { levels: 1, frames: 8, frameRate: 46.88 },
    ],
  };
  const layout = presetLayout('orpheus-snac', { modality: 'audio', tokenizer: TOK, codebookSize: Array(7).fill(4096) });

  it('writes [c0[i], c1[2i], c2[4i], c2[4i+1], c1[2i+1], c2[4i+2], c2[4i+3]] as 128266 + p·4096 + code', () => {
    // By hand: frame 0 is 128266+10, 128266+4096+100, 128266+8192+1000, 128266+12288+1001,
    // 128266+16384+101, 128266+20480+1002, 128266+24576+1003; speech wrapped in 128257 … 128258.
    expect([...toSequence(set, layout)]).toEqual([
      128257, 128276, 132462, 137458, 141555, 144751, 149748, 153845, 128286, 132464, 137462, 141559, 144753, 149752,
      153849, 128258,
    ]);
    expect(layout.vocabSize).toBe(128266 + 7 * 4096);
  });

  it('reads its ids back to the same token set', () => {
    const back = fromSequence(toSequence(set, layout), layout, set.header);
    expect([...back.indices]).toEqual([...set.indices]);
  });
});

describe('delay (MusicGen)', () => {
  // 4 codebooks of 8 codes, 3 frames; ids = 8k + code; codebook k lags k steps; pad = 32, eod = 33.
  const codes = [
    [1, 2, 3],
    [4, 5, 6],
    [7, 0, 1],
    [2, 3, 4],
  ];
  const set = tokenSet('audio', [4, 3], codes.flat(), 8);
  const layout = presetLayout('delay', { modality: 'audio', tokenizer: TOK, codebookSize: [8, 8, 8, 8] });
  const P = 32;

  it('writes the delay grid step by step', () => {
    expect(layout.special).toEqual({ pad: 32, eod: 33 });
    // biome-ignore format: one row per step
    const grid = [
      1, P, P, P,
      2, 12, P, P,
      3, 13, 23, P,
      P, 14, 16, 26,
      P, P, 17, 27,
      P, P, P, 28,
    ];
    expect([...toSequence(set, layout)]).toEqual(grid);
    expect([...documentIds(set, layout)]).toEqual([...grid, 33]);
  });

  it('refuses a code where the grid has pad', () => {
    const ids = toSequence(set, layout);
    ids[1] = 0;
    expectError(() => fromSequence(ids, layout, set.header), 'MMTOK_SEQUENCE', /position 1 should be the pad id 32/);
  });
});

describe('parallel (Moshi-like)', () => {
  it('keeps one id space per stream, acoustic streams one step late', () => {
    const set = tokenSet('audio', [3, 2], [5, 6, 7, 8, 9, 10], 16);
    const layout = presetLayout('parallel', { modality: 'audio', tokenizer: TOK, codebookSize: [16, 16, 16] });
    // Steps: [5, pad, pad], [6, 7, 9], [pad, 8, 10]; pad = 16 in every stream.
    expect([...toSequence(set, layout)]).toEqual([5, 16, 16, 6, 7, 9, 16, 8, 10]);
  });
});

describe('image layouts', () => {
  // A 2×2 image, 2 levels of 4 codes: [h, w, levels] = position-major.
  const set = tokenSet('image', [2, 2, 2], [0, 1, 2, 3, 1, 0, 3, 2], 4);
  const input = { modality: 'image' as const, tokenizer: TOK, codebookSize: [4, 4] };

  it('offset: frame-major, level l at base + 4l', () => {
    expect([...toSequence(set, presetLayout('offset', input))]).toEqual([0, 5, 2, 7, 1, 4, 3, 6]);
  });

  it('emu3-rows: boi, each row then end-of-line, end-of-frame, eoi', () => {
    const b = 151854;
    expect([...toSequence(set, presetLayout('emu3-rows', input))]).toEqual([
      151852,
      b + 0,
      b + 4 + 1,
      b + 2,
      b + 4 + 3,
      151846,
      b + 1,
      b + 4 + 0,
      b + 3,
      b + 4 + 2,
      151846,
      151847,
      151853,
    ]);
  });

  it('emu3-rows on video: end-of-frame after every frame', () => {
    const video = tokenSet('video', [2, 1, 1, 1], [3, 2], 4);
    const layout = presetLayout('emu3-rows', { modality: 'video', tokenizer: TOK, codebookSize: [4] });
    expect([...toSequence(video, layout)]).toEqual([151852, 151857, 151846, 151847, 151856, 151846, 151847, 151853]);
  });

  it('chameleon-boi-eoi: codes from 4, wrapped in 8197 … 8196', () => {
    expect([...toSequence(set, presetLayout('chameleon-boi-eoi', input))]).toEqual([
      8197, 4, 9, 6, 11, 5, 8, 7, 10, 8196,
    ]);
  });

  it('level-major: every position of level 0, then level 1', () => {
    const layout = checkLayout({ ...presetLayout('offset', input), order: 'level-major' });
    expect([...toSequence(set, layout)]).toEqual([0, 2, 1, 3, 5, 7, 4, 6]);
  });
});

describe('toSequence refuses a code outside its codebook, naming the first one in writing order', () => {
  // Two levels of 4 frames, two bad codes: level 0 at frame 2 (indices[2]) and level 1 at frame 0 (indices[4]).
  const bad = tokenSet('audio', [2, 4], [0, 1, 9, 3, 7, 1, 2, 3], 4);
  const codebookSize = [4, 4];

  it('frame-major with delays: level 1 frame 0 is written (step 1) before level 0 frame 2 (step 2)', () => {
    const layout = presetLayout('delay', { modality: 'audio', tokenizer: TOK, codebookSize });
    expectError(() => toSequence(bad, layout), 'MMTOK_SEQUENCE', /index 7 at position 4 .*level 1's codebook \[0, 4\)/);
  });

  it('level-major: level 0 comes first', () => {
    const layout: SequenceLayout = {
      ...presetLayout('offset', { modality: 'audio', tokenizer: TOK, codebookSize }),
      order: 'level-major',
    };
    expectError(() => toSequence(bad, layout), 'MMTOK_SEQUENCE', /index 9 at position 2 .*level 0's codebook/);
  });

  it('with end-of-row ids (Emu3 rows), and -1 is named as a dropped residual level', () => {
    const image = tokenSet('image', [2, 2, 1], [0, 1, -1, 3], 4);
    const layout = presetLayout('emu3-rows', { modality: 'image', tokenizer: TOK, codebookSize: [4] });
    expectError(() => toSequence(image, layout), 'MMTOK_SEQUENCE', /index -1 at position 2 .*dropped residual level/);
  });
});

describe('fromSequence errors say where', () => {
  const set = tokenSet('image', [2, 2, 1], [0, 1, 2, 3], 4);
  const layout = presetLayout('chameleon-boi-eoi', { modality: 'image', tokenizer: TOK, codebookSize: [4] });
  const ids = [...toSequence(set, layout)];

  it('an id out of range', () => {
    const bad = [...ids];
    bad[3] = 9000;
    expectError(
      () => fromSequence(bad, layout, set.header),
      'MMTOK_SEQUENCE',
      /id 9000 at position 3 is out of range.*\[4, 8\)/,
    );
  });

  it('a truncated frame', () => {
    expectError(
      () => fromSequence(ids.slice(0, 3), layout, set.header),
      'MMTOK_SEQUENCE',
      /ends at position 3 .*truncated/,
    );
  });

  it('a missing end token', () => {
    expectError(
      () => fromSequence([...ids.slice(0, -1), 4], layout, set.header),
      'MMTOK_SEQUENCE',
      /position 5 should be 'eoi' \(id 8196\)/,
    );
  });

  it('a document missing its end-of-document token, at its position in the document', () => {
    const off = presetLayout('offset', { modality: 'image', tokenizer: TOK, codebookSize: [4] });
    const doc = [...documentIds(set, off)];
    const record = { key: 'x', header: set.header, textTokens: 0, tokens: doc.length };
    expectError(() => splitDocument([...doc.slice(0, -1), 1], off, record), 'MMTOK_SEQUENCE', /does not end in 'eod'/);
  });
});

describe('layout errors', () => {
  const input = { modality: 'image' as const, tokenizer: TOK, codebookSize: [4, 4] };

  it('an unknown preset', () => {
    expectError(
      () => presetLayout('musicgen', input),
      'MMTOK_LAYOUT',
      /unknown layout preset 'musicgen'.*offset, delay/,
    );
  });

  it('overlapping id ranges', () => {
    const layout = {
      ...presetLayout('offset', input),
      slots: [
        { level: 0, offset: 0 },
        { level: 1, offset: 2 },
      ],
    };
    expectError(
      () => checkLayout(layout),
      'MMTOK_LAYOUT',
      /overlap: slot 0 \(level 0\) \[0, 4\) and slot 1 \(level 1\) \[2, 6\)/,
    );
    const special = { ...presetLayout('offset', input), special: { eod: 7 } };
    expectError(() => checkLayout(special), 'MMTOK_LAYOUT', /overlap: slot 1 .* and special 'eod' \[7, 8\)/);
  });

  it('a vocabulary that does not fit the dtype', () => {
    const big = { ...presetLayout('offset', { ...input, codebookSize: [40_000, 40_000] }), dtype: 'uint16' };
    expectError(() => checkLayout(big), 'MMTOK_LAYOUT', /80001 ids does not fit dtype uint16/);
  });

  it('a token set from another tokenizer', () => {
    const layout = presetLayout('offset', input);
    const other = tokenSet('image', [1, 1, 2], [0, 0], 4);
    other.header.tokenizer = { ...TOK, hash: 'b'.repeat(64) };
    expectError(
      () => toSequence(other, layout),
      'MMTOK_MISMATCH',
      /made by tokenizer tok 1.0.0 \(hash bbbbbbbbbbbb…\), the layout places tok/,
    );
  });

  it('a dropped residual level (-1) has no id', () => {
    const layout = presetLayout('offset', input);
    expectError(
      () => toSequence(tokenSet('image', [1, 1, 2], [1, -1], 4), layout),
      'MMTOK_SEQUENCE',
      /index -1 at position 1 .*dropped/,
    );
  });
});

describe('multi-scale audio (SNAC layout)', () => {
  it('round trips random scales and refuses scales that do not fit the shape', () => {
    const rand = (n: number) => Math.floor(Math.random() * n);
    for (let trial = 0; trial < 30; trial++) {
      const F = 1 + rand(6);
      const scales = [1, 1 + rand(2), 2 + rand(3)].map((r, s) => ({
        levels: 1 + (s === 2 ? rand(2) : 0),
        frames: F * r,
        frameRate: r,
      }));
      const total = scales.reduce((a, x) => a + x.levels * x.frames, 0);
      const K = 2 + rand(50);
      const set = tokenSet(
        'audio',
        [1, total],
        Array.from({ length: total }, () => rand(K)),
        K,
      );
      set.header.source = { scales };
      const levels = scales.reduce((a, x) => a + x.levels * (x.frames / F), 0);
      for (const preset of ['offset', 'delay']) {
        const layout = presetLayout(preset, { modality: 'audio', tokenizer: TOK, codebookSize: Array(levels).fill(K) });
        const back = fromSequence(toSequence(set, layout), layout, set.header);
        expect([...back.indices], `${preset} ${JSON.stringify(scales)}`).toEqual([...set.indices]);
      }
    }
    const bad = tokenSet('audio', [1, 7], [0, 0, 0, 0, 0, 0, 0], 4);
    bad.header.source = {
      scales: [
        { levels: 1, frames: 2 },
        { levels: 1, frames: 3 },
      ],
    };
    const layout = presetLayout('offset', { modality: 'audio', tokenizer: TOK, codebookSize: [4] });
    expectError(() => toSequence(bad, layout), 'MMTOK_SEQUENCE', /does not describe shape \[1,7\]/);
  });
});

describe('exact inverses on random token sets', () => {
  it('every preset and modality (Math.random follows the printed test seed)', () => {
    const rand = (n: number) => Math.floor(Math.random() * n);
    const cases: [string, TokenModality][] = [
      ['offset', 'image'],
      ['offset', 'audio'],
      ['offset', 'video'],
      ['delay', 'audio'],
      ['delay', 'image'],
      ['delay', 'video'],
      ['parallel', 'audio'],
      ['parallel', 'video'],
      ['emu3-rows', 'image'],
      ['emu3-rows', 'video'],
      ['chameleon-boi-eoi', 'image'],
    ];
    for (let trial = 0; trial < 20; trial++) {
      for (const [preset, modality] of cases) {
        const L = 1 + rand(4);
        const K = 2 + rand(300);
        const shape =
          modality === 'audio'
            ? [L, 1 + rand(20)]
            : modality === 'image'
              ? [1 + rand(5), 1 + rand(5), L]
              : [1 + rand(3), 1 + rand(4), 1 + rand(4), L];
        const n = shape.reduce((a, b) => a * b, 1);
        const set = tokenSet(
          modality,
          shape,
          Array.from({ length: n }, () => rand(K)),
          K,
        );
        const layout: SequenceLayout = presetLayout(preset, {
          modality,
          tokenizer: TOK,
          codebookSize: Array(L).fill(K),
        });
        const back = fromSequence(toSequence(set, layout), layout, set.header);
        expect([...back.indices], `${preset} ${modality} [${shape}]`).toEqual([...set.indices]);
      }
    }
  });
});
