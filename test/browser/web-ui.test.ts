import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { freePort } from '../../src/dev/ports';
import { runLocalStack } from '../../src/dev/stack';
import { eventually } from '../support/stack';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const haveChromium = fs.existsSync(CHROMIUM);
const mustRun = process.env.CI === 'true';

// Flags that keep Chromium off the network it cannot reach here and out of root's sandbox trouble.
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

if (!haveChromium && !mustRun) {
  // eslint-disable-next-line no-console
  console.warn(`browser test skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
}

(haveChromium || mustRun ? describe : describe.skip)('the Temporal Web UI of a running stack', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lipsync-ui-'));
  let stop: () => void = () => undefined;
  let stack: Promise<void> | undefined;
  let browser: Browser | undefined;
  const lines: string[] = [];

  afterAll(async () => {
    await browser?.close();
    stop();
    await stack;
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('shows the demo renders, filterable by LipsyncStatus', async () => {
    if (!haveChromium) throw new Error(`CI=true requires Chromium at ${CHROMIUM} (.ci/run installs it)`);
    const uiPort = await freePort();
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      LIPSYNC_DATA_DIR: dataDir,
      LIPSYNC_DEV_TEMPORAL_PORT: String(await freePort()),
      LIPSYNC_DEV_UI_PORT: String(uiPort),
      WEBHOOK_PORT: String(await freePort()),
      LIPSYNC_DEV_SANDBOX_PORT: String(await freePort()),
      LIPSYNC_DEV_WORKER_METRICS_PORT: String(await freePort()),
      LIPSYNC_DEV_WEBHOOK_METRICS_PORT: String(await freePort()),
      // The bundle the global setup built: no second webpack run on a busy machine.
      WORKFLOW_BUNDLE_PATH: process.env.TEST_WORKFLOW_BUNDLE,
    };
    stack = runLocalStack({ demo: true, env, say: (line) => lines.push(line), until: new Promise<void>((resolve) => (stop = resolve)) });
    await eventually(async () => lines.some((l) => l.startsWith('demo: 3/3 renders done')), 120_000, `the demo (${lines.join('\n')})`);
    const doneIds = lines.flatMap((l) => /^demo: ([0-9a-f-]{36}) done →/.exec(l)?.[1] ?? []);
    expect(doneIds).toHaveLength(3);

    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    const page = await browser.newPage();
    const list = (query: string) =>
      page.goto(`http://127.0.0.1:${uiPort}/namespaces/default/workflows?query=${encodeURIComponent(query)}`);

    await list('LipsyncStatus="done"');
    for (const id of doneIds) {
      await page.getByText(`lipsync-render-${id}`).first().waitFor({ timeout: 30_000 });
    }
    await page.getByText(`${doneIds.length} Workflows`).first().waitFor({ timeout: 30_000 });

    // The same workflows are absent under another status: the filter really filters.
    await list('LipsyncStatus="failed"');
    await page.getByText('No Results').first().waitFor({ timeout: 30_000 });
    expect(await page.getByText(`lipsync-render-${doneIds[0]}`).count()).toBe(0);

    // The workflow page tells the story: its search attribute and the tracker's details.
    await page.goto(`http://127.0.0.1:${uiPort}/namespaces/default/workflows/lipsync-render-${doneIds[0]}`);
    await page.getByText('LipsyncStatus').first().waitFor({ timeout: 30_000 });
  }, 180_000);
});
