import { appendFile } from 'node:fs/promises';
import { FileTokenStore } from '../../src/core/auth/stores/file.js';

/**
 * One contender of token-lock.test.ts, in its own process: takes the FileTokenStore's refresh lock
 * `rounds` times and, holding it, does a read-modify-write of the token record (a refresh), recording
 * `enter` and `exit` lines with timestamps in a shared log (appends are atomic, so the log's order is the
 * order of events). Its first hold lasts `firstHoldMs`, longer than staleLockMs: a live holder must not be
 * taken for a stale one.
 *
 * argv: storePath logPath name rounds staleLockMs firstHoldMs
 */
const [storePath, logPath, name, rounds, staleMs, firstHoldMs] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
  string,
];
const store = new FileTokenStore(storePath, { staleLockMs: Number(staleMs), lockTimeoutMs: 120_000 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// The wall clock, which every process reads alike. (performance.timeOrigin is fixed per process at its start
// and can be tens of milliseconds off between processes: a holder then seemed to enter before the previous
// one had left, in the right order in the log.)
const stamp = () => String(Date.now());

for (let i = 0; i < Number(rounds); i++) {
  await store.withRefreshLock(async () => {
    await appendFile(logPath, `enter ${name} ${stamp()}\n`);
    const record = await store.get();
    const count = Number(record?.accessToken ?? '0');
    await sleep(i === 0 ? Number(firstHoldMs) : 5 + Math.random() * 20);
    await store.set({ accessToken: String(count + 1), refreshToken: `rt-${name}-${i}` });
    await appendFile(logPath, `exit ${name} ${stamp()}\n`);
  });
}
