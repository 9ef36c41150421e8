import { type DiagnosticsReport, parseReport, REPORT_SCHEMA_VERSION } from '@mmtok/diagnostics';
import { errorCode, errorText, type Problem } from './problem.js';

export type ReportOrigin = 'server' | 'file' | 'tokens';

/** One report the page knows about; either `report` or `problem` is set. */
export interface LoadedReport {
  /** Unique within the page; used in the URL hash. */
  key: string;
  /** What people call it: its file name or path. */
  name: string;
  origin: ReportOrigin;
  report?: DiagnosticsReport;
  problem?: Problem;
  /** Served media URL → the path the report named, for messages about missing media. */
  mediaSources?: Record<string, string>;
}

/** Strips the "MMTOK_X: " prefix MmtokError puts in front of its message. */
function plain(message: string, code?: string): string {
  return code ? message.replace(`${code}: `, '') : message;
}

/** The page's explanation of a report that cannot be shown. */
export function reportProblem(e: unknown, name: string): Problem {
  const code = errorCode(e);
  const message = plain(errorText(e), code);
  if (code === 'MMTOK_REPORT_VERSION') {
    const got = (e as { details?: { got?: unknown } }).details?.got;
    const newer = typeof got === 'number' && got > REPORT_SCHEMA_VERSION;
    return {
      code,
      title: newer ? `${name} was written by a newer mmtok` : `${name} uses an unsupported report schema`,
      detail: message,
      hint: newer
        ? `This dashboard reads schemaVersion ${REPORT_SCHEMA_VERSION}. Upgrade mmtok (the CLI serves its own dashboard) or re-run mmtok diagnose with this version.`
        : 'Re-generate the report with this version of mmtok diagnose.',
    };
  }
  if (code === 'MMTOK_REPORT_INVALID' && message.startsWith('report is not valid JSON')) {
    return {
      code,
      title: `${name} is not valid JSON`,
      detail: message,
      hint: 'The file may be truncated or not a report; mmtok diagnose writes report.json.',
    };
  }
  return {
    code,
    title: `${name} is not a valid mmtok report`,
    detail: message,
    hint: 'Open a report.json written by mmtok diagnose (or @mmtok/diagnostics createReport).',
  };
}

/** Parses report text; never throws: a bad report comes back with a problem to show. */
export function readReport(text: string, name: string, origin: ReportOrigin, key: string): LoadedReport {
  try {
    return { key, name, origin, report: parseReport(text) };
  } catch (e) {
    return { key, name, origin, problem: reportProblem(e, name) };
  }
}
