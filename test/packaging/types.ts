// Type-checks the published declarations as a strict consumer does (skipLibCheck: false).
import { type AudioTokenSet, loadAudioTokenizer } from '@mmtok/audio';
import { decodeFiles, encodeFiles } from '@mmtok/cli';
import {
  createOrtProvider,
  createQuantizer,
  createWebgpuProvider,
  isMmtokError,
  type WebgpuBackend,
} from '@mmtok/core';
import { createOnnxSession } from '@mmtok/core/node';
import { type DiagnosticsReport, psnr } from '@mmtok/diagnostics';
import { type ImageTokenizer, loadTokenizer, type TokenSet } from '@mmtok/image';
import { loadVideoTokenizer, type VideoTokenSet } from '@mmtok/video';

export async function consumer(): Promise<number> {
  const fsq = await createQuantizer({ type: 'fsq', levels: [8, 5, 5, 5] });
  const indices = await fsq.encode({ data: new Float32Array(8), shape: [2, 4] });
  const image: ImageTokenizer = await loadTokenizer('default');
  const tokens: TokenSet = await image.encode({ data: new Uint8Array(48), width: 4, height: 4, channels: 3 });
  const audio: AudioTokenSet | undefined = undefined;
  const video: VideoTokenSet | undefined = undefined;
  const report: DiagnosticsReport | undefined = undefined;
  const gpu: WebgpuBackend | undefined = undefined;
  void [audio, video, report, gpu, loadAudioTokenizer, loadVideoTokenizer, encodeFiles, decodeFiles];
  void [createOrtProvider({ executionProviders: ['cpu'] }), createWebgpuProvider(), createOnnxSession, isMmtokError];
  return psnr(indices.data, tokens.indices, { dataRange: 255 });
}
