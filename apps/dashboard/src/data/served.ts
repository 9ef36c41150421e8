import { errorText, type Problem } from './problem.js';
import { type LoadedReport, readReport } from './read-report.js';

/** api/reports.json, written by `mmtok dashboard` (served) or `--export` (static copy). */
export interface ServedIndex {
  reports: { name: string; url: string; media?: Record<string, string> }[];
}

export interface ServedReports {
  reports: LoadedReport[];
  /** Set when the index exists but could not be read. */
  problem?: Problem;
  /** False when the page runs without `mmtok dashboard` behind it (no index at all). */
  served: boolean;
}

/** Reports the server (or the static export) offers; relative URLs so an export works under any path. */
export async function loadServedReports(): Promise<ServedReports> {
  let res: Response;
  try {
    res = await fetch('api/reports.json', { cache: 'no-store' });
  } catch (e) {
    return {
      reports: [],
      served: false,
      problem: {
        title: 'Cannot reach the mmtok dashboard server',
        detail: errorText(e),
        hint: 'Is `mmtok dashboard` still running?',
      },
    };
  }
  if (res.status === 404) return { reports: [], served: false };
  if (!res.ok) {
    return {
      reports: [],
      served: true,
      problem: { title: 'The report list could not be loaded', detail: `api/reports.json: HTTP ${res.status}` },
    };
  }
  let index: ServedIndex;
  try {
    index = (await res.json()) as ServedIndex;
    if (!Array.isArray(index.reports)) throw new Error('"reports" is not a list');
  } catch (e) {
    return { reports: [], served: true, problem: { title: 'The report list is malformed', detail: errorText(e) } };
  }
  const reports = await Promise.all(
    index.reports.map(async (entry, i): Promise<LoadedReport> => {
      const key = `s${i}`;
      try {
        const r = await fetch(entry.url, { cache: 'no-store' });
        if (!r.ok) throw new Error(`${entry.url}: HTTP ${r.status}`);
        const loaded = readReport(await r.text(), entry.name, 'server', key);
        return { ...loaded, mediaSources: entry.media ?? {} };
      } catch (e) {
        return {
          key,
          name: entry.name,
          origin: 'server',
          problem: { title: `${entry.name} could not be loaded`, detail: errorText(e) },
        };
      }
    }),
  );
  return { reports, served: true };
}
