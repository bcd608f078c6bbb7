/**
 * docs/real-contacts.md and the fakes stay in step with the harness: every command branch of
 * fake-tool.mjs names its source and its ledger row, and every tool command the providers and
 * the runner start (their argument arrays that begin with string literals, the ones a reader can
 * see) has a row in the ledger.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const ledger = read('docs/real-contacts.md');
const fake = read('test/providers/fakes/fake-tool.mjs');

/** GitHub's anchors of the ledger's headings: "## istiod debug endpoints" -> "istiod-debug-endpoints". */
const anchors = new Set(
  [...ledger.matchAll(/^#{2,3} (.+)$/gm)].map(([, title]) =>
    title!
      .toLowerCase()
      .replace(/[^a-z0-9 -]/g, '')
      .replace(/ /g, '-'),
  ),
);

/** Each branch of the fake's tool functions that answers a command: its tool, its line, the comment above it. */
function fakeBranches(): { tool: string; command: string; line: number; comment: string }[] {
  const lines = fake.split('\n');
  const branches: { tool: string; command: string; line: number; comment: string }[] = [];
  let tool: string | undefined;
  lines.forEach((text, index) => {
    tool = /^(?:async )?function (docker|kind|istioctl|kubectl)\(\)/.exec(text)?.[1] ?? (/^\S/.test(text) && !text.startsWith('}') ? undefined : tool);
    if (!tool) return;
    const command =
      /^\s+case '([^']+)':/.exec(text)?.[1] ??
      /^\s+if \(args\[0\] === '([^']+)'\)/.exec(text)?.[1] ??
      /^\s+if \(args\.join\(' '\) !== '([^']+)'\)/.exec(text)?.[1]?.split(' ')[0];
    if (command) branches.push({ tool, command, line: index + 1, comment: lines[index - 1]!.trim() });
  });
  return branches;
}

describe('the fakes cite the ledger', () => {
  const branches = fakeBranches();

  it('finds the command branches of all four tools', () => {
    expect(new Set(branches.map((b) => b.tool))).toEqual(new Set(['docker', 'kind', 'istioctl', 'kubectl']));
    expect(branches.length).toBeGreaterThanOrEqual(20);
  });

  it.each(branches.map((b) => [`${b.tool} ${b.command} (fake-tool.mjs:${b.line})`, b] as const))('%s names its source and ledger row', (_, branch) => {
    const comment = /^\/\/ (\w+) ([^:]+): .*\(docs\/real-contacts\.md#([a-z0-9-]+)\)/.exec(branch.comment);
    expect(comment, `the line above must read "// ${branch.tool} ${branch.command} ...: SOURCE (docs/real-contacts.md#ANCHOR)"`).not.toBeNull();
    const [, tool, label, anchor] = comment!;
    expect(tool).toBe(branch.tool);
    expect(label!.startsWith(branch.command.split(' ')[0]!)).toBe(true);
    expect(anchors, `docs/real-contacts.md has no heading for #${anchor}`).toContain(anchor);
    expect(ledger, `docs/real-contacts.md names no fake \`${tool} ${label}\``).toContain(`\`${tool} ${label}\``);
  });

  it('names the ledger in each wrapper', () => {
    for (const tool of ['docker', 'kind', 'istioctl', 'kubectl']) expect(read(`test/providers/fakes/${tool}`)).toContain(`docs/real-contacts.md#${tool}`);
  });
});

/** Source files of the layers that start real tools. */
function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts'))
    .map((entry) => join(entry.parentPath, entry.name).slice(root.length));
}

/** `kind get clusters` from `runTool(kind, ['get', 'clusters'], ...)`: the tool, then the literal words before the first flag or variable. */
function commandsStarted(path: string): string[] {
  const text = read(path);
  const words = (list: string) => {
    const out: string[] = [];
    for (const item of list.split(',').map((w) => w.trim())) {
      const word = /^'([a-z][a-z-]*)'$/.exec(item)?.[1];
      if (!word) break;
      out.push(word);
    }
    return out.slice(0, 2);
  };
  const toolOf = (expression: string) => /(docker|kind|istioctl|kubectl)$/.exec(expression)?.[1];
  const found: string[] = [];
  for (const [, expression, list] of text.matchAll(/(?:runTool|tryTool|probeTool)\(\s*([\w.]+),\s*\[([^\]]*)\]/g)) {
    const tool = toolOf(expression!);
    if (tool) found.push([tool, ...words(list!)].join(' '));
  }
  // Argument arrays built by a function of the same file: runTool(kind, createClusterArgs(spec), ...).
  for (const [, expression, builder] of text.matchAll(/(?:runTool|tryTool)\(\s*([\w.]+),\s*(\w+Args)\(/g)) {
    const list = new RegExp(`function ${builder}\\([^)]*\\)[^{]*\\{\\s*return \\[([^\\]]*)\\]`).exec(text)?.[1];
    const tool = toolOf(expression!);
    if (tool && list) found.push([tool, ...words(list)].join(' '));
  }
  for (const [, tool, list] of text.matchAll(/commandLine\('(istioctl|kubectl)', \[([^\]]*)\]/g)) found.push([tool, ...words(list!)].join(' '));
  return found;
}

describe('the ledger lists every command the harness starts', () => {
  const started = [...new Set(['harness/providers', 'harness/runner'].flatMap(sources).flatMap(commandsStarted))].sort();

  it('finds the commands of the kind provider, the istioctl install and the kubectl check', () => {
    expect(started).toEqual(
      expect.arrayContaining([
        'kind get clusters',
        'kind create cluster',
        'docker container inspect',
        'istioctl install',
        'istioctl kube-inject',
        'kubectl version',
      ]),
    );
  });

  it.each(started)('%s has a row', (command) => {
    expect(ledger, `docs/real-contacts.md has no row whose command cell names \`${command}\``).toMatch(new RegExp(`^\\| [^|]*\`${command}[ \`]`, 'm'));
  });
});
