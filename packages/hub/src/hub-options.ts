import { homedir } from 'node:os';
import { join } from 'node:path';

export interface HubProgress {
  file: string;
  bytes: number;
  total?: number;
}

export interface HubOptions {
  /** HF_ENDPOINT, else https://huggingface.co */
  endpoint?: string;
  /** HF_TOKEN; sent only to the endpoint's host, never to the storage host a large file redirects to. */
  token?: string;
  /** HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub — the folder huggingface_hub uses. */
  cacheDir?: string;
  /** HF_HUB_OFFLINE=1: answer from the cache only. */
  offline?: boolean;
  /** Download progress; when absent, a line on stderr if it is a TTY, else nothing. */
  onProgress?: (p: HubProgress) => void;
}

export type ResolvedHubOptions = Required<Omit<HubOptions, 'token' | 'onProgress'>> &
  Pick<HubOptions, 'token' | 'onProgress'>;

const TRUE = new Set(['1', 'ON', 'YES', 'TRUE']);

/** Fills what the caller left out from the environment, as huggingface_hub reads it. */
export function resolveHubOptions(options: HubOptions = {}, env: NodeJS.ProcessEnv = process.env): ResolvedHubOptions {
  const home = env.HF_HOME || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'huggingface');
  return {
    endpoint: (options.endpoint ?? (env.HF_ENDPOINT || 'https://huggingface.co')).replace(/\/+$/, ''),
    token: options.token ?? (env.HF_TOKEN || undefined),
    cacheDir: options.cacheDir ?? (env.HF_HUB_CACHE || join(home, 'hub')),
    offline: options.offline ?? TRUE.has((env.HF_HUB_OFFLINE ?? '').toUpperCase()),
    onProgress: options.onProgress,
  };
}
