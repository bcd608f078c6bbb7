// Runs every benchmark under bench/ one after another (they compete for the same 2 cores
// otherwise) and exits non-zero if any of them fails. Each prints its own figures and the
// baseline it measured in the same run.
//
//   pnpm bench            (builds first)
//   node bench/run.mjs [name...]   e.g. node bench/run.mjs stats sim
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

const benchDir = fileURLToPath(new URL('.', import.meta.url));
const wanted = process.argv.slice(2);
const benches = readdirSync(benchDir)
  .filter((file) => file.endsWith('.bench.mjs'))
  .filter((file) => wanted.length === 0 || wanted.includes(file.replace('.bench.mjs', '')))
  .sort();

if (benches.length === 0) {
  console.error(
    `no benchmark matches ${wanted.join(', ')}; available: ${readdirSync(benchDir)
      .filter((f) => f.endsWith('.bench.mjs'))
      .join(', ')}`,
  );
  process.exit(2);
}

let failed = 0;
for (const file of benches) {
  console.log(`\n=== ${file}`);
  const result = await execa('node', [`${benchDir}${file}`], { stdio: 'inherit', reject: false });
  if (result.exitCode !== 0) {
    failed++;
    console.error(`${file} exited with ${result.exitCode ?? result.signal}`);
  }
}
process.exit(failed === 0 ? 0 : 1);
