import { unsafeNameReason } from '../core/safe-name.js';

/**
 * A name a service listed, as one element of a remote path; undefined (the item is left out of listings)
 * for a name with a separator, `.`/`..` or a control character, so a server can never make a path leave
 * the folder it was listed in. (Drive allows `/` in names; such items cannot be addressed by path.)
 */
export function entryName(name: string): string | undefined {
  return name !== '' && unsafeNameReason(name) === undefined ? name : undefined;
}

/** A service's time stamp (RFC 3339, or milliseconds) as a Date; undefined when empty or not a time. */
export function modTimeOf(value: string | number | undefined): Date | undefined {
  if (value === undefined || value === '') return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** RFC 3339 in whole seconds (the services that keep seconds refuse or round fractions differently). */
export function secondsIso(date: Date): string {
  return new Date(Math.floor(date.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
