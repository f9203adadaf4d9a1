// App-wide state: which screen, what the core has (datasets, runs), the theme, and notices.
import type { AppInfo } from '../../../shared/api.ts';
import type { Dataset, RunSummary } from '../../../shared/types.ts';
import { api, connection, messageOf } from '../lib/api.ts';

export type Screen = 'lab' | 'datasets' | 'train' | 'sample' | 'classify' | 'inspect' | 'runs';
export type Theme = 'system' | 'light' | 'dark';

class AppState {
  screen = $state<Screen>('datasets');
  info = $state<AppInfo | null>(null);
  datasets = $state<Dataset[]>([]);
  runs = $state<RunSummary[]>([]);
  loaded = $state(false);
  connected = $state(true);
  /** The dataset the Train screen trains on and the Datasets screen shows. */
  selectedDatasetId = $state<number | null>(null);
  /** The run the Sample screen samples from (and Classify and Inspect start from). */
  selectedRunId = $state<number | null>(null);
  theme = $state<Theme>((globalThis.localStorage?.getItem('rnn-studio-theme') as Theme | null) ?? 'system');
  loadError = $state<string | null>(null);

  selectedDataset = $derived(this.datasets.find((d) => d.id === this.selectedDatasetId) ?? null);

  constructor() {
    connection.listeners.add((up) => {
      this.connected = up;
      if (up) void this.refresh();
    });
  }

  async refresh(): Promise<void> {
    try {
      const [info, datasets, runs] = await Promise.all([api.invoke('app:info', {}), api.invoke('datasets:list', {}), api.invoke('runs:list', {})]);
      this.info = info;
      this.datasets = datasets;
      this.runs = runs.slice().reverse();
      if (this.selectedDatasetId === null && datasets.length) this.selectedDatasetId = datasets[datasets.length - 1].id;
      if (this.selectedRunId === null && runs.length) this.selectedRunId = runs[runs.length - 1].id;
      this.loadError = null;
    } catch (err) {
      this.loadError = messageOf(err);
    } finally {
      this.loaded = true;
    }
  }

  setTheme(theme: Theme): void {
    this.theme = theme;
    globalThis.localStorage?.setItem('rnn-studio-theme', theme);
  }
}

export const app = new AppState();
