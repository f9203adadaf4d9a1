// Where the built renderer lives, and building it when a checkout has not yet.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const RENDERER_DIR = fileURLToPath(new URL('../../out/renderer/', import.meta.url));

/** Builds the renderer with Vite (quietly) unless it is already built; `force` rebuilds. */
export async function ensureRendererBuilt(force = false): Promise<string> {
  if (!force && existsSync(`${RENDERER_DIR}index.html`)) return RENDERER_DIR;
  let vite: typeof import('vite');
  try {
    vite = await import('vite');
  } catch {
    throw new Error(`the studio's page is not built (${RENDERER_DIR}) and Vite is not installed to build it: run npm install`);
  }
  await vite.build({ configFile: `${ROOT}vite.config.ts`, logLevel: 'error' });
  return RENDERER_DIR;
}
