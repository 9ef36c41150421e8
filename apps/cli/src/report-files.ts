import { join } from 'node:path';
import { writeFileAtomic } from '@mmtok/core/node';
import { type DiagnosticsReport, renderReportHtml, serializeReport } from '@mmtok/diagnostics';
import { ensureParentDir } from './outputs.js';
import { VERSION } from './version.js';

/** Stamps the report with this CLI's version and writes report.json and report.html into `outDir`. */
export async function writeReportFiles(
  outDir: string,
  report: DiagnosticsReport,
  title: string | undefined,
): Promise<{ reportPath: string; htmlPath: string }> {
  report.generator = `mmtok ${VERSION}`;
  const reportPath = join(outDir, 'report.json');
  const htmlPath = join(outDir, 'report.html');
  await ensureParentDir(reportPath);
  const enc = new TextEncoder();
  await writeFileAtomic(reportPath, enc.encode(`${serializeReport(report)}\n`));
  await writeFileAtomic(htmlPath, enc.encode(renderReportHtml(report, title ? { title } : {})));
  return { reportPath, htmlPath };
}
