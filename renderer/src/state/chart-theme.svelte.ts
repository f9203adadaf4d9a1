// Chart colours follow the theme in force (the app's choice, or the system's): text, grid and legend are
// read from styles.css's variables into Chart.js's defaults, so every chart — ours or another screen's —
// takes them, and series colours written as var(--series-N) are resolved against the same variables.
import { Chart } from 'chart.js';

/** styles.css defines --series-1 … --series-8 for each theme. */
const SERIES_COLOURS = 8;

/** The n-th colour of the series palette (wrapping round), as a CSS value LossChart resolves. */
export const seriesColour = (n: number): string => `var(--series-${(n % SERIES_COLOURS) + 1})`;

class ChartTheme {
  /** Bumped whenever the theme may have changed: charts rebuild their series colours then. */
  version = $state(0);

  constructor() {
    if (typeof document === 'undefined') return;
    // The app's choice lands on <html data-theme>; the system's arrives as a media-query change.
    new MutationObserver(() => this.refresh()).observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
    globalThis.matchMedia?.('(prefers-color-scheme: dark)').addEventListener('change', () => this.refresh());
  }

  /** A CSS colour as the canvas needs it: var(--name) is looked up in the theme in force. */
  resolve(colour: string): string {
    const name = /^var\((--[\w-]+)\)$/.exec(colour)?.[1];
    if (!name || typeof document === 'undefined') return colour;
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || colour;
  }

  /** Re-reads the variables into Chart.js's defaults and redraws every chart with them. */
  refresh(): void {
    const text = this.resolve('var(--fg)');
    const grid = this.resolve('var(--border)');
    // Without the stylesheet (a test DOM) the variables are unset: Chart.js keeps its own.
    if (!text.startsWith('var(')) Chart.defaults.color = text;
    if (!grid.startsWith('var(')) Chart.defaults.borderColor = grid;
    const font = typeof document !== 'undefined' && document.body ? getComputedStyle(document.body).fontFamily : '';
    if (font) Chart.defaults.font.family = font;
    this.version++;
    for (const chart of Object.values(Chart.instances)) chart.update('none');
  }
}

export const chartTheme = new ChartTheme();
