import { useEffect, useState } from 'preact/hooks';

export const VIEWS = ['overview', 'codebook', 'reconstruction', 'compare', 'tokenize'] as const;
export type ViewName = (typeof VIEWS)[number];

/** What the URL hash says: #/<view>/<report key>[/<second report key>]. */
export interface Route {
  view: ViewName;
  key?: string;
  keyB?: string;
}

export function parseRoute(hash: string): Route {
  const [view, key, keyB] = hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  return {
    view: (VIEWS as readonly string[]).includes(view) ? (view as ViewName) : 'overview',
    key: key || undefined,
    keyB: keyB || undefined,
  };
}

export function routeHash(r: Route): string {
  return `#/${[r.view, r.key, r.keyB]
    .filter((p) => p !== undefined)
    .map((p) => encodeURIComponent(p!))
    .join('/')}`;
}

/** The current route, following back/forward and links. */
export function useRoute(): [Route, (r: Route) => void] {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onHash = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  return [route, (r) => (location.hash = routeHash(r))];
}
