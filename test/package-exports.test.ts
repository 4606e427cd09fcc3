/**
 * The package's entry points: the root, and one per service (`cloudstorage/box`, …) for a program that
 * uses one service and should not load the other three (memory and start-up time; bench/run.ts shows the
 * difference). Each entry of package.json's `exports` must name the built form of a source module that
 * exists, and each service entry must give its class and the error types, the same objects as the root's.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  exports: Record<string, { types: string; import: string }>;
};

/** `./dist/a/b.js` → `src/a/b.ts` (tsconfig.build.json compiles src/ into dist/). */
const sourceOf = (built: string) => join(ROOT, built.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts'));

const SERVICES: Record<string, string> = {
  './box': 'Box',
  './dropbox': 'Dropbox',
  './googledrive': 'GoogleDrive',
  './b2': 'BackblazeB2',
};

test('every entry point names the build of an existing source module, with its types beside it', () => {
  assert.deepEqual(Object.keys(pkg.exports).sort(), ['.', ...Object.keys(SERVICES)].sort());
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    assert.ok(existsSync(sourceOf(target.import)), `${subpath}: ${target.import} has no source`);
    assert.equal(
      target.types,
      target.import.replace(/\.js$/, '.d.ts'),
      `${subpath}: types beside the module`,
    );
  }
});

test('a service entry gives its class and the same error types as the root', async () => {
  const root = await import(pathToFileURL(sourceOf(pkg.exports['.']!.import)).href);
  for (const [subpath, name] of Object.entries(SERVICES)) {
    const entry = await import(pathToFileURL(sourceOf(pkg.exports[subpath]!.import)).href);
    assert.equal(typeof entry[name], 'function', `${subpath} exports ${name}`);
    assert.equal(entry[name], root[name], `${subpath}'s ${name} is the root's`);
    assert.equal(
      entry.CloudStorageError,
      root.CloudStorageError,
      `${subpath}'s CloudStorageError is the root's`,
    );
    assert.equal(entry.ErrorCode, root.ErrorCode);
    assert.equal(entry.isCloudStorageError, root.isCloudStorageError);
  }
});
