// What both browser tests share: launching headless Chromium on a throwaway profile with
// no background networking, and finishing a run (browser closed or killed, profile removed,
// one JSON result line printed, exit code 0 or 1).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import puppeteer from 'puppeteer-core';

/** A run that reports into `result` and fails on anything collected in `problems`. */
export function browserRun(result, problems) {
  let browser = null;
  let profileDir = null;
  let finished = false;

  async function launch(chromium) {
    profileDir = mkdtempSync(path.join(tmpdir(), 'cleanspace-e2e-'));
    browser = await puppeteer.launch({
      executablePath: chromium,
      headless: true,
      defaultViewport: { width: 1280, height: 900 },
      args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
        '--user-data-dir=' + profileDir],
    });
    return browser;
  }

  async function finish(ok, error) {
    if (finished) return;
    finished = true;
    if (browser) {
      const proc = browser.process();
      await Promise.race([browser.close().catch(() => {}), new Promise((r) => setTimeout(r, 3000))]);
      if (proc && proc.exitCode === null) proc.kill('SIGKILL');
    }
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
    result.ok = ok;
    if (problems.length) result.problems = problems;
    if (error) {
      result.error = error;
      process.stderr.write('FAIL: ' + error + '\n');
    }
    process.stdout.write(JSON.stringify(result) + '\n');
    process.exit(ok ? 0 : 1);
  }

  return { launch, finish };
}
