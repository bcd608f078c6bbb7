import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppsV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { UsageError } from '../errors.js';
import { main } from '../main.js';
import { runSimCommand } from './sim.js';

const dir = await mkdtemp(join(tmpdir(), 'meshspec-sim-command-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.on('error', () => resolve(true));
  });
}

describe('meshspec sim', () => {
  it('prints one ready line with the kubeconfig path and leaves no port open after the stop signal', async () => {
    const kubeconfig = join(dir, 'k.yaml');
    const lines: string[] = [];
    let stop!: () => void;
    const stopSignal = new Promise<void>((resolve) => (stop = resolve));
    const ready = new Promise<void>((resolve) => {
      const exit = runSimCommand(['--kubeconfig', kubeconfig, '--istio-profile=none'], {
        out: (l) => {
          lines.push(l);
          resolve();
        },
        err: (l) => lines.push(l),
        stopSignal,
      });
      void exit.then((code) => lines.push(`exit ${code}`));
    });
    await ready;
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`meshspec sim ready: kubeconfig ${kubeconfig} (context meshspec-sim`);
    const port = Number(/server: https:\/\/127\.0\.0\.1:(\d+)/.exec(await readFile(kubeconfig, 'utf8'))![1]);
    expect(await refused(port)).toBe(false);
    stop();
    await expect.poll(() => lines.at(-1)).toBe('exit 0');
    expect(await refused(port)).toBe(true);
    expect(existsSync(kubeconfig)).toBe(true);
  });

  it('installs the addons asked for and names them in the ready line', async () => {
    const kubeconfig = join(dir, 'addons.yaml');
    const lines: string[] = [];
    let stop!: () => void;
    const stopSignal = new Promise<void>((resolve) => (stop = resolve));
    const exit = runSimCommand(['--kubeconfig', kubeconfig, '--istio-profile', 'minimal', '--addons', 'kiali,grafana'], {
      out: (l) => lines.push(l),
      err: (l) => lines.push(l),
      stopSignal,
    });
    await expect.poll(() => lines.length, { timeout: 30_000 }).toBe(1);
    expect(lines[0]).toMatch(/Istio [\d.]+ minimal with kiali, grafana[,)]/);
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    const deployments = await kc.makeApiClient(AppsV1Api).listNamespacedDeployment({ namespace: 'istio-system' });
    expect(deployments.items.map((d) => d.metadata!.name).sort()).toEqual(['grafana', 'istiod', 'kiali']);
    stop();
    expect(await exit).toBe(0);
  });

  it('refuses a bad command line before starting anything, with the closest valid input, as `meshspec run` does', async () => {
    const refusal = (argv: string[]) =>
      runSimCommand(argv, { out: () => undefined, err: () => undefined }).then(
        () => 'no error',
        (error: unknown) => error,
      );
    const cases: [string[], string][] = [
      [['--kubeconfg', 'x'], 'unknown option --kubeconfg for `meshspec sim`; did you mean --kubeconfig?'],
      [['-native-sidecars'], 'unknown option -native-sidecars for `meshspec sim`; did you mean --native-sidecars?'],
      [['--frobnicate'], 'unknown option --frobnicate for `meshspec sim`; valid options: --kubeconfig, --istio-profile, --addons, --native-sidecars, --help'],
      [['kubeconfig'], 'unexpected argument "kubeconfig" for `meshspec sim`; did you mean --kubeconfig?'],
      [['--istio-profile', 'demoo'], '--istio-profile demoo: not one of demo, default, minimal, none; did you mean demo?'],
      [['--istio-profile=ambient'], '--istio-profile ambient: not one of demo, default, minimal, none'],
      [['--addons', 'promethus'], '--addons promethus: "promethus" not among prometheus, grafana, kiali, jaeger (or none); did you mean --addons prometheus?'],
      [
        ['--addons', 'kaili,grafana,jager'],
        '--addons kaili,grafana,jager: "kaili", "jager" not among prometheus, grafana, kiali, jaeger (or none); did you mean --addons kiali,grafana,jaeger?',
      ],
      [['--addons', 'prometheus,zipkin'], '--addons prometheus,zipkin: "zipkin" not among prometheus, grafana, kiali, jaeger (or none)'],
      [['--kubeconfig', '--native-sidecars'], '--kubeconfig needs a value (FILE)'],
      [['--native-sidecars=ture'], '--native-sidecars=ture: not one of true, false, auto; did you mean --native-sidecars=true?'],
      [['--help=yes'], '--help takes no value'],
      [['--istio-profile', 'none', '--addons', 'kiali'], '--addons needs Istio in istio-system: leave out --istio-profile none, or the addons'],
    ];
    for (const [argv, message] of cases) {
      const error = await refusal(argv);
      expect(error, argv.join(' ')).toBeInstanceOf(UsageError);
      expect((error as UsageError).message).toBe(`${message} (see \`meshspec help\`)`);
      expect((error as UsageError).exitCode).toBe(2);
    }
  });

  it('is shown by the CLI as one line and exit code 2', async () => {
    const printed: string[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((line: string) => void printed.push(line));
    try {
      expect(await main(['sim', '--istio-profile', 'demoo'])).toBe(2);
    } finally {
      spy.mockRestore();
    }
    expect(printed).toEqual(['\nmeshspec: --istio-profile demoo: not one of demo, default, minimal, none; did you mean demo? (see `meshspec help`)\n']);
  });
});
