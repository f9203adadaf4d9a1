// What the end-to-end files share: a data folder of their own with the CLI on it, `rnn-studio serve` on
// 127.0.0.1, Debian's Chromium opening the page it announces (every page error fails the test), and
// waiting for what the page should come to show — all closed and removed after the file's tests.
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CLI, ROOT, tempDir } from '../helpers.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Polls `check` until it holds, or fails naming what it waited for. */
export async function until(what: string, check: () => Promise<boolean>, seconds = 60): Promise<void> {
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`timed out waiting for ${what}`);
}

const CORPUS = join(ROOT, 'resources', 'corpora', 'state-of-the-union.txt');
const NAMES = join(ROOT, 'resources', 'corpora', 'first-names.csv');

/** Opens a screen by its shortcut (Alt+1…6), as a keyboard user does, and waits until it is the current one. */
export async function go(page: Page, key: number, label: string): Promise<void> {
  await page.keyboard.press(`Alt+${key}`);
  await page.getByRole('navigation', { name: 'Screens' }).locator('button[aria-current=page]', { hasText: label }).waitFor();
}

/** A data folder, the CLI and the served studio for one test file; cleaned up after it. */
export function servedStudio() {
  const dir = tempDir();
  const home = join(dir.path, 'home');
  let browser: Browser | null = null;
  let server: ChildProcess | null = null;
  after(async () => {
    await browser?.close();
    if (server && server.exitCode === null) server.kill('SIGKILL');
    dir.cleanup();
  });
  return {
    dir,
    home,
    /** `rnn-studio --home <home> …`, which must succeed. */
    cli(args: string[]): void {
      const r = spawnSync(process.execPath, [CLI, '--home', home, ...args], { encoding: 'utf8' });
      assert.equal(r.status, 0, `rnn-studio ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
    },
    /**
     * The content the screen-by-screen tests (the tour, axe) show, made with the CLI: a small corpus
     * "speeches" (dataset 1) and a generator on it (run 1), the first names "names" (dataset 2) and a
     * classifier (run 2), and a comparison of SimpleRNN and GRU (comparison 1: runs 3 and 4). Returns a
     * small labelled CSV to evaluate.
     */
    furnish(): { labelled: string } {
      const speeches = join(dir.path, 'speeches.txt');
      writeFileSync(speeches, readFileSync(CORPUS, 'utf8').slice(0, 40_000));
      this.cli(['import', speeches, '--name', 'speeches']);
      this.cli(['train', '1', '--layers', '1', '--units', '32', '--embedding', '16', '--seq-len', '32', '--batch', '16', '--max-steps', '80', '--checkpoint-every', '20', '--eval-every', '10', '--sample-every', '20', '--seed', '1']);
      this.cli(['import', NAMES, '--name', 'names']);
      this.cli(['train', '2', '--task', 'classify', '--layers', '1', '--units', '16', '--max-len', '12', '--max-steps', '60', '--eval-every', '10', '--seed', '1']);
      this.cli(['compare', '1', '--cells', 'rnn,gru', '--steps', '30', '--layers', '1', '--units', '16', '--embedding', '8', '--seq-len', '16', '--batch', '8', '--eval-every', '10', '--seed', '1']);
      const labelled = join(dir.path, 'some-names.csv');
      writeFileSync(labelled, readFileSync(NAMES, 'utf8').split('\n').filter((_, i) => i % 40 === 0 || i === 0).join('\n'));
      return { labelled };
    },
    /** Starts `rnn-studio serve`; resolves with its one announced line's URL. */
    serve(): Promise<string> {
      const child = spawn(process.execPath, [CLI, 'serve', '--home', home, '--no-open'], { stdio: ['ignore', 'pipe', 'pipe'] });
      server = child;
      return new Promise((resolve, reject) => {
        let out = '';
        child.stdout!.on('data', (d: Buffer) => {
          out += d;
          const m = out.match(/^RNN Studio at (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)\n/);
          if (m) resolve(m[1]);
        });
        child.on('exit', (code) => reject(new Error(`serve exited (${code}) before announcing itself: ${out}`)));
      });
    },
    /**
     * Headless Chromium on `url` at 1280×900; `bypassCSP` only for a test that must inject a script;
     * `locale` is the system language the page sees (navigator.languages).
     */
    async open(url: string, options: { bypassCSP?: boolean; locale?: string } = {}): Promise<Page> {
      assert.ok(existsSync(CHROMIUM), `Chromium is needed at ${CHROMIUM} (Debian: apt-get install -y chromium)`);
      browser ??= await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      });
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, ...options });
      page.on('pageerror', (err) => assert.fail(`page error: ${err.message}`));
      await page.goto(url);
      return page;
    },
  };
}
