// `npm run dist`: builds the app, the Electron-ABI better-sqlite3, then packages it with
// electron-builder using electron.config.ts. Needs network (Electron's zip and headers).
import { register } from 'tsx/esm/api';
import { buildAll } from './build.mjs';
import { buildElectronSqlite } from './electron-sqlite.mjs';

register();
const { default: config } = await import('../electron.config.ts');
await buildAll();
if (!buildElectronSqlite()) {
  console.error('better-sqlite3 could not be built for Electron: packaging needs network for Electron\'s headers.');
  process.exit(1);
}
const { build } = await import('electron-builder');
await build({ config, publish: 'never' });
