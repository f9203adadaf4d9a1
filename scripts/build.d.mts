/** Builds the renderer (Vite) and the Electron main, preload and engine worker (esbuild) into out/. */
export function buildAll(options?: { quiet?: boolean }): Promise<void>;
