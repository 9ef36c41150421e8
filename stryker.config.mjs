// Mutation testing (Stryker + its vitest runner) over the modules whose numbers users trust. Not in
// CI: `npm run mutate` runs every target one after another (minutes each), `npm run mutate -- core`
// one of them; reports go to bench-results/mutation/<target>/. A target is one package's vitest
// config, the files mutated, and the test files that should kill the mutants on their own.
// @ts-check

/** @type {Record<string, { package: string; mutate: string[]; testFiles: string[]; timeoutMS?: number }>} */
export const TARGETS = {
  fsq: {
    package: 'packages/core',
    mutate: ['src/backends/fsq-spec.ts'],
    testFiles: ['test/fsq-spec.test.ts', 'test/reference-backends.test.ts', 'test/kernels-closed-form.test.ts'],
  },
  'token-file': {
    package: 'packages/core',
    mutate: ['src/io/token-file.ts', 'src/io/checksum.ts'],
    testFiles: [
      'test/token-file.test.ts',
      'test/token-file-header.test.ts',
      'test/token-file-messages.test.ts',
      'test/checksum.test.ts',
    ],
  },
  quantizers: {
    package: 'packages/core',
    mutate: ['src/quantizers/*.ts'],
    testFiles: [
      'test/reference-backends.test.ts',
      'test/properties.test.ts',
      'test/errors.test.ts',
      'test/quantizers-reference.test.ts',
    ],
  },
  'codebook-file': {
    package: 'packages/core',
    mutate: ['src/io/codebook-file.ts'],
    testFiles: ['test/codebook-file.test.ts', 'test/codebook-file-contents.test.ts'],
  },
  video: {
    package: 'packages/video',
    mutate: ['src/tubelets.ts', 'src/manifest.ts'],
    testFiles: ['test/tubelets.test.ts', 'test/manifest-rejects.test.ts'],
  },
  diagnostics: {
    package: 'packages/diagnostics',
    mutate: ['src/video-metrics.ts'],
    testFiles: ['test/video-metrics.test.ts', 'test/video-metrics-closed-form.test.ts'],
  },
  // The metric targets run the small-input reference tests only: the 96×128…176×192 image and 0.3 s
  // audio fixtures take minutes per mutant once instrumented. Their hot loops make a short timeout
  // worth it (a mutant that never ends is killed after 10 s instead of 60).
  'image-metrics': {
    package: 'packages/diagnostics',
    mutate: ['src/image-metrics.ts'],
    testFiles: ['test/image-metrics-small-reference.test.ts'],
    timeoutMS: 10_000,
  },
  'audio-metrics': {
    package: 'packages/diagnostics',
    mutate: ['src/audio-metrics.ts', 'src/mel.ts'],
    testFiles: ['test/audio-metrics-small-reference.test.ts'],
    timeoutMS: 10_000,
  },
  'audio-manifest': {
    package: 'packages/audio',
    mutate: ['src/manifest.ts'],
    testFiles: ['test/manifest-rejects.test.ts'],
  },
  'image-manifest': {
    package: 'packages/image',
    mutate: ['src/manifest.ts'],
    testFiles: ['test/manifest.test.ts', 'test/manifest-rejects.test.ts'],
  },
  cli: {
    package: 'apps/cli',
    mutate: ['src/exit-codes.ts'],
    testFiles: ['test/exit-codes.test.ts'],
  },
};

const name = process.env.MMTOK_MUTATE_TARGET ?? 'fsq';
const target = TARGETS[name];
if (!target) throw new Error(`unknown MMTOK_MUTATE_TARGET '${name}' (targets: ${Object.keys(TARGETS).join(', ')})`);
const out = `bench-results/mutation/${name}`;

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile: `${target.package}/vitest.config.ts`, dir: target.package, related: false },
  mutate: target.mutate.map((f) => `${target.package}/${f}`),
  testFiles: target.testFiles.map((f) => `${target.package}/${f}`),
  coverageAnalysis: 'perTest',
  // The machine is shared: one test process.
  concurrency: 1,
  timeoutMS: target.timeoutMS ?? 60_000,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: `${out}/index.html` },
  jsonReporter: { fileName: `${out}/report.json` },
  // One sandbox per target, so two targets can run at once.
  tempDirName: `bench-results/.stryker-tmp-${name}`,
  ignorePatterns: ['test-artifacts', 'apps/cli/app', 'bench-results'],
  cleanTempDir: 'always',
  // MMTOK_MUTATE_INCREMENTAL=1 reuses the results of mutants whose code and covering tests are
  // unchanged since the last incremental run of the target (Stryker's --incremental).
  incremental: process.env.MMTOK_MUTATE_INCREMENTAL === '1',
  incrementalFile: `bench-results/mutation/.incremental/${name}.json`,
};
