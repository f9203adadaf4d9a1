// Bootstraps an engine worker thread: registers tsx's TypeScript loader in this thread, then loads it.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
