import { describe, expect, it } from 'vitest';
import { UsageError } from './errors.js';
import { helpText, parseCli } from './options.js';

const defaults = { filter: [], reuse: false, allowContext: [], installIstio: false, reporter: [], outputFile: {}, json: false };

describe('parseCli', () => {
  it('parses run with paths, repeatable filters and provider options', () => {
    expect(
      parseCli(['run', 'specs/workshop', '--provider', 'kubeconfig', '--filter', 'fault', '--filter=canary', '--istio', '1.29.6', '--reuse', '--allow-context', 'eks', '--context=eks', '--kubeconfig', 'k.yaml']),
    ).toEqual({
      command: 'run',
      paths: ['specs/workshop'],
      options: { ...defaults, provider: 'kubeconfig', filter: ['fault', 'canary'], istio: '1.29.6', reuse: true, allowContext: ['eks'], context: 'eks', kubeconfig: 'k.yaml' },
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
    [['deploy'], 'unknown command "deploy"; commands: run, validate, list, sim, help'],
    [['run', '--bogus'], 'unknown option --bogus for `meshspec run`; valid options: --provider, --filter, --istio, --reuse, --allow-context, --context, --kubeconfig, --install-istio, --echo-image, --reporter, --outputFile'],
    [['run', '-x'], 'unknown option -x for `meshspec run`'],
    [['validate', '--provider', 'sim'], 'unknown option --provider for `meshspec validate`; valid options: '],
    [['list', '--reuse'], 'unknown option --reuse for `meshspec list`; valid options: --filter, --json'],
    [['run', '--provider', 'minikube'], '--provider minikube: allowed values are sim, kind, kubeconfig'],
    [['run', '--filter'], '--filter needs a value (X)'],
    [['run', '--filter', '--reuse'], '--filter needs a value (X)'],
    [['run', '--reuse=yes'], '--reuse takes no value'],
  ])('rejects %j', (argv, message) => {
    expect(() => parseCli(argv)).toThrow(UsageError);
    expect(() => parseCli(argv)).toThrow(message);
  });

  it('documents every command and option in the help', () => {
    const help = helpText();
    for (const word of ['run [paths...]', 'validate', 'list', 'sim', '--provider NAME', '--filter X', '--istio VERSION', '--reuse', '--allow-context NAME', '--json', 'Exit codes']) {
      expect(help).toContain(word);
    }
  });
});
