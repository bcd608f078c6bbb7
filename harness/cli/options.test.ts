import { describe, expect, it } from 'vitest';
import { UsageError } from './errors.js';
import { helpText, parseCli } from './options.js';

const defaults = { filter: [], reuse: false, allowContext: [], installIstio: false, reporter: [], outputFile: {}, json: false };

describe('parseCli', () => {
  it('parses run with paths, repeatable filters and provider options', () => {
    expect(
      parseCli([
        'run',
        'specs/workshop',
        '--provider',
        'kubeconfig',
        '--filter',
        'fault',
        '--filter=canary',
        '--istio',
        '1.29.6',
        '--reuse',
        '--allow-context',
        'eks',
        '--context=eks',
        '--kubeconfig',
        'k.yaml',
        '--istioctl',
        'bin/istioctl',
      ]),
    ).toEqual({
      command: 'run',
      paths: ['specs/workshop'],
      options: {
        ...defaults,
        provider: 'kubeconfig',
        filter: ['fault', 'canary'],
        istio: '1.29.6',
        reuse: true,
        allowContext: ['eks'],
        context: 'eks',
        kubeconfig: 'k.yaml',
        istioctl: 'bin/istioctl',
      },
    });
  });

  it('passes reporter flags through for Vitest', () => {
    expect(parseCli(['run', '--reporter', 'junit', '--reporter=default', '--outputFile.junit=out/junit.xml'])).toMatchObject({
      options: { reporter: ['junit', 'default'], outputFile: { junit: 'out/junit.xml' } },
    });
    expect(parseCli(['run', '--outputFile', 'report.json'])).toMatchObject({ options: { outputFile: { '': 'report.json' } } });
  });

  it('parses validate, list, help, version, and hands sim its own arguments', () => {
    expect(parseCli(['validate', 'a.spec.yaml', 'b/'])).toEqual({ command: 'validate', paths: ['a.spec.yaml', 'b/'], options: defaults });
    expect(parseCli(['list', '--json', '--filter', 'x'])).toEqual({ command: 'list', paths: [], options: { ...defaults, json: true, filter: ['x'] } });
    expect(parseCli([])).toEqual({ command: 'help' });
    expect(parseCli(['run', '--help'])).toEqual({ command: 'help' });
    expect(parseCli(['--version'])).toEqual({ command: 'version' });
    expect(parseCli(['sim', '--kubeconfig', 'k.yaml', '--whatever'])).toEqual({ command: 'sim', argv: ['--kubeconfig', 'k.yaml', '--whatever'] });
  });

  it.each([
    [['deploy'], 'unknown command "deploy"; commands: run, validate, list, sim, help (see `meshspec help`)'],
    [['rnu'], 'unknown command "rnu"; did you mean run? (see `meshspec help`)'],
    [['--filter', 'fault'], '"--filter" is an option, not a command; commands: run, validate, list, sim, help; did you mean `meshspec run --filter`?'],
    [['run', '--provder', 'sim'], 'unknown option --provder for `meshspec run`; did you mean --provider? (see `meshspec help`)'],
    [['run', '--provder=sim'], 'unknown option --provder for `meshspec run`; did you mean --provider?'],
    [
      ['run', '--bogus'],
      'unknown option --bogus for `meshspec run`; valid options: --provider, --filter, --istio, --reuse, --istioctl, --allow-context, --context, --kubeconfig, --install-istio, --echo-image, --ingress-gateway, --reporter, --report-dir, --outputFile (see `meshspec help`)',
    ],
    [['run', '-x'], 'unknown option -x for `meshspec run`; valid options: '],
    [['run', '-filter', 'x'], 'unknown option -filter; did you mean --filter?'],
    [['validate', '--provider', 'sim'], '--provider is not an option of `meshspec validate`, only of `meshspec run`'],
    [['validate', '--bogus'], 'unknown option --bogus: `meshspec validate` takes no options'],
    [['list', '--reuse'], '--reuse is not an option of `meshspec list`, only of `meshspec run`'],
    [['list', '--jsn'], 'unknown option --jsn for `meshspec list`; did you mean --json?'],
    [['run', '--provider', 'minikube'], '--provider minikube: not one of sim, kind, kubeconfig (see `meshspec help`)'],
    [['run', '--provider', 'kinda'], '--provider kinda: not one of sim, kind, kubeconfig; did you mean kind?'],
    [['run', '--istio', '1.2'], '--istio 1.2: not a supported Istio version; supported: 1.31.x, 1.30.x, 1.29.x (e.g. 1.31.1, or 1.31 for its newest patch)'],
    [['run', '--istio', 'latest'], '--istio latest: not a supported Istio version; supported: 1.31.x, 1.30.x, 1.29.x'],
    [['run', '--filter'], '--filter needs a value (X)'],
    [['run', '--filter='], '--filter needs a value (X)'],
    [['run', '--filter', '--reuse'], '--filter needs a value (X)'],
    [['run', '--reuse=yes'], '--reuse takes no value'],
  ])('rejects %j with exit code 2', (argv, message) => {
    const error = (() => {
      try {
        parseCli(argv);
      } catch (thrown) {
        return thrown;
      }
    })();
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toContain(message);
    expect((error as UsageError).message).not.toContain('\n');
    expect((error as UsageError).exitCode).toBe(2);
  });

  it('accepts supported Istio versions, with or without the patch, and lets a later value win', () => {
    expect(parseCli(['run', '--istio', '1.30'])).toMatchObject({ options: { istio: '1.30' } });
    // `pnpm test:e2e --provider kubeconfig` appends to the script's own `--provider kind`.
    expect(parseCli(['run', '--provider', 'kind', '--istio=1.29.6', '--provider', 'kubeconfig'])).toMatchObject({
      options: { provider: 'kubeconfig', istio: '1.29.6' },
    });
  });

  it('documents every command and option in the help', () => {
    const help = helpText();
    for (const word of [
      'run [paths...]',
      'validate',
      'list',
      'sim',
      '--provider NAME',
      '--filter X',
      '--istio VERSION',
      '--reuse',
      '--istioctl PATH',
      '--allow-context NAME',
      '--json',
      'Exit codes',
    ]) {
      expect(help).toContain(word);
    }
  });
});
