// Whether a script was run directly (`node scripts/x.mjs`) rather than imported. Compares real paths:
// comparing import.meta.url with a "file://" + argv[1] string fails for paths with spaces (URL-escaped),
// on Windows, and through symbolic links — and the script would then silently do nothing.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function isMain(moduleUrl) {
  if (!process.argv[1]) return false;
  try {
    return realpathSync(fileURLToPath(moduleUrl)) === realpathSync(process.argv[1]);
  } catch {
    return false;
  }
}
