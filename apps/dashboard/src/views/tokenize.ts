import { sha256Hex } from '@mmtok/core';
import { psnr, ssim } from '@mmtok/diagnostics';
import {
  type ImageTokenizer,
  loadDefaultTokenizer,
  loadTokenizer,
  rgbaToRgb,
  rgbToRgba,
  type TokenSet,
} from '@mmtok/image/browser';
import { html } from 'htm/preact';
import { useRef, useState } from 'preact/hooks';
import { decodePixels, differenceImage, GAIN, PixelCanvas, type Pixels } from '../components/image-diff.js';
import { ProblemBox } from '../components/problem-box.js';
import { errorCode, errorText, type Problem } from '../data/problem.js';
import { fmtFixed } from '../format.js';

/** What one tokenized image gave, all computed in this page. */
interface Result {
  name: string;
  tokens: TokenSet;
  /** sha256 of the token indices (little-endian int32), to compare with another run. */
  sha256: string;
  original: ImageData;
  reconstruction: ImageData;
  difference: ImageData;
  psnr: number;
  ssim: number;
  seconds: number;
}

// The default tokenizer, loaded once per page and only when a run needs it; the js backend gives
// bit-for-bit the tokens of Node's js backend.
let defaultTokenizer: Promise<ImageTokenizer> | undefined;

/**
 * An ONNX tokenizer from picked files: the manifest (`manifest.json`, else the one `.json` file) and
 * the files it names, matched by file name (files are picked, not a folder, so the manifest must name
 * files beside it). The page may fetch nothing but this app (its CSP), so a tokenizer comes as files,
 * never as a URL elsewhere.
 */
async function loadPickedTokenizer(files: readonly File[]): Promise<ImageTokenizer> {
  const jsons = files.filter((f) => f.name.endsWith('.json'));
  const manifest = files.find((f) => f.name === 'manifest.json') ?? (jsons.length === 1 ? jsons[0] : undefined);
  if (!manifest) throw new Error('pick the tokenizer manifest (manifest.json) together with the files it names');
  const bytes: Record<string, Uint8Array> = {};
  for (const f of files) if (f !== manifest) bytes[f.name] = new Uint8Array(await f.arrayBuffer());
  return loadTokenizer(
    { manifest: new Uint8Array(await manifest.arrayBuffer()), files: bytes, name: manifest.name },
    // A static import, so the bundle ships onnxruntime-web's wasm build (loaded only when an ONNX tokenizer is).
    { backend: 'js', runtime: () => import('onnxruntime-web/wasm') },
  );
}

/** Tokenizes and reconstructs one image with `tokenizer`, or the embedded default when none is given. */
async function tokenize(file: File, tokenizer: ImageTokenizer | undefined): Promise<Result> {
  const started = performance.now();
  const pixels: Pixels = await decodePixels(file);
  const t = tokenizer ?? (await (defaultTokenizer ??= loadDefaultTokenizer({ backend: 'js' })));
  const source = rgbaToRgb({ data: pixels.rgba, width: pixels.width, height: pixels.height });
  const tokens = await t.encode(source);
  const decoded = await t.decode(tokens);
  const back = rgbToRgba(decoded);
  const reconstruction: Pixels = { width: back.width, height: back.height, rgba: new Uint8ClampedArray(back.data) };
  const opaque: Pixels = { ...pixels, rgba: new Uint8ClampedArray(rgbToRgba(source).data) };
  const shape = [source.height, source.width, 3];
  return {
    name: file.name,
    tokens,
    sha256: await sha256Hex(
      new Uint8Array(tokens.indices.buffer, tokens.indices.byteOffset, tokens.indices.byteLength),
    ),
    original: new ImageData(opaque.rgba, opaque.width, opaque.height),
    reconstruction: new ImageData(reconstruction.rgba, reconstruction.width, reconstruction.height),
    difference: differenceImage(opaque, reconstruction),
    psnr: psnr(source.data, decoded.data),
    ssim: ssim({ data: source.data, shape }, { data: decoded.data, shape }, { dataRange: 255 }),
    seconds: (performance.now() - started) / 1000,
  };
}

/** Drop or pick an image: the embedded default tokenizer, or an ONNX one picked as files, runs in this page; nothing is uploaded. */
export function TokenizeView() {
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<Result>();
  const [problem, setProblem] = useState<Problem>();
  // undefined: the embedded default; otherwise an ONNX tokenizer loaded from picked files.
  const [onnx, setOnnx] = useState<{ tokenizer: ImageTokenizer; files: string }>();
  const input = useRef<HTMLInputElement>(null);
  const tokenizerInput = useRef<HTMLInputElement>(null);

  const run = async (file: File | undefined) => {
    if (!file) return;
    setBusy(true);
    setProblem(undefined);
    try {
      setResult(await tokenize(file, onnx?.tokenizer));
    } catch (e) {
      setResult(undefined);
      setProblem({ title: `${file.name} could not be tokenized`, detail: errorText(e), code: errorCode(e) });
    } finally {
      setBusy(false);
    }
  };
  // Changing the tokenizer disposes the old one, which a run in progress may be using: refused while busy
  // (the buttons are disabled then too).
  const pickTokenizer = async (files: readonly File[]) => {
    if (files.length === 0 || busy) return;
    setBusy(true);
    setProblem(undefined);
    setResult(undefined);
    try {
      const tokenizer = await loadPickedTokenizer(files);
      await onnx?.tokenizer.dispose();
      setOnnx({ tokenizer, files: files.map((f) => f.name).join(', ') });
    } catch (e) {
      setProblem({ title: 'The ONNX tokenizer could not be loaded', detail: errorText(e), code: errorCode(e) });
    } finally {
      setBusy(false);
    }
  };
  const useDefault = async () => {
    if (busy) return;
    await onnx?.tokenizer.dispose();
    setOnnx(undefined);
    setResult(undefined);
  };
  // Handled here, before the page-wide drop handler that opens reports.
  const drop = (e: DragEvent) => {
    e.preventDefault();
    e.stopPropagation();
    void run(e.dataTransfer?.files[0]);
  };

  const r = result;
  const t = onnx?.tokenizer.identity;
  return html`<section class="view tokenize" data-testid="tokenize-view">
    <p class="note" data-testid="tokenizer-choice" data-name=${t?.name ?? 'default'}>
      Tokenizer: ${
        t
          ? html`<b>${t.name} ${t.version}</b> (ONNX on onnxruntime-web, from ${onnx?.files})
        <button disabled=${busy} onClick=${() => void useDefault()}>use the default</button>`
          : html`the embedded default`
      }.
      <button disabled=${busy} onClick=${() => tokenizerInput.current?.click()}>Pick an ONNX tokenizer…</button>
      (its manifest.json and the model files it names, all at once)
      <input ref=${tokenizerInput} type="file" hidden multiple data-testid="tokenizer-files"
        onChange=${(e: Event) => {
          const el = e.target as HTMLInputElement;
          void pickTokenizer([...(el.files ?? [])]);
          el.value = '';
        }} />
    </p>
    <div class="drop-zone" onDragOver=${(e: DragEvent) => e.preventDefault()} onDrop=${drop}>
      <p>Drop an image here, or <button onClick=${() => input.current?.click()}>choose one…</button> It is tokenized
      in this page with the tokenizer above; nothing is uploaded.</p>
      <input ref=${input} type="file" hidden accept="image/*" data-testid="tokenize-input"
        onChange=${(e: Event) => {
          const el = e.target as HTMLInputElement;
          void run(el.files?.[0]);
          el.value = '';
        }} />
    </div>
    ${busy ? html`<p class="loading" data-testid="tokenize-busy">Tokenizing…</p>` : null}
    ${problem ? html`<${ProblemBox} problem=${problem} />` : null}
    ${
      r && !busy
        ? html`<div data-testid="tokenize-result" data-sha256=${r.sha256} data-psnr=${r.psnr} data-ssim=${r.ssim}>
            <p class="note">${r.name}: ${r.original.width}×${r.original.height} → tokens [${r.tokens.shape.join(' × ')}]
              (${r.tokens.indices.length.toLocaleString('en')}), tokenizer ${r.tokens.tokenizer.name}
              ${r.tokens.tokenizer.version}, ${fmtFixed(r.seconds, 2)} s</p>
            <div class="side-by-side">
              <${PixelCanvas} image=${r.original} label="original" />
              <${PixelCanvas} image=${r.reconstruction} label="reconstruction" />
              <${PixelCanvas} image=${r.difference} label=${`|difference| × ${GAIN}`} />
            </div>
            <p class="note">Measured in the page: PSNR ${fmtFixed(r.psnr, 2)} dB, SSIM ${fmtFixed(r.ssim, 4)}</p>
          </div>`
        : null
    }
  </section>`;
}
