import { checkServerName } from '../core/safe-name.js';

/**
 * A name a service listed, as one element of a remote path: a name with a separator, `.`/`..` or a control
 * character is refused (error 600), so a server can never make a path leave the folder it was listed in.
 */
export function entryName(name: string): string {
  return checkServerName(name, 'the file name');
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
