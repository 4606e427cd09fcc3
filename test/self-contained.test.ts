/**
 * A clone runs its tests with nothing beside it: every file a test names relative to itself
 * (`new URL('…', import.meta.url)`) lies inside the repository, and no test names the shared reference
 * folder the project was written from.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TEST_DIR = join(ROOT, 'test');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'fixtures' ? [] : sources(p);
    return /\.(ts|js|mjs|cjs|sh)$/.test(e.name) ? [p] : [];
  });
}

test('every path a test resolves from its own location stays inside the repository', () => {
  const outside: string[] = [];
  const literal = /new URL\(\s*(['"`])([^'"`]+)\1\s*,\s*import\.meta\.url\s*\)/g;
  for (const file of sources(TEST_DIR)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(literal)) {
      const target = fileURLToPath(new URL(m[2]!, `file://${file}`));
      const rel = relative(ROOT, target);
      if (rel.startsWith(`..${sep}`) || rel === '..') outside.push(`${relative(ROOT, file)}: ${m[2]}`);
    }
  }
  assert.deepEqual(outside, []);
});

test('no test reads the shared reference folder (api-specs, reference) outside the repository', () => {
  const hits = sources(TEST_DIR)
    .filter((f) => f !== fileURLToPath(import.meta.url))
    .filter((f) => /(^|[^\w])\.\.\/shared\/|\/work\/shared\//.test(readFileSync(f, 'utf8')))
    .map((f) => relative(ROOT, f));
  assert.deepEqual(hits, []);
});
