import { defineConfig } from 'vite';

// `source` makes @mmtok/* resolve to their TypeScript sources (no package build needed first).
// Node-only optional runtimes that @mmtok/core may import lazily never run in the page (nor sharp,
// which @mmtok/image imports only to resize and to read files): keep them out of the bundle.
// onnxruntime-web is bundled: the tokenize view imports its wasm build for ONNX tokenizers.
export default defineConfig({
  root: import.meta.dirname,
  base: './',
  resolve: { conditions: ['source', 'browser', 'module', 'import', 'default'] },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: false,
    rollupOptions: { external: ['webgpu', 'onnxruntime-node', 'sharp', /^node:/] },
  },
});
