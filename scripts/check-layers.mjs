#!/usr/bin/env node
/**
 * The layer check: every import between folders under harness/ must be one that DESIGN.md's
 * layer table allows. The table is the law; this script only reads it. Checked: static imports
 * and re-exports (type-only ones too), `import type` nodes, dynamic imports with a literal
 * specifier; a computed dynamic import hides an edge and is refused. Tests (`*.test.ts`,
 * `*.test-d.ts`, `__tests__/`) may set up from any layer and are not checked.
 *
 * usage: node scripts/check-layers.mjs [--root DIR]   (exit 1 on a violation, 2 on a bad table)
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const SOURCE = /\.(ts|mts)$/;
const TEST = /(\.test\.ts|\.test-d\.ts)$|(^|\/)__tests__\//;

/** Parses DESIGN.md's table: `| `harness/x/` | responsibility | runs in | may import |`. */
export function readLayerTable(markdown, file = 'DESIGN.md') {
  const layers = new Map();
  const lines = markdown.split('\n');
  const header = lines.findIndex((l) => /^\|\s*folder\s*\|.*\|\s*runs in\s*\|\s*may import\s*\|/.test(l));
  if (header < 0) throw new TableError(`${file}: no layer table (a header row "| folder | ... | runs in | may import |")`);
  for (let i = header + 2; i < lines.length && lines[i].startsWith('|'); i++) {
    const cells = lines[i]
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim());
    const folder = /^`([^`]+)`$/.exec(cells[0])?.[1]?.replace(/\/$/, '');
    if (!folder) throw new TableError(`${file}:${i + 1}: the first cell must be a folder in backticks, e.g. \`harness/kube/\``);
    const runsIn = cells.at(-2);
    if (!['main', 'worker', 'both'].includes(runsIn)) throw new TableError(`${file}:${i + 1}: "runs in" must be main, worker or both, not "${runsIn}"`);
    const allowed = cells.at(-1) === '—' || cells.at(-1) === '' ? [] : [...cells.at(-1).matchAll(/`([^`]+)`/g)].map((m) => m[1].replace(/\/$/, ''));
    layers.set(folder, { folder, runsIn, allowed, line: i + 1 });
  }
  return layers;
}

class TableError extends Error {}

/** The table itself must hold: allowed folders exist in it, workers and main stay apart, no cycle. */
export function checkTable(layers, file = 'DESIGN.md') {
  const problems = [];
  for (const layer of layers.values()) {
    for (const target of layer.allowed) {
      const other = layers.get(target);
      if (!other) problems.push(`${file}:${layer.line}: ${layer.folder} may import ${target}, which the table does not list`);
      else if (layer.runsIn !== other.runsIn && other.runsIn !== 'both') {
        problems.push(
          `${file}:${layer.line}: ${layer.folder} (${layer.runsIn}) may not import ${target} (${other.runsIn}): main-process and worker code stay apart`,
        );
      }
    }
  }
  const state = new Map();
  const visit = (folder, trail) => {
    if (state.get(folder) === 'done') return;
    if (state.get(folder) === 'open') {
      problems.push(`${file}: the layers form a cycle: ${[...trail.slice(trail.indexOf(folder)), folder].join(' -> ')}`);
      return;
    }
    state.set(folder, 'open');
    for (const next of layers.get(folder)?.allowed ?? []) visit(next, [...trail, folder]);
    state.set(folder, 'done');
  };
  for (const folder of layers.keys()) visit(folder, []);
  return problems;
}

/** Every module reference of one source file: [{specifier, line, computed}]. */
export function importsOf(fileName, text) {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const found = [];
  const at = (node) => source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
  const visit = (node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push({ specifier: node.moduleSpecifier.text, line: at(node) });
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push({ specifier: node.argument.literal.text, line: at(node) });
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [argument] = node.arguments;
      if (argument && ts.isStringLiteralLike(argument)) found.push({ specifier: argument.text, line: at(node) });
      else found.push({ specifier: argument ? argument.getText(source) : '', line: at(node), computed: true });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The table row a path belongs to: the longest folder of the table that contains it. */
function layerOf(layers, relative) {
  let best;
  for (const folder of layers.keys()) {
    if ((relative === folder || relative.startsWith(`${folder}/`)) && (!best || folder.length > best.length)) best = folder;
  }
  return best;
}

function sourceFiles(root, dir) {
  const out = [];
  for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const relative = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(root, relative));
    else if (SOURCE.test(entry.name) && !entry.name.endsWith('.d.ts') && !TEST.test(relative)) out.push(relative);
  }
  return out;
}

export function checkLayers(root) {
  const designFile = 'DESIGN.md';
  const layers = readLayerTable(readFileSync(path.join(root, designFile), 'utf8'), designFile);
  const problems = checkTable(layers, designFile);
  for (const file of sourceFiles(root, 'harness')) {
    const from = layerOf(layers, file);
    if (!from) {
      problems.push(`${file}: its folder is not in ${designFile}'s layer table; add a row for it`);
      continue;
    }
    for (const ref of importsOf(file, readFileSync(path.join(root, file), 'utf8'))) {
      if (ref.computed) {
        problems.push(
          `${file}:${ref.line}: import(${ref.specifier}) is computed, which hides the edge from the compiler and this check; import a literal path`,
        );
        continue;
      }
      if (!ref.specifier.startsWith('.')) continue;
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), ref.specifier)).replace(/\.js$/, '.ts');
      const to = layerOf(layers, target);
      if (to === from) continue;
      if (!to) problems.push(`${file}:${ref.line}: imports ${target}, which is in no folder of ${designFile}'s layer table`);
      else if (!layers.get(from).allowed.includes(to)) {
        problems.push(`${file}:${ref.line}: ${from} may not import ${to} (${ref.specifier}); ${designFile}:${layers.get(from).line} lists what it may import`);
      }
    }
  }
  return problems;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rootFlag = process.argv.indexOf('--root');
  const root = path.resolve(rootFlag > 0 ? process.argv[rootFlag + 1] : path.join(path.dirname(new URL(import.meta.url).pathname), '..'));
  try {
    const problems = checkLayers(root);
    if (problems.length) {
      console.error(`layer check: ${problems.length} import(s) against DESIGN.md's layer table:\n${problems.map((p) => `  ${p}`).join('\n')}`);
      process.exit(1);
    }
    console.log('layer check: every import between harness/ folders follows DESIGN.md');
  } catch (error) {
    if (!(error instanceof TableError)) throw error;
    console.error(`layer check: ${error.message}`);
    process.exit(2);
  }
}
