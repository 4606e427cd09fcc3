import { randomFillSync } from 'node:crypto';
import { createWriteStream } from 'node:fs';

/** Writes `bytes` random bytes to `path`, 4 MiB at a time (the benchmarks' input files). */
export async function makeRandomFile(path: string, bytes: number): Promise<void> {
  const out = createWriteStream(path);
  const block = Buffer.alloc(4 * 1024 * 1024);
  for (let written = 0; written < bytes; written += block.length) {
    randomFillSync(block);
    const piece = block.subarray(0, Math.min(block.length, bytes - written));
    if (!out.write(piece)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
}

/**
 * The curl baseline of a copy between Dropbox and Google Drive: a download to a temporary file, then an
 * upload of that file (one shell script, one process tree). Arguments for `sh`.
 */
export function curlRelayScript(
  dropbox: { content: string; token: string },
  drive: { api: string; token: string },
  file: string,
): string[] {
  const download = [
    `curl -sS --fail -X POST '${dropbox.content}/2/files/download'`,
    `-H 'Authorization: Bearer ${dropbox.token}' -H 'Dropbox-API-Arg: {"path":"/bench/source.bin"}' -o '${file}'`,
  ].join(' ');
  const upload = [
    `curl -sS --fail -o /dev/null -X POST '${drive.api}/upload/drive/v3/files?uploadType=media'`,
    `-H 'Authorization: Bearer ${drive.token}' -H 'Content-Type: application/octet-stream' -T '${file}'`,
  ].join(' ');
  return ['-c', `set -e\n${download}\n${upload}\n`];
}
