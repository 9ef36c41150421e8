import { html } from 'htm/preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ProblemBox } from './components/problem-box.js';
import { openFiles } from './data/open-files.js';
import type { Problem } from './data/problem.js';
import type { LoadedReport } from './data/read-report.js';
import { loadServedReports } from './data/served.js';
import { type Route, useRoute, VIEWS, type ViewName } from './route.js';
import { CodebookView } from './views/codebook.js';
import { CompareView } from './views/compare.js';
import { OverviewView } from './views/overview.js';
import { ReconstructionView } from './views/reconstruction.js';
import { TokenizeView } from './views/tokenize.js';

const TITLES: Record<ViewName, string> = {
  overview: 'Overview',
  codebook: 'Codebook',
  reconstruction: 'Reconstruction',
  compare: 'Compare A / B',
  tokenize: 'Tokenize an image',
};

function ReportBody({ view, loaded }: { view: ViewName; loaded: LoadedReport }) {
  if (loaded.problem || !loaded.report) {
    return html`<${ProblemBox} problem=${loaded.problem ?? { title: `${loaded.name} has no content`, detail: '' }} />`;
  }
  const r = loaded.report;
  if (view === 'codebook') return html`<${CodebookView} report=${r} />`;
  if (view === 'reconstruction') return html`<${ReconstructionView} report=${r} sources=${loaded.mediaSources} />`;
  return html`<${OverviewView} report=${r} />`;
}

function Welcome({ served }: { served: boolean }) {
  return html`<section class="view welcome" data-testid="welcome">
    <h2>No report open</h2>
    <p>Drop a <code>report.json</code> (from <code>mmtok diagnose</code>) or <code>.mmtok</code> token files anywhere on this page, or use <em>Open files…</em>.
    Everything is read in this browser; nothing is uploaded.</p>
    ${served ? null : html`<p class="note">This page was opened without <code>mmtok dashboard</code>; run <code>mmtok dashboard report.json</code> to open reports and their media from disk.</p>`}
  </section>`;
}

/** The dashboard: report list from the server, dropped files, the four views and their routing. */
export function App() {
  const [reports, setReports] = useState<LoadedReport[]>([]);
  const [notices, setNotices] = useState<Problem[]>([]);
  const [loading, setLoading] = useState(true);
  const [served, setServed] = useState(true);
  const [dragging, setDragging] = useState(false);
  const [route, go] = useRoute();
  const fileInput = useRef<HTMLInputElement>(null);

  useEffect(() => {
    loadServedReports().then((s) => {
      setReports(s.reports);
      setServed(s.served);
      if (s.problem) setNotices([s.problem]);
      setLoading(false);
    });
  }, []);

  // Marks the moment the first report (or the message replacing it) is on screen, for load timing.
  useEffect(() => {
    if (loading) return;
    requestAnimationFrame(() => {
      performance.mark('mmtok-rendered');
      document.body.dataset.state = 'ready';
    });
  }, [loading]);

  const addFiles = useCallback(
    async (files: File[]) => {
      if (!files.length) return;
      const opened = await openFiles(files);
      setNotices(opened.problems);
      if (opened.reports.length) {
        setReports((prev) => [...prev, ...opened.reports]);
        const view = route.view === 'compare' ? 'overview' : route.view;
        go({ view, key: opened.reports[0].key });
      }
    },
    [route],
  );

  useEffect(() => {
    const over = (e: DragEvent) => {
      e.preventDefault();
      setDragging(true);
    };
    const leave = (e: DragEvent) => {
      if (!e.relatedTarget) setDragging(false);
    };
    const drop = (e: DragEvent) => {
      e.preventDefault();
      setDragging(false);
      void addFiles(Array.from(e.dataTransfer?.files ?? []));
    };
    addEventListener('dragover', over);
    addEventListener('dragleave', leave);
    addEventListener('drop', drop);
    return () => {
      removeEventListener('dragover', over);
      removeEventListener('dragleave', leave);
      removeEventListener('drop', drop);
    };
  }, [addFiles]);

  const current = reports.find((r) => r.key === route.key) ?? reports[0];
  const nav = (view: ViewName): Route =>
    view === 'compare' ? { view, key: current?.key, keyB: route.keyB } : { view, key: current?.key };
  const href = (r: Route) =>
    `#/${[r.view, r.key, r.keyB]
      .filter(Boolean)
      .map((p) => encodeURIComponent(p!))
      .join('/')}`;

  return html`<div class=${`app${dragging ? ' dragging' : ''}`}>
    <header>
      <h1>mmtok dashboard</h1>
      <nav class="tabs" aria-label="views">${VIEWS.map(
        (v) =>
          html`<a href=${href(nav(v))} class=${route.view === v ? 'active' : ''} data-testid=${`tab-${v}`}>${TITLES[v]}</a>`,
      )}</nav>
      ${
        reports.length && route.view !== 'compare' && route.view !== 'tokenize'
          ? html`<label class="picker">report <select data-testid="report-picker" value=${current?.key}
              onChange=${(e: Event) => go({ view: route.view, key: (e.target as HTMLSelectElement).value })}>
              ${reports.map((r) => html`<option value=${r.key}>${r.name}${r.problem ? ' (cannot be shown)' : ''}</option>`)}
            </select></label>`
          : null
      }
      <button class="open" onClick=${() => fileInput.current?.click()}>Open files…</button>
      <input ref=${fileInput} type="file" multiple hidden data-testid="file-input" accept=".json,.mmtok,application/json"
        onChange=${(e: Event) => {
          const input = e.target as HTMLInputElement;
          void addFiles(Array.from(input.files ?? []));
          input.value = '';
        }} />
    </header>
    <main>
      ${notices.map((p) => html`<${ProblemBox} problem=${p} />`)}
      ${
        route.view === 'tokenize'
          ? html`<${TokenizeView} />`
          : loading
            ? html`<p class="loading">Loading reports…</p>`
            : route.view === 'compare'
              ? html`<${CompareView} reports=${reports} a=${route.key} b=${route.keyB} onPick=${(a?: string, b?: string) => go({ view: 'compare', key: a, keyB: b })} />`
              : current
                ? html`<h2 class="report-name" data-testid="report-name">${current.name}${current.origin === 'tokens' ? ' — statistics computed in this page' : ''}</h2>
                <${ReportBody} key=${current.key} view=${route.view} loaded=${current} />`
                : html`<${Welcome} served=${served} />`
      }
    </main>
    <div class="drop-hint" aria-hidden="true">Drop report.json or .mmtok files</div>
  </div>`;
}
