import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CASES, type Report } from '../helpers/linear-cases.js';

/**
 * No pattern that sees server data may be super-linear. Each case of linear-cases.ts runs on about 1 MB of
 * benign input and on 1 MB shaped to make a backtracking regular expression retry at every position; the
 * adversarial run must take less than 50x the benign one measured in the same process (a quadratic pattern
 * takes hours on 1 MB), and its output must be right. The work runs in a child process, killed once a case
 * passes its bound, so a quadratic pattern fails the test instead of hanging it.
 */
const RATIO = 50;
/** Below this, a run is noise whatever the ratio (a benign run of a few microseconds). */
const FLOOR_MS = 200;

interface Outcome {
  benign?: number;
  adversarial?: number;
  error?: string;
  killedAfter?: number;
}

/** Runs the cases from `first` on in one child; resolves with the index of a case it had to kill, if any. */
function runFrom(first: number, outcomes: Outcome[]): Promise<number | undefined> {
  const script = fileURLToPath(new URL('../helpers/linear-cases.ts', import.meta.url));
  const child = fork(script, ['run-linear-cases', String(first)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let watchdog: NodeJS.Timeout | undefined;
  let killed: number | undefined;
  return new Promise((resolve, reject) => {
    child.on('message', (m: Report) => {
      const o = outcomes[m.case]!;
      clearTimeout(watchdog);
      if (m.phase === 'benign') {
        o.benign = m.ms;
        // Three adversarial runs are timed; each may take up to the bound.
        const bound = 3 * Math.max(RATIO * m.ms, FLOOR_MS) + 1000;
        watchdog = setTimeout(() => {
          o.killedAfter = bound;
          killed = m.case;
          child.kill('SIGKILL');
        }, bound);
      } else {
        o.adversarial = m.ms;
        if (m.error) o.error = m.error;
      }
    });
    child.once('error', reject);
    child.once('exit', () => {
      clearTimeout(watchdog);
      resolve(killed);
    });
  });
}

async function measure(): Promise<Outcome[]> {
  const outcomes: Outcome[] = CASES.map(() => ({}));
  let first = 0;
  while (first < CASES.length) {
    const killed = await runFrom(first, outcomes);
    if (killed === undefined) break;
    first = killed + 1;
  }
  if (process.env.LINEAR_DEBUG) console.error(outcomes);
  return outcomes;
}

describe('parsing server data takes linear time (1 MB adversarial inputs)', () => {
  let outcomes: Outcome[] = [];
  before(async () => {
    outcomes = await measure();
  });

  for (const [index, c] of CASES.entries()) {
    it(c.name, () => {
      const o = outcomes[index]!;
      assert.ok(o.benign !== undefined, 'the case did not run');
      assert.equal(o.killedAfter, undefined, `the adversarial input ran for more than ${o.killedAfter} ms`);
      assert.ok(o.adversarial !== undefined, 'the adversarial input did not finish');
      assert.equal(o.error, undefined, `wrong output: ${o.error}`);
      const bound = Math.max(RATIO * o.benign, FLOOR_MS);
      assert.ok(
        o.adversarial < bound,
        `adversarial ${o.adversarial.toFixed(1)} ms, benign ${o.benign.toFixed(1)} ms: over ${RATIO}x`,
      );
    });
  }
});
