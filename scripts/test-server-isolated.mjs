#!/usr/bin/env node
// Order independence of the language-server suites (test/server/*.test.ts): runs every test alone, then every
// file with the tests of each suite in reverse order, and reports pass/fail per test. Exit code 1 when any fails.
// Every file runs in its own process (so files share nothing but read-only fixtures).
//
// Usage: node scripts/test-server-isolated.mjs [--no-isolated] [--no-reverse] [--shuffle[=SEED]] [--grep=TEXT] [--timeout=SECONDS] [FILE...]
//   FILE       test files (default test/server/*.test.ts); --grep: only tests whose name contains TEXT
//   --shuffle  also run every file once with the tests of each suite in a seeded random order (DELE_TEST_ORDER=shuffle,
//              DELE_TEST_SEED; a random seed unless given, printed so that a failing order can be run again).
//              `npm run test:server` is `--no-isolated --no-reverse --shuffle`: each file once, in a new order each time.
//
// A test runs alone as `node --import tsx --test --test-name-pattern="^<escaped name>$" <file>`. Node 20 runs a
// test when the pattern matches its own name or an ancestor suite's name, and runs the suites' hooks either way;
// the script checks from the runner's events that exactly the wanted test ran, else it reports the run as ambiguous.
// The reverse run sets DELE_TEST_ORDER=reverse, which test/server/lspClient.ts's describe/it obey.
//
// The tests are listed from the runner itself (a run whose pattern matches no test), since some names are
// template literals. This file is also the reporter of those runs (`--test-reporter=<this file>`): loaded by the
// runner, it prints the runner's events as JSON lines.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
const ROOT = path.resolve(path.dirname(SELF), '..');
const MARK = '@@dele-test-event@@ ';
const NOT_MATCHED = 'test name does not match pattern';

/** The reporter: node:test events as JSON lines (an Error does not survive JSON.stringify, so its text is copied). */
export default async function* reporter(source) {
  for await (const e of source) {
    const d = e.data ?? {};
    const err = d.details?.error;
    const cause = err?.cause;
    const error = err
      ? {
          failureType: err.failureType,
          message: String((cause instanceof Error ? cause.message : cause) ?? err.message),
          stack: cause instanceof Error ? cause.stack : err.stack,
        }
      : undefined;
    yield `${MARK}${JSON.stringify({ type: e.type, name: d.name, nesting: d.nesting, file: d.file, skip: d.skip, todo: d.todo, suite: d.details?.type === 'suite', ms: d.details?.duration_ms, message: d.message, error })}\n`;
  }
}

/** One run of the runner on one file: the tests it reported (with their suite path), console output, exit code. */
function runFile(file, { pattern, env = {}, timeoutMs }) {
  const args = ['--import', 'tsx', '--test', `--test-reporter=${pathToFileURL(SELF).href}`, '--test-reporter-destination=stdout'];
  if (pattern !== undefined) args.push(`--test-name-pattern=${pattern}`);
  args.push(file);
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c) => (err += c));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL'); // the runner and the file's subprocess it started
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      const events = [];
      const other = [];
      for (const line of out.split('\n')) {
        if (line.startsWith(MARK)) events.push(JSON.parse(line.slice(MARK.length)));
        else if (line.trim()) other.push(line);
      }
      // Suite path of each test: from test:start events (a suite starts before its tests).
      const stack = [];
      const tests = [];
      const failedSuites = [];
      const started = [];
      const output = [];
      for (const e of events) {
        if (e.type === 'test:start') {
          stack[e.nesting] = e.name;
          stack.length = e.nesting + 1;
          started.push([...stack]);
        } else if (e.type === 'test:pass' || e.type === 'test:fail') {
          const suitePath = stack.slice(0, e.nesting);
          if (e.suite || (e.nesting === 0 && e.name === e.file)) {
            // A suite whose tests failed fails too ("N subtests failed"): only a suite's own failure (a hook) counts.
            if (e.type === 'test:fail' && e.error?.failureType !== 'subtestsFailed') failedSuites.push({ path: [...suitePath, e.name], error: e.error });
          } else tests.push({ path: [...suitePath, e.name], status: e.type === 'test:fail' ? 'fail' : e.skip !== undefined ? 'skip' : e.todo !== undefined ? 'todo' : 'pass', skip: e.skip, ms: e.ms, error: e.error });
        } else if (e.type === 'test:stdout' || e.type === 'test:stderr') output.push(e.message);
      }
      resolve({ code, timedOut, tests, failedSuites, started, output: output.join('') + other.join('\n') + err, ms: Date.now() - t0 });
    });
  });
}

const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const show = (p) => p.join(' › ');
const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;
const indent = (text, n = 6) => text.trimEnd().split('\n').map((l) => ' '.repeat(n) + l).join('\n');
const tail = (text, lines = 25) => text.trimEnd().split('\n').slice(-lines).join('\n');

function describeFailure(r, test) {
  const parts = [];
  if (test?.error) parts.push(test.error.stack ?? test.error.message);
  for (const s of r.failedSuites) parts.push(`suite ${show(s.path)} failed: ${s.error?.message ?? '(no message)'}`);
  if (r.timedOut) parts.push('timed out');
  else if (r.code !== 0 && parts.length === 0) parts.push(`the runner exited with code ${r.code}`);
  if (r.output.trim()) parts.push(`output (last lines):\n${tail(r.output)}`);
  return parts.join('\n');
}

async function main() {
  const argv = process.argv.slice(2);
  const flag = (name) => argv.includes(name);
  const option = (name) => argv.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
  const isolated = !flag('--no-isolated');
  const reverse = !flag('--no-reverse');
  const grep = option('--grep');
  const timeoutMs = Number(option('--timeout') ?? 600) * 1000;
  const shuffle = flag('--shuffle') || option('--shuffle') !== undefined;
  const seed = Number(option('--shuffle') ?? Math.floor(Math.random() * 2 ** 31));
  if (shuffle) console.log(`shuffled order: seed ${seed} (again: node scripts/test-server-isolated.mjs --no-isolated --no-reverse --shuffle=${seed})`);
  const given = argv.filter((a) => !a.startsWith('--'));
  const files = (given.length > 0 ? given : fs.readdirSync(path.join(ROOT, 'test/server')).filter((f) => f.endsWith('.test.ts')).sort().map((f) => `test/server/${f}`)).map((f) =>
    path.relative(ROOT, path.resolve(f)),
  );

  const t0 = Date.now();
  const results = []; // { mode, file, path, status, ms, detail }
  const record = (r) => {
    results.push(r);
    const mark = { pass: '✔', fail: '✖', skip: '﹣', todo: '﹣' }[r.status] ?? '?';
    const note = r.status === 'skip' && r.skip ? ` # ${r.skip}` : '';
    console.log(`  ${mark} ${show(r.path)} (${secs(r.ms)})${note}`);
    if (r.status === 'fail') console.log(indent(r.detail));
  };

  for (const file of files) {
    const base = path.basename(file);
    if (shuffle) {
      const r = await runFile(file, { env: { DELE_TEST_ORDER: 'shuffle', DELE_TEST_SEED: String(seed) }, timeoutMs });
      console.log(`${base}: tests of each suite in shuffled order (${secs(r.ms)})`);
      for (const t of r.tests.filter((x) => !grep || show(x.path).includes(grep))) {
        record({ mode: 'shuffle', file, path: [base, ...t.path], status: t.status, skip: t.skip, ms: t.ms ?? 0, detail: t.status === 'fail' ? describeFailure({ ...r, failedSuites: [] }, t) : '' });
      }
      const failedTest = r.tests.some((t) => t.status === 'fail');
      if (r.tests.length === 0 || r.timedOut || r.failedSuites.length > 0 || (r.code !== 0 && !failedTest)) {
        record({ mode: 'shuffle', file, path: [base, '(shuffled run)'], status: 'fail', ms: r.ms, detail: r.tests.length === 0 ? `no tests reported\n${describeFailure(r)}` : describeFailure({ ...r, output: failedTest ? '' : r.output }) });
      }
    }
    if (!isolated && !reverse) continue;
    // List the tests: a run whose pattern matches no test name (the suites' hooks still run).
    const listing = await runFile(file, { pattern: '^(?!)', timeoutMs });
    if (listing.code !== 0 || listing.failedSuites.length > 0) {
      console.log(`${base}: listing its tests failed`);
      record({ mode: 'list', file, path: [base, '(listing)'], status: 'fail', ms: listing.ms, detail: describeFailure(listing) });
      continue;
    }
    const all = listing.tests.map((t) => t.path);
    const wanted = all.filter((p) => !grep || show(p).includes(grep));
    console.log(`${base}: ${all.length} tests${grep ? `, ${wanted.length} matching "${grep}"` : ''}`);

    if (isolated) {
      console.log(`  alone, one run per test:`);
      for (const p of wanted) {
        const name = p[p.length - 1];
        const r = await runFile(file, { pattern: `^${escapeRegExp(name)}$`, timeoutMs });
        const ran = r.tests.filter((t) => t.skip !== NOT_MATCHED);
        const mine = ran.find((t) => show(t.path) === show(p));
        let status;
        let detail = '';
        if (ran.length !== 1 || !mine) {
          status = 'fail';
          detail = `expected exactly this test to run, but ${ran.length} ran: ${ran.map((t) => show(t.path)).join('; ') || 'none'}\n${describeFailure(r)}`;
        } else if (mine.status === 'fail' || r.code !== 0 || r.timedOut || r.failedSuites.length > 0) {
          status = 'fail';
          detail = describeFailure(r, mine);
        } else status = mine.status;
        record({ mode: 'isolated', file, path: [base, ...p], status, skip: mine?.skip, ms: r.ms, detail });
      }
    }

    if (reverse) {
      console.log(`  whole file, tests of each suite in reverse order:`);
      const r = await runFile(file, { env: { DELE_TEST_ORDER: 'reverse' }, timeoutMs });
      // The helper must really have reversed them: the tests of each suite start in the opposite order of the listing.
      const startedTests = r.started.map(show).filter((n) => all.some((p) => show(p) === n));
      const expected = [];
      const bySuite = new Map();
      for (const p of all) {
        const key = show(p.slice(0, -1));
        if (!bySuite.has(key)) bySuite.set(key, []);
        bySuite.get(key).push(p);
      }
      for (const list of bySuite.values()) expected.push(...[...list].reverse().map(show));
      const reversedOk = JSON.stringify(startedTests) === JSON.stringify(expected) || all.length <= 1;
      for (const t of r.tests.filter((x) => wanted.some((p) => show(p) === show(x.path)))) {
        record({ mode: 'reverse', file, path: [base, ...t.path], status: t.status, skip: t.skip, ms: t.ms ?? 0, detail: t.status === 'fail' ? describeFailure({ ...r, failedSuites: [] }, t) : '' });
      }
      const missing = wanted.filter((p) => !r.tests.some((t) => show(t.path) === show(p)));
      // Problems of the run itself (a failed test was recorded above).
      const failedTest = r.tests.some((t) => t.status === 'fail');
      const why = [];
      if (!reversedOk) why.push(`the tests did not run in reverse order (does the file take describe/it from ./lspClient?):\n  ran: ${startedTests.join('\n       ')}`);
      if (missing.length > 0) why.push(`not reported: ${missing.map(show).join('; ')}`);
      if (r.timedOut || r.failedSuites.length > 0 || (r.code !== 0 && !failedTest)) why.push(describeFailure({ ...r, output: failedTest ? '' : r.output }));
      if (why.length > 0) record({ mode: 'reverse', file, path: [base, '(reverse run)'], status: 'fail', ms: r.ms, detail: why.join('\n') });
      console.log(`    (${secs(r.ms)} for the file)`);
    }
  }

  const count = (mode, status) => results.filter((r) => r.mode === mode && r.status === status).length;
  console.log('\nSummary');
  for (const mode of ['isolated', 'reverse', 'shuffle']) {
    if (!results.some((r) => r.mode === mode)) continue;
    const label = { isolated: 'alone         ', reverse: 'reverse order ', shuffle: `shuffled (${seed})` }[mode];
    console.log(`  ${label} pass ${count(mode, 'pass')}  fail ${count(mode, 'fail')}  skipped ${count(mode, 'skip') + count(mode, 'todo')}`);
  }
  const failed = results.filter((r) => r.status === 'fail');
  for (const r of failed) console.log(`  ✖ [${r.mode}] ${show(r.path)}`);
  console.log(`  total time ${secs(Date.now() - t0)}`);
  process.exitCode = failed.length > 0 ? 1 : 0;
}

// Run as a script (not loaded as the runner's reporter, where argv[1] is the test file).
if (process.argv[1] && fs.realpathSync(path.resolve(process.argv[1])) === fs.realpathSync(SELF)) {
  await main();
}
