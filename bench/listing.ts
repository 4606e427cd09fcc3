/**
 * Listing benchmark: BENCH_LIST_ENTRIES files (default 100,000) under one folder (prefix `folder/`) of a B2
 * bucket, listed to the end three ways against the same B2 emulator, BENCH_PAGE_SIZE entries a page
 * (default 1,000, B2's billing unit; the emulator refuses more than 10,000, as B2 does):
 *
 *   class listing, iterator     for await (const f of b2.iterateFiles(bucketId)): pages fetched as consumed
 *   class listing, collection   b2.listFiles(bucketId) again while fileMarker is set: every page kept in
 *                               b2.files (AccumulatePages), as code ported from the reference class does
 *   curl paging loop            a shell loop: curl POST b2_list_file_names, jq takes nextFileName, again
 *
 * The emulator runs in its own process, seeded in memory before the clock starts (one shared empty blob).
 * Each lister runs in its own process, measured for wall time and peak RSS; each counts what it listed and
 * the count must be the seeded number. The class's time is inside its process (start-up and authorize
 * left out); curl's includes its authorize-free loop only.
 *
 *   npm run bench -- listing
 *   BENCH_LIST_ENTRIES=20000 BENCH_PAGE_SIZE=10000 npm run bench -- listing
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BackblazeB2 } from '#lib/providers/b2/index.js';
import { B2Calls, type B2Endpoints, serveB2 } from './lib/b2-calls.js';
import { printChecks, startEmulatorProcess, stopEmulatorProcess } from './lib/emulator-process.js';
import { formatTable, type Measurement, measureProcess } from './lib/measure.js';

const self = fileURLToPath(import.meta.url);
const PREFIX = 'folder/';

/** `listing.ts serve <blobDir> <entries>`: a B2 emulator with one bucket of `entries` files under PREFIX. */
function serve(blobDir: string, entries: number): Promise<void> {
  return serveB2(blobDir, 'bench-bucket-listing', async (emulator, bucket) => {
    // One stored file, then its version record repeated under every name (in name order, so each insert
    // lands at the end of the sorted name index): seeding 100,000 names takes a moment, not minutes.
    const first = await emulator.putFile(bucket, `${PREFIX}${entryName(0)}`, '');
    const { fileId: _id, uploadTimestamp: _at, seq: _seq, ...fields } = first;
    for (let i = 1; i < entries; i++) {
      emulator.state.createVersion(bucket, { ...fields, fileName: `${PREFIX}${entryName(i)}` });
    }
  });
}

const entryName = (i: number) => `entry-${String(i).padStart(7, '0')}.bin`;

/** `listing.ts iterator|collection <endpoints> <page size>`: one class listing; prints seconds and count. */
async function classListing(kind: string, endpoints: B2Endpoints, pageSize: number): Promise<void> {
  const b2 = new BackblazeB2({
    authURL: endpoints.api,
    applicationKeyId: endpoints.keyId,
    applicationKey: endpoints.key,
  });
  await b2.authorize();
  b2.config(`MaxResults=${pageSize}`);
  b2.prefix = PREFIX;
  const started = process.hrtime.bigint();
  let count = 0;
  if (kind === 'iterator') {
    for await (const _file of b2.iterateFiles(endpoints.bucketId)) count++;
  } else {
    do await b2.listFiles(endpoints.bucketId);
    while (b2.fileMarker);
    count = b2.files.length;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await b2.close();
  process.stdout.write(`${JSON.stringify({ seconds, count })}\n`);
}

/** The curl side: pages until nextFileName is null; prints the number of entries listed. */
function curlLoopScript(apiUrl: string, token: string, bucketId: string, pageSize: number): string {
  const q = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
  return `set -e
marker=''
count=0
while :; do
  body=$(jq -nc --arg b ${q(bucketId)} --arg p ${q(PREFIX)} --arg s "$marker" --argjson n ${pageSize} \\
    '{bucketId: $b, prefix: $p, maxFileCount: $n} + (if $s == "" then {} else {startFileName: $s} end)')
  page=$(curl -sS --fail -X POST ${q(`${apiUrl}/b2api/v2/b2_list_file_names`)} -H ${q(`Authorization: ${token}`)} -d "$body")
  read -r n marker <<EOF_PAGE
$(printf '%s' "$page" | jq -r '"\\(.files | length) \\(.nextFileName // "")"')
EOF_PAGE
  count=$((count + n))
  [ -n "$marker" ] || break
done
echo "$count"
`;
}

async function main(): Promise<void> {
  const entries = Number(process.env.BENCH_LIST_ENTRIES ?? 100_000);
  const pageSize = Number(process.env.BENCH_PAGE_SIZE ?? 1000);
  const dir = await mkdtemp(join(tmpdir(), 'bench-listing-'));
  const { endpoints, child } = await startEmulatorProcess<B2Endpoints>(self, dir, [String(entries)]);
  const rows: Measurement[] = [];
  const checks: string[] = [];
  try {
    const config = JSON.stringify(endpoints);
    for (const kind of ['iterator', 'collection']) {
      const out = join(dir, `${kind}.json`);
      const label = `class listing, ${kind}`;
      const m = await measureProcess(
        label,
        process.execPath,
        [...process.execArgv, self, kind, config, String(pageSize)],
        {
          bytes: 0,
          stdoutFile: out,
        },
      );
      await new Promise((r) => setTimeout(r, 50));
      const { seconds, count } = JSON.parse(await readFile(out, 'utf8')) as {
        seconds: number;
        count: number;
      };
      rows.push({ ...m, seconds, items: entries });
      checks.push(`${label} listed ${count} entries: ${count === entries ? 'yes' : 'DIFFERENT'}`);
    }
    const api = new B2Calls(endpoints);
    await api.authorize();
    const script = join(dir, 'curl-list.sh');
    await writeFile(script, curlLoopScript(api.apiUrl, api.token, endpoints.bucketId, pageSize));
    const counted = join(dir, 'curl.out');
    const curl = await measureProcess('curl paging loop', 'bash', [script], {
      bytes: 0,
      stdoutFile: counted,
    });
    await new Promise((r) => setTimeout(r, 50));
    rows.push({ ...curl, items: entries });
    const curlCount = Number((await readFile(counted, 'utf8')).trim());
    checks.push(
      `curl paging loop listed ${curlCount} entries: ${curlCount === entries ? 'yes' : 'DIFFERENT'}`,
    );

    console.log(
      `\nListing ${entries} entries in one folder of B2, ${pageSize} a page, emulator on 127.0.0.1 (${new Date().toISOString()})\n`,
    );
    console.log(formatTable(rows));
    console.log('\nEntries per second:');
    for (const r of rows) console.log(`  ${r.label.padEnd(27)} ${(entries / r.seconds).toFixed(0)}`);
    printChecks(checks);
  } finally {
    await stopEmulatorProcess(child);
    await rm(dir, { recursive: true, force: true });
  }
}

const [, , mode, ...args] = process.argv;
if (mode === 'serve') await serve(args[0]!, Number(args[1]));
else if (mode === 'iterator' || mode === 'collection')
  await classListing(mode, JSON.parse(args[0]!) as B2Endpoints, Number(args[1]));
else await main();
