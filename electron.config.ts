// electron-builder's configuration, used by `npm run dist` (scripts/dist.mjs). Packaging downloads
// Electron, so it runs only on a networked machine; test/electron.test.ts type-checks and loads this.
import type { Configuration } from 'electron-builder';

const config: Configuration = {
  appId: 'org.rnnstudio.desktop',
  productName: 'RNN Studio',
  copyright: 'RNN Studio contributors',
  directories: { output: 'dist', buildResources: 'resources' },
  // The built app (scripts/build.mjs), the bundled corpora and icons; production dependencies are
  // added by electron-builder itself.
  // The engine's native kernels are Node-API, so the build `npm install` made serves Electron as is
  // (scripts/build.mjs copies it to out/native/).
  files: ['out/renderer/**', 'out/electron/**', 'out/native/better_sqlite3.node', 'out/native/rnn_kernels.node', 'resources/**', 'package.json', '!**/*.map'],
  extraMetadata: { main: 'out/electron/main.mjs' },
  asar: true,
  // Native code and wasm binaries must be real files on disk: unpack them from the asar archive.
  asarUnpack: ['out/native/**', '**/node_modules/better-sqlite3/**', '**/node_modules/@tensorflow/**'],
  // better-sqlite3 for Electron is built apart (scripts/electron-sqlite.mjs), never in node_modules.
  npmRebuild: false,
  linux: { target: ['AppImage', 'deb'], category: 'Education', icon: 'resources/icons', synopsis: 'Train recurrent neural networks on your own text' },
  deb: { depends: ['libnss3', 'libgtk-3-0'] },
  win: { target: ['nsis'], icon: 'resources/icon.png' },
  nsis: { oneClick: false, allowToChangeInstallationDirectory: true },
  mac: { target: ['dmg'], category: 'public.app-category.education', icon: 'resources/icon.png' },
};

export default config;
