import { sha256Hex } from '@mmtok/core';
import { psnr, ssim } from '@mmtok/diagnostics';
import { type ImageTokenizer, loadDefaultTokenizer, rgbaToRgb, rgbToRgba, type TokenSet } from '@mmtok/image/browser';
import { html } from 'htm/preact';
import { useRef, useState } from 'preact/hooks';
import { decodePixels, differenceImage, GAIN, PixelCanvas, type Pixels } from '../components/image-diff.js';
import { ProblemBox } from '../components/problem-box.js';
import { errorText, type Problem } from '../data/problem.js';
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

// One tokenizer per page; the js backend gives bit-for-bit the tokens of Node's js backend.
let tokenizer: Promise<ImageTokenizer> | undefined;

async function tokenize(file: File): Promise<Result> {
  const started = performance.now();
  const pixels: Pixels = await decodePixels(file);
  tokenizer ??= loadDefaultTokenizer({ backend: 'js' });
  const t = await tokenizer;
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

/** Drop or pick an image: the embedded default tokenizer runs in this page, nothing is uploaded. */
export function TokenizeView() {
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<Result>();
  const [problem, setProblem] = useState<Problem>();
  const input = useRef<HTMLInputElement>(null);

  const run = async (file: File | undefined) => {
    if (!file) return;
    setBusy(true);
    setProblem(undefined);
    try {
      setResult(await tokenize(file));
    } catch (e) {
      setResult(undefined);
      setProblem({ title: `${file.name} could not be tokenized`, detail: errorText(e) });
    } finally {
      setBusy(false);
    }
  };
  // Handled here, before the page-wide drop handler that opens reports.
  const drop = (e: DragEvent) => {
    e.preventDefault();
    e.stopPropagation();
    void run(e.dataTransfer?.files[0]);
  };

  const r = result;
  return html`<section class="view tokenize" data-testid="tokenize-view">
    <div class="drop-zone" onDragOver=${(e: DragEvent) => e.preventDefault()} onDrop=${drop}>
      <p>Drop an image here, or <button onClick=${() => input.current?.click()}>choose one…</button> It is tokenized
      in this page with the embedded default tokenizer; nothing is uploaded.</p>
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
