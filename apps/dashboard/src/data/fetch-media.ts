import type { Problem } from './problem.js';

/** Fetches one media file, turning HTTP and network failures into a message that names the file. */
export async function fetchMedia(
  url: string,
  role: string,
  sources: Record<string, string> | undefined,
): Promise<{ blob: Blob } | { problem: Problem }> {
  const named = sources?.[url] ?? url;
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    return { problem: missing(role, named, e instanceof Error ? e.message : String(e)) };
  }
  if (!res.ok) return { problem: missing(role, named, `HTTP ${res.status} ${res.statusText}`.trim()) };
  return { blob: await res.blob() };
}

function missing(role: string, named: string, why: string): Problem {
  return {
    code: 'MMTOK_MEDIA_MISSING',
    title: `The ${role} could not be loaded`,
    detail: `${named}: ${why}`,
    hint: 'Media paths in a report are resolved relative to the report file; check the file is still there, then reload. A report dropped onto the page has no access to its media: open it with mmtok dashboard <report.json>.',
  };
}
