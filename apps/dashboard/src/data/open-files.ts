import { errorText, type Problem } from './problem.js';
import { type LoadedReport, readReport } from './read-report.js';
import { type DroppedBytes, isTokenFile, tokenFilesReports } from './token-stats.js';

let counter = 0;

/**
 * Reads files the user dropped or picked, entirely in the page: .mmtok token files (recognized by
 * their magic, whatever their name) become codebook statistics; anything else is read as a report.
 */
export async function openFiles(files: readonly File[]): Promise<{ reports: LoadedReport[]; problems: Problem[] }> {
  const reports: LoadedReport[] = [];
  const problems: Problem[] = [];
  const tokenFiles: DroppedBytes[] = [];
  for (const file of files) {
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await file.arrayBuffer());
    } catch (e) {
      problems.push({ title: `${file.name} could not be read`, detail: errorText(e) });
      continue;
    }
    if (isTokenFile(bytes)) {
      tokenFiles.push({ name: file.name, bytes });
      continue;
    }
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      problems.push({
        title: `${file.name} is neither a report nor a token file`,
        detail: 'It is not UTF-8 text (so not a report.json) and does not start with the .mmtok magic.',
        hint: 'Drop a report.json written by mmtok diagnose, or .mmtok files written by mmtok encode.',
      });
      continue;
    }
    reports.push(readReport(text, file.name, 'file', `f${++counter}`));
  }
  if (tokenFiles.length) {
    const stats = tokenFilesReports(tokenFiles);
    problems.push(...stats.problems);
    for (const r of stats.reports)
      reports.push({ key: `t${++counter}`, name: r.name, origin: 'tokens', report: r.report });
  }
  return { reports, problems };
}
