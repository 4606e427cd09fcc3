import assert from 'node:assert/strict';
import { describeBody } from '../../src/core/http/log.js';
import { parseRetryAfter } from '../../src/core/http/retry.js';
import { JsonXPath } from '../../src/core/json-xpath.js';
import { defaultRedactor, REDACTED, Redactor } from '../../src/core/redact.js';
import { unsafeNameReason } from '../../src/core/safe-name.js';
import { boxErrorMapper } from '../../src/providers/box/errors.js';
import { parseResultHeader } from '../../src/providers/dropbox/api.js';
import { dropboxErrorMapper } from '../../src/providers/dropbox/errors.js';

/**
 * Code that reads server data, each with a benign and an adversarial input of about 1 MB (shapes that make
 * a backtracking regular expression retry at every position) and a check of the output. Run by
 * linear-parsing.test.ts in a child process it can kill: a quadratic pattern on 1 MB runs for hours.
 */
export const SIZE = 1024 * 1024;

export interface LinearCase {
  name: string;
  benign(): string;
  adversarial(): string;
  run(input: string): unknown;
  /** Throws when the output for the adversarial input is wrong. */
  check(input: string, output: unknown): void;
}

const fill = (unit: string, size = SIZE) => unit.repeat(Math.ceil(size / unit.length));
/** A realistic JSON body of about 1 MB: listing entries with names, ids, dates and URLs. */
const benignJson = () =>
  `{"entries":[${fill(
    '{"type":"file","id":"123456789","name":"Quarterly report (final).pdf","modified_at":"2024-01-02T03:04:05Z","shared_link":"https://app.box.com/s/abcdef0123456789","path":"/Team/Reports/2024"},',
  )}{}]}`;
const unchanged = (input: string, output: unknown) => assert.ok(output === input, 'the text was changed');

const httpInfo = (status: number, bodyText: string) => ({
  method: 'POST',
  url: 'https://api.dropboxapi.com/2/files/list_folder',
  status,
  statusText: '',
  headers: {},
  bodyText,
  requestId: undefined,
  retryAfter: undefined,
});

export const CASES: LinearCase[] = [
  {
    name: 'redact: URL credentials after a:a.a.a… (a scheme retried at every position)',
    benign: benignJson,
    adversarial: () => `${fill('a.')} https://user:pa55word@proxy.local/x`,
    run: (s) => defaultRedactor.redact(s),
    check: (input, output) =>
      assert.equal(output, input.replace('pa55word', REDACTED), 'the password is masked, nothing else'),
  },
  {
    name: 'redact: a://a://… and user:user:… without @',
    benign: benignJson,
    adversarial: () => `${fill('a://b:c')}${fill('x://u:v/')}`,
    run: (s) => defaultRedactor.redact(s),
    check: unchanged,
  },
  {
    name: 'redact: authorization without a value',
    benign: benignJson,
    adversarial: () => `${fill('proxy-Authorization \t ')}\n${fill('authorization:"\n')}`,
    run: (s) => defaultRedactor.redact(s),
    check: unchanged,
  },
  {
    name: 'redact: an unterminated JSON secret full of escapes',
    benign: benignJson,
    adversarial: () => `${fill('"access_token"   ')}{"password": "${fill('\\"')}\\`,
    run: (s) => defaultRedactor.redact(s),
    check: unchanged,
  },
  {
    name: 'redact: secret parameters without a value, and registered secrets',
    benign: benignJson,
    adversarial: () => `${fill('access_token&code&password=&')}${fill('tok-abc')}`,
    run: (s) => {
      const r = new Redactor();
      r.add('tok-abcd');
      return r.redact(s);
    },
    check: unchanged,
  },
  {
    name: 'Retry-After: long digit runs',
    benign: () => fill('9'),
    adversarial: () => `${fill('1')}.${fill('1')}x`,
    run: (s) => parseRetryAfter(s),
    check: (_input, output) => assert.equal(output, undefined),
  },
  {
    name: 'log: a Content-Type of + signs',
    benign: () => `text/plain; charset=${fill('x')}`,
    adversarial: () => `application/${fill('a+')}x`,
    run: (s) => describeBody(Buffer.from('{"ok":true}'), s),
    check: (_input, output) => assert.equal(output, '{"ok":true}'),
  },
  {
    name: 'XPath over a server document with bracket-laden keys',
    benign: benignJson,
    adversarial: () => JSON.stringify({ [fill('[a]')]: fill('[last()-1]') }),
    run: (s) => {
      const x = JsonXPath.parse(s);
      x.path = '/json/*';
      // The path of an element is made of server keys.
      return x.path.length > 0 ? x.text : '';
    },
    check: (input, output) => assert.equal(output, Object.values(JSON.parse(input))[0]),
  },
  {
    name: 'Dropbox-API-Result: latin-1 transported UTF-8',
    benign: () => Buffer.from(JSON.stringify({ name: `${fill('plain name ')}é` })).toString('latin1'),
    adversarial: () => Buffer.from(JSON.stringify({ name: fill('é') })).toString('latin1'),
    run: (s) => parseResultHeader<{ name: string }>(s, 'files/download').name,
    check: (input, output) =>
      assert.equal(output, JSON.parse(Buffer.from(input, 'latin1').toString('utf8')).name),
  },
  {
    name: 'Dropbox error mapping: a long error_summary of dots and slashes',
    benign: () => JSON.stringify({ error_summary: fill('other/'), error: { '.tag': 'other' } }),
    adversarial: () => JSON.stringify({ error_summary: `${fill('/./..')}path/not_found/...` }),
    run: (s) => dropboxErrorMapper(new Redactor())(httpInfo(409, s)),
    check: (_input, output) => assert.equal((output as { code: number }).code, 604),
  },
  {
    name: 'Dropbox error mapping: a 400 body of near-misses of "path"',
    benign: benignJson,
    adversarial: () => `${fill('pat_paths_')} path`,
    run: (s) => dropboxErrorMapper(new Redactor())(httpInfo(400, s)),
    check: (_input, output) => assert.equal((output as { code: number }).code, 604),
  },
  {
    name: 'Box error mapping: a long message',
    benign: () => JSON.stringify({ type: 'error', code: 'not_found', message: fill('Not found. ') }),
    adversarial: () => JSON.stringify({ type: 'error', code: 'not_found', message: fill('a.a://b:') }),
    run: (s) =>
      boxErrorMapper(new Redactor())({ ...httpInfo(404, s), url: 'https://api.box.com/2.0/files/1' }),
    check: (_input, output) => assert.equal((output as { httpStatus: number }).httpStatus, 404),
  },
  {
    name: 'safe-name: a long name',
    benign: () => fill('report '),
    adversarial: () => `${fill('..')}/`,
    run: (s) => unsafeNameReason(s),
    check: (_input, output) => assert.equal(output, 'it contains a path separator'),
  },
];

/** Milliseconds of the fastest of `runs` runs of `fn` (the fastest is the least disturbed by other load). */
function fastest(fn: () => void, runs = 3): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    best = Math.min(best, performance.now() - t);
  }
  return best;
}

export type Report =
  | { case: number; phase: 'benign'; ms: number }
  | { case: number; phase: 'adversarial'; ms: number; error?: string };

/** The child's side: measures each case, reporting over IPC. */
async function main(): Promise<void> {
  const send = (m: Report) => new Promise<void>((resolve) => process.send!(m, () => resolve()));
  const first = Number(process.argv[3] ?? 0);
  for (const [index, c] of CASES.entries()) {
    if (index < first) continue;
    const benign = c.benign();
    const adversarial = c.adversarial();
    // Warm up the code on small inputs, so the JIT is not measured.
    for (const s of [benign.slice(0, 4096), adversarial.slice(0, 4096)]) {
      try {
        c.run(s);
      } catch {}
    }
    await send({ case: index, phase: 'benign', ms: fastest(() => c.run(benign)) });
    let output: unknown;
    let error: string | undefined;
    let ms = Number.NaN;
    try {
      ms = fastest(() => {
        output = c.run(adversarial);
      });
      c.check(adversarial, output);
    } catch (e) {
      error = (e as Error).message;
    }
    await send({ case: index, phase: 'adversarial', ms, ...(error ? { error } : {}) });
  }
}

if (process.argv[2] === 'run-linear-cases') await main();
