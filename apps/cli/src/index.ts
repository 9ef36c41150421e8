/** Programmatic API of the `mmtok` command: each command is one function taking one options object. */
export {
  type DashboardServer,
  type ExportDashboardOptions,
  type ExportDashboardResult,
  exportDashboard,
  type StartDashboardOptions,
  startDashboard,
} from './api/dashboard.js';
export { type DecodedFile, type DecodeFilesOptions, type DecodeFilesResult, decodeFiles } from './api/decode.js';
export {
  type DiagnosedFile,
  type DiagnoseFilesOptions,
  type DiagnoseFilesResult,
  diagnoseFiles,
} from './api/diagnose.js';
export { type EncodedFile, type EncodeFilesOptions, type EncodeFilesResult, encodeFiles } from './api/encode.js';
export {
  type DescribeOptions,
  type Description,
  describe,
  type TokenFileDescription,
  type TokenizerDescription,
  type VideoFileDescription,
} from './api/info.js';
export { listTokenizers, type TokenizerEntry } from './api/tokenizers.js';
export { type TrainTokenizerOptions, type TrainTokenizerResult, trainTokenizer } from './api/train.js';
export type { AudioTrackFacts, DiagnosedVideoFile, VideoFacts } from './api/video.js';
export type { FileFailure } from './batch.js';
export { type CliStreams, runCli } from './cli.js';
export { EXIT, type ExitCode } from './exit-codes.js';
export type { ProgressCallback, ProgressEvent } from './progress.js';
