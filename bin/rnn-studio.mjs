#!/usr/bin/env node
// Entry point of the `rnn-studio` command. The sources are TypeScript run through tsx's loader, so a
// checkout works right after `npm install` with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../main/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
