import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Readable, type Transform } from 'node:stream';
import {
  createDecryptStream,
  createEncryptStream,
  type EncryptionSettings,
} from '../../../src/core/crypto/index.js';

export const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** Splits `data` into randomly sized pieces, so that every code path sees awkward boundaries. */
export function randomPieces(data: Uint8Array, max = 70_000): Buffer[] {
  const out: Buffer[] = [];
  for (let o = 0; o < data.length; ) {
    const n = Math.min(data.length - o, 1 + Math.floor(Math.random() * max));
    out.push(Buffer.from(data.subarray(o, o + n)));
    o += n;
  }
  return out;
}

/** Runs `data` through a transform; resolves with everything it output, or rejects with its error. */
export function through(t: Transform, data: Uint8Array, pieces = true): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    t.on('data', (c: Buffer) => chunks.push(c));
    t.on('end', () => resolve(Buffer.concat(chunks)));
    t.on('error', reject);
    Readable.from(pieces ? randomPieces(data) : [Buffer.from(data)]).pipe(t);
  });
}

/** Like {@link through}, but also reports what was output before an error. */
export function throughPartial(t: Transform, data: Uint8Array): Promise<{ output: Buffer; error?: unknown }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    t.on('data', (c: Buffer) => chunks.push(c));
    t.on('end', () => resolve({ output: Buffer.concat(chunks) }));
    t.on('error', (error) => resolve({ output: Buffer.concat(chunks), error }));
    Readable.from(randomPieces(data)).pipe(t);
  });
}

export const encrypt = (s: EncryptionSettings, data: Uint8Array) => through(createEncryptStream(s), data);
export const decrypt = (s: EncryptionSettings, data: Uint8Array) => through(createDecryptStream(s), data);

export function random(n: number): Buffer {
  return randomBytes(n);
}

export interface RunResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/** Runs a program to completion (no shell), with optional standard input. */
export function run(
  cmd: string,
  args: string[],
  input?: Uint8Array,
  env?: NodeJS.ProcessEnv,
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: env ?? process.env });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr: err }));
    child.stdin.end(input ? Buffer.from(input) : undefined);
  });
}
