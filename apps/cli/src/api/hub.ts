import { dirname } from 'node:path';
import { readModelJson } from '@mmtok/core/node';
import {
  type CachedRepo,
  dtypesPresent,
  type HubOptions,
  hubFileIfExists,
  hubListFiles,
  onnxModelFile,
  onnxModelNames,
  parseHubSpec,
  resolveHubOptions,
  scanHubCache,
} from '@mmtok/hub';

/** A Hub repo in the Transformers.js layout: what `mmtok info hf:org/name[@rev]` shows. */
export interface HubRepoDescription {
  kind: 'hub-repo';
  repo: string;
  revision: string;
  commit: string;
  /** config.json's model_type, when the repo has a config. */
  modelType?: string;
  files: string[];
  /** Each ONNX model (encoder_model, decoder_model, model, …) and its file per dtype present. */
  models: { name: string; dtypes: Record<string, string> }[];
}

export async function describeHubRepo(spec: string, options?: HubOptions): Promise<HubRepoDescription> {
  const { revision } = parseHubSpec(spec);
  const { repo, commit, files } = await hubListFiles(spec, options);
  // By revision, not commit, so refs/<revision> is recorded for offline use.
  const config = await hubFileIfExists({ repo, revision }, 'config.json', options);
  // readModelJson: a size cap and MMTOK_MODEL for a malformed config, not a bare SyntaxError.
  const modelType = config ? (await readModelJson(dirname(config.path), 'config.json'))?.model_type : undefined;
  const models = onnxModelNames(files).map((name) => ({
    name,
    dtypes: Object.fromEntries(dtypesPresent(files, name).map((dtype) => [dtype, onnxModelFile(name, dtype)])),
  }));
  return {
    kind: 'hub-repo',
    repo,
    revision,
    commit,
    ...(typeof modelType === 'string' ? { modelType } : {}),
    files,
    models,
  };
}

/** The repos in the Hugging Face cache (HF_HUB_CACHE, $HF_HOME/hub or ~/.cache/huggingface/hub), with sizes. */
export async function listCachedRepos(options?: HubOptions): Promise<{ cacheDir: string; repos: CachedRepo[] }> {
  const { cacheDir } = resolveHubOptions(options);
  return { cacheDir, repos: await scanHubCache(cacheDir) };
}
