// The data home: one folder with the SQLite database and every artifact (corpora, checkpoints).
// Default: the folder Electron's app.getPath('userData') gives an app named "rnn-studio".
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export function defaultHome(platform = process.platform, env = process.env): string {
  const name = 'rnn-studio';
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), name);
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', name);
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), name);
}

/** --home DIR, else RNN_STUDIO_HOME, else the default. */
export function resolveHome(flag?: string, env = process.env): string {
  return resolve(flag || env.RNN_STUDIO_HOME || defaultHome(process.platform, env));
}

export const homePaths = (home: string) => ({
  database: join(home, 'rnn-studio.sqlite'),
  datasets: join(home, 'datasets'),
  runs: join(home, 'runs'),
  runCheckpoints: (runId: number) => join(home, 'runs', String(runId), 'checkpoints'),
  runDir: (runId: number) => join(home, 'runs', String(runId)),
});
