// jsdom has no canvas: this installs a 2D context that keeps what is set on it and records every text drawn
// (with its colour), so the renderer tests draw real Chart.js charts and check their axis titles and
// legends. One copy for every test file that draws a chart.

/** Every text drawn since the list was last emptied (`drawn.length = 0`), with the colour it was drawn in. */
export const drawn: Array<{ text: string; colour: string }> = [];

function recordingContext(canvas: HTMLCanvasElement): CanvasRenderingContext2D {
  const state: Record<string | symbol, unknown> = {
    canvas,
    fillStyle: '#000',
    measureText: (text: string) => ({ width: 6 * String(text).length, actualBoundingBoxAscent: 8, actualBoundingBoxDescent: 2 }),
    getLineDash: () => [],
    createLinearGradient: () => ({ addColorStop: () => {} }),
    fillText(text: string) {
      drawn.push({ text: String(text), colour: String(state.fillStyle) });
    },
  };
  return new Proxy(state, {
    // Any other method does nothing; `length` and indices stay undefined, or Chart.js would take it for a list.
    get: (t, k) => (k in t ? t[k] : typeof k === 'string' && k !== 'length' && !/^\d+$/.test(k) ? () => undefined : undefined),
    set: (t, k, v) => ((t[k] = v), true),
  }) as unknown as CanvasRenderingContext2D;
}

const contexts = new WeakMap<HTMLCanvasElement, CanvasRenderingContext2D>();
HTMLCanvasElement.prototype.getContext = function (this: HTMLCanvasElement) {
  if (!contexts.has(this)) contexts.set(this, recordingContext(this));
  return contexts.get(this)!;
} as unknown as HTMLCanvasElement['getContext'];
// A laid-out size, so that Chart.js lays out and draws (jsdom lays nothing out).
HTMLElement.prototype.getBoundingClientRect = () => ({ x: 0, y: 0, left: 0, top: 0, right: 600, bottom: 260, width: 600, height: 260, toJSON: () => ({}) });
globalThis.ResizeObserver ??= class {
  observe() {}
  unobserve() {}
  disconnect() {}
} as unknown as typeof ResizeObserver;
