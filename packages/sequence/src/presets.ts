/**
 * Layout presets: the layouts published models train on, built for a given tokenizer's levels and
 * codebook size. Published constants (and where they come from) are listed in docs/sequence.md.
 */
import { MmtokError, type TokenizerIdentity, type TokenModality } from '@mmtok/core';
import { checkLayout, LAYOUT_FORMAT, LAYOUT_VERSION, type LayoutSlot, type SequenceLayout } from './layout.js';

export const PRESET_NAMES = ['offset', 'delay', 'parallel', 'orpheus-snac', 'emu3-rows', 'chameleon-boi-eoi'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

/** What a preset needs to know about the token files it will place. */
export interface PresetInput {
  modality: TokenModality;
  tokenizer: TokenizerIdentity;
  /** Codes per level, one entry per level. */
  codebookSize: number[];
  /** Text vocabulary (a --text-tokenizer's size): media ids are placed after it. */
  text?: { place: 'before' | 'after'; vocabSize: number };
}

/** Orpheus TTS: 7 SNAC codes per frame, id = 128266 + p·4096 + code; speech wrapped in start/end of speech. */
export const ORPHEUS = {
  base: 128_266,
  codebookSize: 4096,
  startOfSpeech: 128_257,
  endOfSpeech: 128_258,
  /** Llama 3's text vocabulary (ids below it are text). */
  textVocab: 128_256,
  /**
   * A SNAC token file (shape [1, total], source.scales 1 : 2 : 4) has 7 levels per coarse frame in
   * gridOf's order c0[i], c1[2i], c1[2i+1], c2[4i], c2[4i+1], c2[4i+2], c2[4i+3]; Orpheus writes
   * c0[i], c1[2i], c2[4i], c2[4i+1], c1[2i+1], c2[4i+2], c2[4i+3].
   */
  levelOrder: [0, 1, 3, 4, 2, 5, 6],
} as const;

/** Chameleon: VQGAN codes 0..8191 are BPE ids 4..8195, an image is wrapped in <racm3:break> … <eoss>. */
export const CHAMELEON = { base: 4, codes: 8192, boi: 8197, eoi: 8196 } as const;

/** Emu3: visual tokens from <|visual token 000000|>; rows end in <|extra_200|>, frames in <|extra_201|>. */
export const EMU3 = {
  base: 151_854,
  boi: 151_852,
  eoi: 151_853,
  eol: 151_846,
  eof: 151_847,
  textVocab: 151_643,
} as const;

function badPreset(message: string, details?: Record<string, unknown>): never {
  throw new MmtokError('MMTOK_LAYOUT', message, details);
}

/** Slots reading levels in order with ids stacked one codebook after another (AudioLM-style). */
function stackedSlots(codebookSize: number[], delays: (level: number) => number): LayoutSlot[] {
  let offset = 0;
  return codebookSize.map((k, level) => {
    const slot = { level, offset, delay: delays(level) };
    offset += k;
    return slot;
  });
}

/** Builds a preset's layout for token files of the given tokenizer; throws MMTOK_LAYOUT for an unknown name. */
export function presetLayout(name: string, input: PresetInput): SequenceLayout {
  if (!(PRESET_NAMES as readonly string[]).includes(name)) {
    badPreset(`unknown layout preset '${name}'; presets: ${PRESET_NAMES.join(', ')} (or a layout.json path)`, {
      preset: name,
    });
  }
  const { modality, tokenizer, codebookSize, text } = input;
  const L = codebookSize.length;
  const common = { format: LAYOUT_FORMAT, version: LAYOUT_VERSION, preset: name, modality, tokenizer, codebookSize };
  const textBase = text?.vocabSize ?? 0;
  const media = codebookSize.reduce((a, b) => a + b, 0);
  const textField = text ? { text } : {};
  // The generic presets put the specials right after the media ids.
  const after = (names: string[]) => Object.fromEntries(names.map((n, i) => [n, textBase + media + i]));
  switch (name as PresetName) {
    case 'offset':
      return checkLayout({
        ...common,
        base: textBase,
        order: 'frame-major',
        slots: stackedSlots(codebookSize, () => 0),
        streams: 'interleaved',
        special: after(['eod']),
        endOfDocument: 'eod',
        ...textField,
      });
    case 'delay':
      // MusicGen: codebook k lags k steps; empty cells are a pad token.
      return checkLayout({
        ...common,
        base: textBase,
        order: 'frame-major',
        slots: stackedSlots(codebookSize, (level) => level),
        streams: 'interleaved',
        special: after(['pad', 'eod']),
        pad: 'pad',
        endOfDocument: 'eod',
        ...textField,
      });
    case 'parallel': {
      // Moshi-like: one stream per level, each with its own ids 0..K-1 and pad K; acoustic levels lag 1 step.
      if (text) badPreset('the parallel preset keeps one id space per stream; text has no stream there');
      const k = Math.max(...codebookSize);
      return checkLayout({
        ...common,
        base: 0,
        order: 'frame-major',
        slots: codebookSize.map((_, level) => ({ level, offset: 0, delay: level === 0 ? 0 : 1 })),
        streams: 'parallel',
        special: { pad: k },
        pad: 'pad',
      });
    }
    case 'orpheus-snac': {
      if (modality !== 'audio' || L !== 7 || codebookSize.some((kk) => kk !== ORPHEUS.codebookSize)) {
        badPreset(
          `orpheus-snac places SNAC 24 kHz codes: audio token sets with scales 1 : 2 : 4 of 4096 codes (7 codes per coarse frame); these have ${L} levels per frame of [${codebookSize}] (${modality})`,
        );
      }
      if (text && text.vocabSize > ORPHEUS.textVocab)
        badPreset(`orpheus-snac text ids must be below ${ORPHEUS.textVocab} (Llama 3's vocabulary)`);
      return checkLayout({
        ...common,
        base: ORPHEUS.base,
        order: 'frame-major',
        slots: ORPHEUS.levelOrder.map((level, p) => ({ level, offset: p * ORPHEUS.codebookSize, delay: 0 })),
        streams: 'interleaved',
        special: { start_of_speech: ORPHEUS.startOfSpeech, end_of_speech: ORPHEUS.endOfSpeech },
        begin: ['start_of_speech'],
        end: ['end_of_speech'],
        ...(text ? { text: { place: text.place, vocabSize: ORPHEUS.textVocab } } : {}),
      });
    }
    case 'emu3-rows':
      if (modality === 'audio') badPreset('emu3-rows needs rows: image or video token sets, not audio');
      return checkLayout({
        ...common,
        base: EMU3.base,
        order: 'frame-major',
        slots: stackedSlots(codebookSize, () => 0),
        streams: 'interleaved',
        special: { boi: EMU3.boi, eoi: EMU3.eoi, eol: EMU3.eol, eof: EMU3.eof },
        begin: ['boi'],
        end: ['eoi'],
        endOfRow: 'eol',
        endOfFrame: 'eof',
        ...(text ? { text: { place: text.place, vocabSize: EMU3.textVocab } } : {}),
      });
    case 'chameleon-boi-eoi':
      if (modality !== 'image') badPreset('chameleon-boi-eoi wraps images; use offset or emu3-rows for video');
      if (text) badPreset("chameleon-boi-eoi: Chameleon's image ids lie inside its BPE vocabulary; text is not placed");
      if (media > CHAMELEON.codes)
        badPreset(`chameleon-boi-eoi holds ${CHAMELEON.codes} image codes; this tokenizer needs ${media}`);
      return checkLayout({
        ...common,
        base: CHAMELEON.base,
        order: 'frame-major',
        slots: stackedSlots(codebookSize, () => 0),
        streams: 'interleaved',
        special: { boi: CHAMELEON.boi, eoi: CHAMELEON.eoi },
        begin: ['boi'],
        end: ['eoi'],
        vocabSize: 65_536,
      });
  }
}
