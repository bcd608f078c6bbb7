import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { startVitest } from 'vitest/node';
import { clopperPearson } from '../stats/index.js';
import { summarizeLatency } from '../stats/latency.js';
import { HtmlReporter, renderHtmlReport } from './html.js';
import type { ReportedModule, ReportedTest } from './run-model.js';
import type { RunReport, TrafficReport } from './types.js';

const CHROMIUM = process.env.MESHSPEC_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

function share(key: string, count: number, n: number, expected: number) {
  return { key, count, observed: count / n, expected, interval: clopperPearson(count, n, 0.9999) };
}

const latencies = [...Array.from({ length: 90 }, (_, i) => 3000 + i), ...Array.from({ length: 90 }, (_, i) => 3 + (i % 20))];
const canary: TrafficReport = {
  from: 'client',
  to: 'http://reviews:9080/',
  n: 180,
  durationMs: 9_400,
  statuses: { 200: 180 },
  latency: summarizeLatency(latencies.map((latencyMs) => ({ latencyMs }))),
  outcomes: [
    {
      matcher: 'toSplitTraffic',
      pass: false,
      hypothesis: 'shares by version are v1 75%, v2 25%',
      shares: [share('v1', 108, 180, 0.75), share('v2', 72, 180, 0.25)],
      pValue: 3e-6,
      detail: 'v1 is 60% of 180, expected 75%',
    },
    { matcher: 'toReach', pass: true, detail: 'all 180 requests reached their destination' },
  ],
};

const fixture: RunReport = {
  title: 'meshspec <sim> report',
  generatedAt: '2026-11-22T03:00:00.000Z',
  scenarios: [
    {
      name: 'canary 75/25',
      file: 'specs/istio/canary.spec.yaml',
      verdict: 'failed',
      steps: [
        { name: 'apply virtualservice', verdict: 'passed', durationMs: 120, errors: [] },
        {
          name: 'traffic from client',
          verdict: 'failed',
          durationMs: 9_400,
          errors: ['expect(traffic).toSplitTraffic(expected)\n<v1 60%>'],
          diagnostics: ['diagnostics written to /a\n  pods:\n    client-1 Running'],
          report: { traffic: canary },
        },
        { name: 'timed out', verdict: 'failed', errors: ['timed out'] },
      ],
    },
    {
      name: 'sidecar injection',
      file: 'specs/istio/inject.spec.yaml',
      verdict: 'skipped',
      steps: [{ name: 'pods app=backend', verdict: 'skipped', errors: [] }],
    },
  ],
};

const dir = await mkdtemp(join(tmpdir(), 'meshspec-html-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('renderHtmlReport', () => {
  it('is one self-contained file: inline style and SVG, no script, no external reference', () => {
    const html = renderHtmlReport(fixture);
    expect(html).not.toMatch(/<script|<link|src=|@import|url\(/i);
    expect(html).toContain('<title>meshspec &lt;sim&gt; report</title>');
    expect(html).toContain('&lt;v1 60%&gt;');
    expect(html.match(/<svg class="chart shares"/g)).toHaveLength(1);
    expect(html.match(/<svg class="chart latency"/g)).toHaveLength(1);
    expect(html).toContain('2 failed');
    expect(html).toContain(
      '<pre class="error">expect(traffic).toSplitTraffic(expected)\n&lt;v1 60%&gt;</pre><pre class="diagnostics">diagnostics written to /a\n  pods:\n    client-1 Running</pre>',
    );
    expect(html.match(/class="diagnostics"/g)).toHaveLength(1);
  });
});

describe('HtmlReporter', () => {
  it('writes the report from Vitest modules, a describe per scenario and its tests as steps', async () => {
    const test = (name: string, state: 'passed' | 'failed', meta: object = {}, annotations: { type: string; message: string }[] = []): ReportedTest => ({
      type: 'test',
      name,
      result: () => ({ state, errors: state === 'failed' ? [{ message: '\u001b[31mboom\u001b[39m' }] : undefined }),
      meta: () => meta,
      annotations: () => annotations,
      diagnostic: () => ({ duration: 42 }),
    });
    const annotations = [
      { type: 'notice', message: 'not ours' },
      { type: 'diagnostics', message: 'diagnostics written to \u001b[2m/d\u001b[22m' },
    ];
    const steps = [test('apply', 'passed'), test('traffic from client', 'failed', { meshspec: { traffic: canary } }, annotations)];
    const module: ReportedModule = {
      relativeModuleId: 'specs/canary.spec.yaml',
      children: {
        array: () => [{ type: 'suite', name: 'canary', children: { array: () => steps, allTests: () => steps } }],
        allTests: () => steps,
      },
    };
    const outputFile = join(dir, 'nested', 'report.html');
    await new HtmlReporter({ outputFile }).onTestRunEnd([module] as never);
    const html = await readFile(outputFile, 'utf8');
    expect(html).toMatch(/<details class="scenario" open><summary><span class="badge failed">failed<\/span> canary/);
    expect(html).toContain('<pre class="error">boom</pre><pre class="diagnostics">diagnostics written to /d</pre>');
    expect(html).not.toContain('not ours');
    expect(html).toContain('<svg class="chart shares"');
  });

  it('fails the run with one line saying why when the report cannot be written', async () => {
    const blocker = join(dir, 'blocker');
    await writeFile(blocker, '');
    const outputFile = join(blocker, 'report.html');
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const exitCode = process.exitCode;
    try {
      await new HtmlReporter({ outputFile }).onTestRunEnd([]);
      expect(stderr.mock.calls).toEqual([
        [
          `meshspec: cannot write the report ${outputFile}: ENOTDIR, ${blocker} is a file, not a directory; move ${blocker} out of the way, or write it elsewhere (meshspec run --report-dir DIR, or --outputFile)\n`,
        ],
      ]);
      expect(process.exitCode).toBe(1);
    } finally {
      stderr.mockRestore();
      process.exitCode = exitCode;
    }
  });
});

describe('HtmlReporter in a real Vitest run', () => {
  it("is constructed by Vitest from its module path and options, and reads the steps' meta and diagnostics annotations", async () => {
    const root = join(dir, 'run');
    await mkdir(root, { recursive: true });
    await writeFile(
      join(root, 'canary.test.ts'),
      `import { describe, expect, it } from 'vitest';
describe('canary 75/25', () => {
  it('traffic from client', ({ task }) => {
    (task.meta as Record<string, unknown>).meshspec = ${JSON.stringify({ traffic: canary })};
  });
  it('wrong expectation', async ({ annotate }) => {
    await annotate('diagnostics written to /d\\n  pods: none', 'diagnostics');
    expect(1).toBe(2);
  });
});
`,
    );
    const outputFile = join(root, 'out', 'report.html');
    const vitest = await startVitest('test', [], {
      root,
      config: false,
      watch: false,
      reporters: [[fileURLToPath(new URL('./html.ts', import.meta.url)), { outputFile, title: 'nested run' }]],
    });
    await vitest.close();
    const html = await readFile(outputFile, 'utf8');
    expect(html).toContain('<title>nested run</title>');
    expect(html).toMatch(/<span class="badge passed">passed<\/span><span>traffic from client<\/span>/);
    expect(html).toMatch(/<span class="badge failed">failed<\/span><span>wrong expectation<\/span>/);
    expect(html).toContain('expected 1 to be 2');
    // Once, apart from the failure: the annotation reaches the reporter on its own channel.
    expect(html.match(/diagnostics written to \/d/g)).toEqual(['diagnostics written to /d']);
    expect(html).toMatch(/<pre class="error">[^<]*expected 1 to be 2[^<]*<\/pre><pre class="diagnostics">diagnostics written to \/d\n {2}pods: none<\/pre>/);
    expect(html).toContain('<svg class="chart shares"');
  }, 60_000);
});

describe.skipIf(!existsSync(CHROMIUM))('the report in headless Chromium', () => {
  it('renders every chart with a non-zero size', async () => {
    const file = join(dir, 'report.html');
    await writeFile(file, renderHtmlReport(fixture));
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
    try {
      const page = await browser.newPage();
      const requests: string[] = [];
      page.on('request', (request) => requests.push(request.url()));
      await page.goto(`file://${file}`);
      const boxes = await page.locator('svg.chart').evaluateAll((svgs) =>
        svgs.map((svg) => {
          const box = svg.getBoundingClientRect();
          return { kind: svg.getAttribute('class'), width: box.width, height: box.height, bars: svg.querySelectorAll('rect.bar').length };
        }),
      );
      expect(boxes).toEqual([expect.objectContaining({ kind: 'chart shares', bars: 2 }), expect.objectContaining({ kind: 'chart latency' })]);
      for (const box of boxes) {
        expect(box.width).toBeGreaterThan(100);
        expect(box.height).toBeGreaterThan(40);
      }
      const barWidths = await page.locator('svg.shares rect.bar').evaluateAll((rects) => rects.map((r) => r.getBoundingClientRect().width));
      expect(barWidths[0]).toBeGreaterThan(barWidths[1]);
      expect(requests).toEqual([`file://${file}`]);
      const screenshot = join(dir, 'report.png');
      await page.screenshot({ path: screenshot, fullPage: true });
      expect((await stat(screenshot)).size).toBeGreaterThan(10_000);
    } finally {
      await browser.close();
    }
  });
});
