import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;
let cachedLicense = 'see package.json';

/**
 * The version of this package, read from its package.json. The file is looked up from this module's
 * location upwards because the compiled layout (dist/src/…) and the source layout (src/…) sit at
 * different depths.
 */
export function packageVersion(): string {
  if (cached !== undefined) return cached;
  cached = '0.0.0';
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
        license?: string;
      };
      if (pkg.name === 'cloudstorage' && pkg.version) {
        cached = pkg.version;
        if (pkg.license) cachedLicense = pkg.license;
        break;
      }
    } catch {
      // Not here; look one level up.
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return cached;
}

/** The license named in this package's package.json. */
export function packageLicense(): string {
  packageVersion();
  return cachedLicense;
}

/** "cloudstorage/0.1.0 node/20.18.1". */
export function defaultUserAgent(): string {
  return `cloudstorage/${packageVersion()} node/${process.versions.node}`;
}
