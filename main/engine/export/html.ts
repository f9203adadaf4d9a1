// The html export: one self-contained `model.html` — weights inlined as base64 float32, no network, no
// CDN, no TensorFlow.js — where a person generates text or classifies what they type, opened from file://.
// It exposes `window.rnnStudio.generate({ prime, length, temperature, topK, topP, seed })` → string and
// `window.rnnStudio.classify(text)` → `{ label, probabilities }` for scripts and tests.
//
// The page's code is not a second copy of the studio's: the random number generator and the sampling
// procedure are the studio's own `Rng` class and `pickNext` function (sampling/sample.ts, corpus/rng.ts),
// inlined by their source text, so a seed draws the same numbers and maps them to the same characters as
// `rnn-studio sample --seed`. The forward pass (`createRuntime`, below, also inlined by its source text)
// mirrors the studio's: the generator's StreamState step by step in float32 (Float32Array buffers where
// the studio keeps them, so near-ties resolve alike; only the order of a dot product's sum can differ),
// the classifier's recurrence over a single text with no padding, each pooling, one or two directions.
// Everything inlined is a plain function of its arguments: it may use no import.
import { createHash } from 'node:crypto';
import type { CellType, Pooling, Task } from '../../../shared/config.ts';
import { Rng } from '../corpus/rng.ts';
import { pickNext } from '../sampling/sample.ts';
import { STUDIO_GATES, stackGates, type ModelSpec } from './model-spec.ts';
import type { ExportFile } from './index.ts';

export const HTML_FILE = 'model.html';

/** Where one tensor sits in the page's float32 blob, and its row-major shape. */
interface BlobEntry {
  offset: number;
  shape: number[];
}

/**
 * What the page knows of the model besides its weights (inlined as JSON). Weights are named
 * `embedding` [V, E]; `layer{l}.{d}.kernel` [In, G·H], `.recurrent` [H, G·H], `.bias` [G·H] with d = 0
 * forward, 1 backward and the gates side by side in `gates` order; `output.kernel` [D·H, O], `output.bias` [O].
 */
export interface PageModel {
  task: Task;
  cell: CellType;
  /** Gate names in the order the page's kernels hold them. */
  gates: readonly string[];
  units: number;
  layers: number;
  embeddingSize: number;
  bidirectional: boolean;
  pooling: Pooling | null;
  /** index → character; '' is the unknown symbol. */
  chars: string[];
  unknownId: number | null;
  labels: string[] | null;
  maxLen: number | null;
  startChar: string;
  step: number;
  tensors: Record<string, BlobEntry>;
}

/** The spec → the page's model description and one float32 blob holding every weight. */
export function pageModel(spec: ModelSpec): { model: PageModel; weights: Float32Array } {
  const gates = STUDIO_GATES[spec.cell];
  const parts: Array<[string, { shape: number[]; data: Float32Array }]> = [['embedding', spec.embedding]];
  spec.layers.forEach((layer, l) =>
    layer.directions.forEach((dir, d) => {
      parts.push([`layer${l}.${d}.kernel`, stackGates(dir, gates, 'input')]);
      parts.push([`layer${l}.${d}.recurrent`, stackGates(dir, gates, 'recurrent')]);
      parts.push([`layer${l}.${d}.bias`, stackGates(dir, gates, 'bias')]);
    }),
  );
  parts.push(['output.kernel', spec.output.kernel], ['output.bias', spec.output.bias]);
  const weights = new Float32Array(parts.reduce((n, [, t]) => n + t.data.length, 0));
  const tensors: Record<string, BlobEntry> = {};
  let offset = 0;
  for (const [name, t] of parts) {
    weights.set(t.data, offset);
    tensors[name] = { offset, shape: t.shape };
    offset += t.data.length;
  }
  const model: PageModel = {
    task: spec.task,
    cell: spec.cell,
    gates,
    units: spec.units,
    layers: spec.layers.length,
    embeddingSize: spec.embeddingSize,
    bidirectional: spec.bidirectional,
    pooling: spec.pooling,
    chars: spec.vocabulary.chars,
    unknownId: spec.vocabulary.unknownId,
    labels: spec.labels,
    maxLen: spec.maxLen,
    startChar: spec.startChar,
    step: spec.step,
    tensors,
  };
  return { model, weights };
}

type SampleDraw = (logits: Float32Array, opts: { temperature: number; topK: number; topP: number }, rng: Rng, banned?: number) => number;

export interface GenerateOptions {
  prime?: string;
  length?: number;
  temperature?: number;
  topK?: number;
  topP?: number;
  /** 0 … 2³² − 1; left out, the page picks one. */
  seed?: number | null;
}

export interface PageApi {
  task: Task;
  labels: string[] | null;
  generate(opts?: GenerateOptions): string;
  classify(text: string): { label: string; probabilities: number[] };
}

/**
 * The page's model: the forward pass and the API. Inlined into the page by its source text, so it uses
 * nothing but its arguments (the studio's Rng class and pickNext function are passed in).
 */
export function createRuntime(model: PageModel, blob: Float32Array, RngClass: typeof Rng, draw: SampleDraw): PageApi {
  const H = model.units;
  const G = model.gates.length;
  const D = model.bidirectional ? 2 : 1;
  const V = model.chars.length;
  const E = model.embeddingSize;
  const tensor = (name: string) => {
    const e = model.tensors[name];
    return blob.subarray(e.offset, e.offset + e.shape.reduce((a, b) => a * b, 1));
  };
  const embedding = tensor('embedding'); // [V, E]
  const layers = Array.from({ length: model.layers }, (_, l) =>
    Array.from({ length: D }, (_, d) => ({
      kernel: tensor(`layer${l}.${d}.kernel`), // [In, G·H]
      recurrent: tensor(`layer${l}.${d}.recurrent`), // [H, G·H]
      bias: tensor(`layer${l}.${d}.bias`), // [G·H]
    })),
  );
  const outKernel = tensor('output.kernel'); // [D·H, O]
  const outBias = tensor('output.bias'); // [O]
  const index = new Map<string, number>();
  model.chars.forEach((c, i) => {
    if (c !== '') index.set(c, i);
  });
  const banned = model.chars.indexOf(''); // the studio never generates the unknown symbol
  const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

  /** x [rows] · M[:, from, to) of a row-major [rows, cols] M → float32 [to − from] (+ bias, rounded after). */
  function times(x: Float32Array, M: Float32Array, cols: number, from: number, to: number, bias: Float32Array | null): Float32Array {
    const n = to - from;
    const sum = new Float64Array(n);
    for (let r = 0; r < x.length; r++) {
      const xr = x[r];
      if (xr === 0) continue;
      const base = r * cols + from;
      for (let j = 0; j < n; j++) sum[j] += xr * M[base + j];
    }
    const out = new Float32Array(n);
    out.set(sum); // rounded to float32, as the studio's product is
    if (bias) for (let j = 0; j < n; j++) out[j] += bias[j];
    return out;
  }

  /** One step of one direction: xw = x·W + b [G·H]; h [H] and c [H] are updated in place (float32). */
  function step(dir: { recurrent: Float32Array }, xw: Float32Array, h: Float32Array, c: Float32Array): void {
    const U = dir.recurrent;
    if (model.cell === 'lstm') {
      const rec = times(h, U, G * H, 0, G * H, null);
      for (let j = 0; j < H; j++) {
        const i = sigmoid(xw[j] + rec[j]);
        const f = sigmoid(xw[H + j] + rec[H + j]);
        const g = Math.tanh(xw[2 * H + j] + rec[2 * H + j]);
        const o = sigmoid(xw[3 * H + j] + rec[3 * H + j]);
        c[j] = f * c[j] + i * g;
        h[j] = o * Math.tanh(c[j]);
      }
    } else if (model.cell === 'gru') {
      // Reset before the recurrent product: h̃ = tanh(x·W_h + (r·h)·U_h + b_h).
      const rec = times(h, U, G * H, 0, 2 * H, null);
      const z = new Float32Array(H);
      const rh = new Float32Array(H);
      for (let j = 0; j < H; j++) {
        z[j] = sigmoid(xw[j] + rec[j]);
        rh[j] = sigmoid(xw[H + j] + rec[H + j]) * h[j];
      }
      const candidate = times(rh, U, G * H, 2 * H, 3 * H, null);
      for (let j = 0; j < H; j++) h[j] = z[j] * h[j] + (1 - z[j]) * Math.tanh(xw[2 * H + j] + candidate[j]);
    } else {
      const rec = times(h, U, H, 0, H, null);
      for (let j = 0; j < H; j++) h[j] = Math.tanh(xw[j] + rec[j]);
    }
  }

  const embed = (id: number) => embedding.subarray(id * E, (id + 1) * E);

  function softmax(logits: Float32Array): number[] {
    let max = -Infinity;
    for (const v of logits) max = Math.max(max, v);
    const e = Array.from(logits, (v) => Math.exp(v - max));
    const total = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / total);
  }

  function generate(opts: GenerateOptions = {}): string {
    if (model.task !== 'generate') throw new Error('this model is a classifier: use classify(text)');
    const prime = opts.prime ?? '';
    const length = opts.length ?? 500;
    const temperature = opts.temperature ?? 1;
    const topK = opts.topK ?? 0;
    const topP = opts.topP ?? 1;
    const seed = opts.seed ?? Math.floor(Math.random() * 4294967296) >>> 0;
    if (typeof prime !== 'string') throw new Error('prime must be a string');
    if (!Number.isInteger(length) || length < 1 || length > 100000) throw new Error('length must be a whole number from 1 to 100000');
    if (!(temperature > 0 && temperature <= 10)) throw new Error('temperature must be above 0 and at most 10');
    if (!Number.isInteger(topK) || topK < 0) throw new Error('topK must be a whole number, 0 for no limit');
    if (!(topP > 0 && topP <= 1)) throw new Error('topP must be above 0 and at most 1');
    if (!Number.isInteger(seed) || seed < 0 || seed > 4294967295) throw new Error('seed must be a whole number from 0 to 4294967295');
    const idOf = (c: string) => index.get(c) ?? (model.unknownId ?? -1);
    const primeChars = [...prime];
    const unknown = [...new Set(primeChars.filter((c) => idOf(c) < 0))];
    if (unknown.length > 0) throw new Error(`the prime contains characters this model never saw: ${unknown.slice(0, 10).map((c) => JSON.stringify(c)).join(' ')}`);
    const feedIds = primeChars.length > 0 ? primeChars.map(idOf) : [idOf(model.startChar)];
    const h = layers.map(() => new Float32Array(H));
    const c = layers.map(() => new Float32Array(H));
    const feed = (id: number): Float32Array => {
      let x: Float32Array = embed(id);
      layers.forEach(([dir], l) => {
        step(dir, times(x, dir.kernel, G * H, 0, G * H, dir.bias), h[l], c[l]);
        x = h[l];
      });
      return times(x, outKernel, V, 0, V, outBias); // logits [V]
    };
    const rng = new RngClass(seed);
    let logits: Float32Array = new Float32Array(0);
    for (const id of feedIds) logits = feed(id);
    let text = prime;
    for (let i = 0; i < length; i++) {
      const id = draw(logits, { temperature, topK, topP }, rng, banned);
      text += model.chars[id] === '' ? '\uFFFD' : model.chars[id];
      if (i + 1 < length) logits = feed(id);
    }
    return text;
  }

  function classify(text: string): { label: string; probabilities: number[] } {
    if (model.task !== 'classify') throw new Error('this model generates text: use generate({ prime, length, … })');
    if (typeof text !== 'string') throw new Error('classify takes a string');
    // Code points; a character the model never saw is read as the unknown symbol, or left out.
    let ids: number[] = [];
    for (const ch of text) {
      const id = index.get(ch) ?? model.unknownId;
      if (id !== null) ids.push(id);
    }
    ids = ids.slice(0, model.maxLen ?? ids.length);
    const T = ids.length;
    // seq[t]: the layer's input at step t, then its outputs [D·H] (forward first).
    let seq: Float32Array[] = ids.map((id) => embed(id) as Float32Array);
    for (const layer of layers) {
      const next = seq.map(() => new Float32Array(D * H));
      layer.forEach((dir, d) => {
        const h = new Float32Array(H);
        const c = new Float32Array(H);
        for (let k = 0; k < T; k++) {
          const t = d === 0 ? k : T - 1 - k;
          step(dir, times(seq[t], dir.kernel, G * H, 0, G * H, dir.bias), h, c);
          next[t].set(h, d * H);
        }
      });
      seq = next;
    }
    const pooled = new Float32Array(D * H);
    if (model.pooling === 'last') {
      // Forward: the state after the last character; backward: after reading back to the first.
      if (T > 0) {
        pooled.set(seq[T - 1].subarray(0, H));
        if (D === 2) pooled.set(seq[0].subarray(H), H);
      }
    } else if (model.pooling === 'mean') {
      for (let j = 0; j < D * H; j++) {
        let s = 0;
        for (let t = 0; t < T; t++) s += seq[t][j];
        pooled[j] = s / Math.max(T, 1);
      }
    } else {
      for (let j = 0; j < D * H; j++) {
        let m = -1e9; // an empty text pools to the studio's padding score
        for (let t = 0; t < T; t++) m = Math.max(m, seq[t][j]);
        pooled[j] = m;
      }
    }
    const labels = model.labels ?? [];
    const probabilities = softmax(times(pooled, outKernel, labels.length, 0, labels.length, outBias));
    let best = 0;
    probabilities.forEach((p, i) => {
      if (p > probabilities[best]) best = i;
    });
    return { label: labels[best], probabilities };
  }

  return { task: model.task, labels: model.labels, generate, classify };
}

/** The page's controls: a form to generate, or a text box with one bar per class. No innerHTML. */
export function mountPage(api: PageApi, model: PageModel, doc: Document): void {
  const el = <K extends keyof HTMLElementTagNameMap>(tag: K, props: Record<string, string> = {}, ...children: Array<Node | string>) => {
    const node = doc.createElement(tag);
    for (const [k, v] of Object.entries(props)) node.setAttribute(k, v);
    node.append(...children);
    return node;
  };
  const main = doc.querySelector('main')!;
  const error = el('p', { class: 'error', role: 'alert' });
  if (api.task === 'generate') {
    const field = (label: string, input: HTMLElement) => el('label', {}, label, input);
    const prime = el('textarea', { name: 'prime', rows: '2', placeholder: 'Text to start from (optional)' });
    const length = el('input', { name: 'length', type: 'number', min: '1', max: '100000', value: '300' });
    const temperature = el('input', { name: 'temperature', type: 'number', min: '0.05', max: '10', step: '0.05', value: '1' });
    const topK = el('input', { name: 'topK', type: 'number', min: '0', value: '0', title: '0 = no limit; 1 = always the most likely character' });
    const seed = el('input', { name: 'seed', type: 'number', min: '0', max: '4294967295', placeholder: 'random' });
    const button = el('button', { type: 'submit' }, 'Generate');
    const output = el('pre', { class: 'output', 'aria-live': 'polite' });
    const used = el('p', { class: 'note' });
    const form = el('form', {}, field('Prime', prime), el('div', { class: 'row' }, field('Length', length), field('Temperature', temperature), field('Top-k', topK), field('Seed', seed)), button);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      error.textContent = '';
      try {
        const chosen = seed.value === '' ? Math.floor(Math.random() * 4294967296) >>> 0 : Number(seed.value);
        output.textContent = api.generate({ prime: prime.value, length: Number(length.value), temperature: Number(temperature.value), topK: Number(topK.value), seed: chosen });
        used.textContent = `Seed ${chosen}: the same seed and settings give the same text here and in RNN Studio.`;
      } catch (e) {
        error.textContent = (e as Error).message;
      }
    });
    main.append(form, error, output, used);
  } else {
    const input = el('textarea', { name: 'text', rows: '3', placeholder: 'Type something to classify' });
    const answer = el('p', { class: 'answer', 'aria-live': 'polite' });
    const bars = el('div', { class: 'bars' });
    const rows = (api.labels ?? []).map((label) => {
      const fill = el('span', { class: 'fill' });
      const value = el('span', { class: 'value' });
      const meter = el('span', { class: 'meter', role: 'meter', 'aria-label': label, 'aria-valuemin': '0', 'aria-valuemax': '100' }, fill);
      bars.append(el('span', { class: 'label' }, label), meter, value);
      return { fill, value, meter };
    });
    const update = () => {
      error.textContent = '';
      try {
        const { label, probabilities } = api.classify(input.value);
        answer.textContent = `${label} (${(100 * Math.max(...probabilities)).toFixed(1)}%)`;
        probabilities.forEach((p, i) => {
          rows[i].fill.style.width = `${(100 * p).toFixed(2)}%`;
          rows[i].value.textContent = `${(100 * p).toFixed(1)}%`;
          rows[i].meter.setAttribute('aria-valuenow', (100 * p).toFixed(1));
        });
      } catch (e) {
        error.textContent = (e as Error).message;
      }
    };
    input.addEventListener('input', update);
    main.append(el('label', {}, 'Text', input), answer, bars, error);
    update();
  }
  const shape = `${model.layers}×${model.units} ${model.cell.toUpperCase()}${model.bidirectional ? ', bidirectional' : ''}`;
  main.append(el('p', { class: 'note' }, `${shape}, trained ${model.step} steps. Runs in this page alone: nothing is sent anywhere.`));
}

const STYLE = `
body { font: 15px/1.45 system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; color: #1d2330; }
h1 { font-size: 1.3rem; } label { display: block; margin: 0.5rem 0; font-weight: 600; }
textarea, input { display: block; width: 100%; box-sizing: border-box; font: inherit; padding: 0.3rem; margin-top: 0.2rem; }
.row { display: grid; grid-template-columns: repeat(4, 1fr); gap: 0.75rem; }
button { font: inherit; padding: 0.4rem 1.2rem; margin-top: 0.5rem; cursor: pointer; }
.output { white-space: pre-wrap; background: #f4f5f8; padding: 0.8rem; min-height: 3rem; border-radius: 4px; }
.error { color: #b00020; } .note { color: #5a6275; font-size: 0.85rem; } .answer { font-size: 1.1rem; font-weight: 600; }
.bars { display: grid; grid-template-columns: max-content 1fr 4rem; gap: 0.35rem 0.75rem; align-items: center; }
.meter { display: block; height: 1rem; background: #e4e7ee; border-radius: 3px; overflow: hidden; }
.fill { display: block; height: 100%; width: 0; background: #3b6fd8; } .value { text-align: right; font-variant-numeric: tabular-nums; }
`;

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** JSON safe inside a <script> data block: `<` escaped, so no `</script>` can end it. */
const scriptSafeJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

const escapeHtml = (text: string) => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The page's one script: the studio's Rng and pickNext and this module's createRuntime and mountPage, by
 * their source text (`__name` is the helper a TypeScript transpiler may leave in it, made harmless).
 */
export function pageScript(): string {
  return [
    "'use strict';",
    '(() => {',
    'const __name = (target) => target;',
    `const Rng = (${Rng.toString()});`,
    `const pickNext = (${pickNext.toString()});`,
    `const createRuntime = (${createRuntime.toString()});`,
    `const mountPage = (${mountPage.toString()});`,
    "const model = JSON.parse(document.getElementById('rnn-studio-model').textContent);",
    "const bytes = Uint8Array.from(atob(document.getElementById('rnn-studio-weights').textContent.trim()), (c) => c.charCodeAt(0));",
    // The blob is little-endian float32, read as such on any machine.
    'const view = new DataView(bytes.buffer);',
    'const weights = new Float32Array(bytes.length / 4);',
    'for (let i = 0; i < weights.length; i++) weights[i] = view.getFloat32(4 * i, true);',
    'const api = Object.freeze(createRuntime(model, weights, Rng, pickNext));',
    "Object.defineProperty(window, 'rnnStudio', { value: api, enumerable: true });",
    "if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => mountPage(api, model, document));",
    'else mountPage(api, model, document);',
    '})();',
  ].join('\n');
}

/** The spec → `model.html`. */
export function htmlFiles(spec: ModelSpec): ExportFile[] {
  const { model, weights } = pageModel(spec);
  const le = new Uint8Array(weights.length * 4);
  const view = new DataView(le.buffer);
  weights.forEach((w, i) => view.setFloat32(4 * i, w, true));
  const script = pageScript();
  if (/<\/script/i.test(script)) throw new Error('the page script contains </script>');
  const kind = spec.task === 'generate' ? 'text generator' : 'classifier';
  const title = `${spec.cell.toUpperCase()} ${kind} · RNN Studio`;
  // No network at all (default-src 'none'); only this page's own script and style run.
  const csp = `default-src 'none'; script-src ${sha256(script)}; style-src ${sha256(STYLE)}; img-src data:; base-uri 'none'; form-action 'none'`;
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="RNN Studio">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main><h1>${escapeHtml(title)}</h1></main>
<script type="application/json" id="rnn-studio-model">${scriptSafeJson(model)}</script>
<script type="application/octet-stream" id="rnn-studio-weights">${Buffer.from(le).toString('base64')}</script>
<script>${script}</script>
</body>
</html>
`;
  return [{ name: HTML_FILE, data: new TextEncoder().encode(html) }];
}
