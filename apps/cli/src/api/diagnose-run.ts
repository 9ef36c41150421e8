import type { DiagnosticsReport } from '@mmtok/diagnostics';
import type { FileFailure } from '../batch.js';
import type { ProgressCallback } from '../progress.js';

/** What diagnoseFiles hands a modality's diagnose: the output folder is already checked writable. */
export interface DiagnoseRun {
  output: string;
  tokenizer?: string;
  title?: string;
  onProgress?: ProgressCallback;
}

/** A diagnose's result; no report (and nothing written) when no input could be diagnosed. */
export interface DiagnoseOutcome<F> {
  report?: DiagnosticsReport;
  reportPath?: string;
  htmlPath?: string;
  files: F[];
  failures: FileFailure[];
}
