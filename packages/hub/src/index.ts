export { type CachedRepo, type CachedRevision, repoFolderName, scanHubCache } from './cache-layout.js';
export { type HubFile, hubFile, hubFileIfExists, hubListFiles } from './hub-file.js';
export { type HubOptions, type HubProgress, resolveHubOptions } from './hub-options.js';
export { type ModelFolder, resolveModelFolder } from './model-folder.js';
export { dtypesPresent, ONNX_DTYPE_SUFFIX, onnxExternalDataFile, onnxModelFile, onnxModelNames } from './onnx-files.js';
export { type HubRef, hubIdentity, isHubSpec, parseHubSpec } from './spec.js';
