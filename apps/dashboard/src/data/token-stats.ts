import { decodeTokenFile, TOKEN_FILE_MAGIC, type TokenFile } from '@mmtok/core';
import { CodebookAccumulator, createReport, type DiagnosticsReport } from '@mmtok/diagnostics';
import { errorCode, errorText, type Problem } from './problem.js';

export interface DroppedBytes {
  name: string;
  bytes: Uint8Array;
}

/** True when the bytes start with the .mmtok magic (so a token file, however it is named). */
export function isTokenFile(bytes: Uint8Array): boolean {
  return bytes.length >= TOKEN_FILE_MAGIC.length && TOKEN_FILE_MAGIC.every((b, i) => bytes[i] === b);
}

/** Quantizer levels of a token layout: the last axis ([h, w, levels], [steps, levels]); 1 for a flat list. */
function levelsOf(shape: readonly number[]): number {
  return shape.length >= 2 ? shape[shape.length - 1] : 1;
}

interface Group {
  label: string;
  files: { name: string; file: TokenFile }[];
}

/**
 * Codebook statistics of dropped token files, computed in the page with @mmtok/core's reader and
 * @mmtok/diagnostics' accumulator (nothing leaves the browser). Files of one tokenizer are pooled
 * into one report; a file that cannot be read becomes a problem naming it.
 */
export function tokenFilesReports(inputs: readonly DroppedBytes[]): {
  reports: { name: string; report: DiagnosticsReport }[];
  problems: Problem[];
} {
  const problems: Problem[] = [];
  const groups = new Map<string, Group>();
  for (const input of inputs) {
    let file: TokenFile;
    try {
      file = decodeTokenFile(input.bytes);
    } catch (e) {
      problems.push({
        code: errorCode(e),
        title: `${input.name} is not a readable .mmtok token file`,
        detail: errorText(e),
        hint: 'Token files are written by mmtok encode; a damaged copy fails its checksum.',
      });
      continue;
    }
    const h = file.header;
    const id = `${h.tokenizer.name}@${h.tokenizer.version}#${h.tokenizer.hash}/${levelsOf(h.shape)}`;
    const group = groups.get(id) ?? { label: `${h.tokenizer.name} ${h.tokenizer.version}`, files: [] };
    group.files.push({ name: input.name, file });
    groups.set(id, group);
  }
  const reports: { name: string; report: DiagnosticsReport }[] = [];
  for (const group of groups.values()) {
    try {
      reports.push({ name: groupName(group), report: groupReport(group) });
    } catch (e) {
      problems.push({ code: errorCode(e), title: `Statistics of ${groupName(group)} failed`, detail: errorText(e) });
    }
  }
  return { reports, problems };
}

function groupName(g: Group): string {
  return g.files.length === 1 ? g.files[0].name : `${g.files.length} token files (${g.label})`;
}

function groupReport(g: Group): DiagnosticsReport {
  const first = g.files[0].file.header;
  const levels = levelsOf(first.shape);
  // Without a recorded codebook size, the largest index seen bounds it.
  let codebookSize = first.codebookSize ?? 0;
  if (!first.codebookSize)
    for (const { file } of g.files) for (const v of file.indices) codebookSize = Math.max(codebookSize, v + 1);
  const acc = new CodebookAccumulator({ codebookSize: Math.max(1, codebookSize), levels, allowDropped: true });
  const items: { id: string; values: Record<string, number> }[] = [];
  let tokens = 0;
  for (const { name, file } of g.files) {
    const rows = file.indices.length / levels;
    if (rows > 0) acc.update({ data: file.indices, shape: levels === 1 ? [rows] : [rows, levels] });
    tokens += file.indices.length;
    items.push({ id: name, values: { tokens: file.indices.length, distinct: new Set(file.indices).size } });
  }
  return createReport({
    tokenizer: {
      ...first.tokenizer,
      modality: first.modality,
      quantizer: { type: 'unknown', codebookSize: acc.codebookSize, levels },
    },
    data: { name: 'dropped token files', items: g.files.length, tokens },
    codebook: acc.stats(),
    items,
    higherIsBetter: { tokens: true, distinct: true },
  });
}
