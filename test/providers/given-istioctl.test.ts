/** The istioctl a user names with --istioctl: checked, and its version read, before any provider work. */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readGivenIstioctl } from '../../harness/providers/istioctl/given.js';
import { ProviderError } from '../../harness/contract/cluster.js';

const dir = mkdtempSync(join(tmpdir(), 'meshspec-given-istioctl-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function script(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

async function refusal(setting: string): Promise<ProviderError> {
  const error = await readGivenIstioctl(setting).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

describe('readGivenIstioctl', () => {
  it('reads the version the binary reports, from a path relative to the working directory', async () => {
    const path = script('istioctl-1.30', 'echo "client version: 1.30.5"');
    await expect(readGivenIstioctl(relative(process.cwd(), path))).resolves.toEqual({ path, version: '1.30.5' });
  });

  it('has no version for a binary that prints none or fails', async () => {
    await expect(readGivenIstioctl(script('silent', 'exit 0'))).resolves.toMatchObject({ version: null });
    await expect(readGivenIstioctl(script('failing', 'echo 1.30.5; exit 3'))).resolves.toMatchObject({ version: null });
  });

  it('refuses a directory, pointing at the binary inside an Istio release', async () => {
    const error = await refusal(dir);
    expect(error.message).toBe(`--istioctl ${dir} is not a file.`);
    expect(error.hint).toBe(
      `Give the istioctl binary itself (e.g. ${join(dir, 'bin', 'istioctl')}), or leave --istioctl out to let meshspec find or download istioctl.`,
    );
  });

  it('names a relative path as given and as resolved', async () => {
    const error = await refusal('no/such/istioctl');
    expect(error.message).toBe(`--istioctl no/such/istioctl (${join(process.cwd(), 'no/such/istioctl')}): no such file.`);
  });
});
