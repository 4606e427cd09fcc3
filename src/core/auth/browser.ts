import { spawn } from 'node:child_process';
import type { BrowserLauncher } from './types.js';

/**
 * Opens a URL in the user's browser with the platform's opener: `xdg-open` (Linux, BSD), `open` (macOS),
 * `start` (Windows). Resolves once the opener accepted the URL; rejects when it is missing or fails, so the
 * caller can fall back to printing the URL.
 */
export const openInSystemBrowser: BrowserLauncher = (url) => {
  const { command, args, verbatim } = openerFor(process.platform, url);
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const done = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve();
    };
    const child = spawn(command, args, {
      stdio: 'ignore',
      detached: true,
      windowsVerbatimArguments: verbatim,
    });
    child.once('error', (e) => done(e));
    child.once('exit', (code) =>
      done(code === 0 ? undefined : new Error(`${command} exited with status ${code ?? 'unknown'}`)),
    );
    // Some openers stay in the foreground with the browser they started: still running means it worked.
    const timer = setTimeout(() => {
      child.unref();
      done();
    }, 3000);
  });
};

export function openerFor(
  platform: NodeJS.Platform,
  url: string,
): { command: string; args: string[]; verbatim: boolean } {
  switch (platform) {
    case 'darwin':
      return { command: 'open', args: [url], verbatim: false };
    case 'win32':
      // `start` is a cmd built-in; the empty title keeps a quoted URL from being taken as the title, and
      // the quotes keep cmd from splitting the URL at "&".
      return {
        command: 'cmd.exe',
        args: ['/d', '/s', '/c', `start "" "${url.replace(/"/g, '%22')}"`],
        verbatim: true,
      };
    default:
      return { command: 'xdg-open', args: [url], verbatim: false };
  }
}
