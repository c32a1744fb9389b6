#!/usr/bin/env node
// Makes docs/dashboard.png, the README's picture of the emulator's dashboard after the demo:
// runs `examples/demo/demo.mjs --serve` (300 visitors, on the built packages), opens the dashboard
// URL it prints in headless Chromium (playwright-core, CHROMIUM_PATH or /usr/bin/chromium), and
// takes a screenshot of the page's top. Run it after `npm run build`:
//
//   node scripts/dashboard-screenshot.mjs [out.png]
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = process.argv[2] ?? `${root}docs/dashboard.png`;
const demo = spawn(process.execPath, [`${root}examples/demo/demo.mjs`, '--serve', '--port', '0', '--no-latency'], {
  env: { ...process.env, NO_COLOR: '1' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
try {
  const dashboard = await new Promise((resolve, reject) => {
    let stdout = '';
    demo.stdout.on('data', (chunk) => {
      stdout += chunk;
      const url = /dashboard +(http:\/\/\S+\/)/.exec(stdout)?.[1];
      if (url) resolve(url);
    });
    demo.once('exit', (code) => reject(new Error(`the demo exited (${code}) before printing the dashboard URL:\n${stdout}`)));
  });
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
    await page.goto(dashboard);
    await page.getByText('Live', { exact: true }).waitFor();
    await page.waitForFunction(() => document.getElementById('total-views')?.textContent !== '0');
    await page.screenshot({ path: out });
    console.log(`wrote ${out}`);
  } finally {
    await browser.close();
  }
} finally {
  demo.kill('SIGINT');
}
