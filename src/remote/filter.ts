import picomatch from 'picomatch';

/** Which files a copy, sync or check looks at: `--include` / `--exclude` globs on paths below the root. */
export interface FilterOptions {
  /** Only files matching one of these (when given). */
  include?: readonly string[];
  /** Never files matching one of these (checked before the includes). */
  exclude?: readonly string[];
}

/**
 * A test of a file's path (relative to the root of the copy) against the globs. A glob without a slash
 * matches the file's name in any folder (`*.jpg`); one with a slash matches the whole path (`photos/**`).
 * Dot files are matched like any other.
 */
export function pathFilter(options: FilterOptions = {}): (path: string) => boolean {
  const include = compile(options.include);
  const exclude = compile(options.exclude);
  return (path) => !exclude?.(path) && (!include || include(path));
}

/** One test for a list of globs: those without a slash match names, the others whole paths. */
function compile(globs: readonly string[] | undefined): ((path: string) => boolean) | undefined {
  if (!globs || globs.length === 0) return undefined;
  const names = globs.filter((g) => !g.includes('/'));
  const paths = globs.filter((g) => g.includes('/'));
  const byName = names.length > 0 ? picomatch(names, { dot: true, basename: true }) : undefined;
  const byPath = paths.length > 0 ? picomatch(paths, { dot: true }) : undefined;
  return (path) => (byName?.(path) ?? false) || (byPath?.(path) ?? false);
}
