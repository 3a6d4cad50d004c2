// Runs stand-in monitors through each way src/sys/monitor-process.ts can start one that the
// runtime has (node:child_process everywhere, Bun.spawn under bun) and waitForEvent on top, and
// writes what each reported, as JSON, to the file named by argv[2] (test/sys/bun-spawn.test.ts).
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {bunSpawn} from '../../src/sys/bun-spawn.ts';
import {
  type StartMonitor,
  startMonitorWithBun,
  startMonitorWithChildProcess,
} from '../../src/sys/monitor-process.ts';
import {waitForEvent} from '../../src/sys/wait-device.ts';
import {alive} from './processes.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'immucore-monitor-'));
const pidFile = path.join(dir, 'pid');
const flag = path.join(dir, 'device');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A stand-in for `udevadm monitor`: its pid, a header, an event after 100 ms, then it waits. */
const LISTENING = [
  'sh',
  '-c',
  `echo $$ > ${pidFile}; echo header; sleep 0.1; touch ${flag}; echo event; exec sleep 30`,
];

interface Seen {
  outputs: number;
  errors: string[];
  exits: Array<string | number | null>;
}

async function watch(start: StartMonitor, argv: string[], stopAfterOutputs?: number): Promise<unknown> {
  rmSync(pidFile, {force: true});
  rmSync(flag, {force: true});
  const seen: Seen = {outputs: 0, errors: [], exits: []};
  let stop: () => void = () => {};
  let stopped = false;
  stop = start(argv, {
    onOutput: () => {
      seen.outputs++;
      if (stopAfterOutputs !== undefined && seen.outputs >= stopAfterOutputs && !stopped) {
        stopped = true;
        stop();
      }
    },
    onError: (m) => seen.errors.push(m),
    onExit: (how) => seen.exits.push(how),
  });
  // Long enough for the stand-ins to print, end or be stopped and reaped (a test's wait, not the product's).
  for (let i = 0; i < 100 && seen.exits.length === 0 && seen.errors.length === 0; i++) await sleep(20);
  await sleep(200);
  const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : undefined;
  return {...seen, monitorLeft: pid !== undefined && alive(pid)};
}

async function waitCase(monitorArgv: string[]): Promise<unknown> {
  rmSync(pidFile, {force: true});
  rmSync(flag, {force: true});
  const find = async () => (existsSync(flag) ? '/dev/found' : undefined);
  try {
    const device = await waitForEvent('LABEL=X', find, {watchDirs: [], monitorArgv}, {timeoutMs: 1500});
    await sleep(200);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    return {device, monitorLeft: alive(pid)};
  } catch (e) {
    return {thrown: (e as Error).message, code: (e as {code?: string}).code};
  }
}

async function main(outFile: string) {
  const starts: Record<string, StartMonitor> = {'child-process': startMonitorWithChildProcess};
  const bun = bunSpawn();
  if (bun) starts.bun = startMonitorWithBun(bun);
  const cases: Record<string, [string[], number?]> = {
    'stopped after its event': [LISTENING, 2],
    'a missing command': [['no-such-udevadm-immucore', 'monitor']],
    'exits early with a code': [['sh', '-c', 'echo header; exit 3']],
    'killed by a signal': [['sh', '-c', 'kill -KILL $$']],
    'prints nothing and exits': [['true']],
  };
  const results: Record<string, Record<string, unknown>> = {};
  for (const [name, [argv, stopAfter]] of Object.entries(cases)) {
    const runs: Record<string, unknown> = {};
    for (const [impl, start] of Object.entries(starts)) runs[impl] = await watch(start, argv, stopAfter);
    results[name] = runs;
  }
  // waitForEvent itself, with the runtime's own way.
  const waits = {
    'the event finds the device; the monitor is stopped': await waitCase(LISTENING),
    'the monitor cannot start': await waitCase(['no-such-udevadm-immucore']),
    'the monitor exits early': await waitCase(['sh', '-c', `echo $$ > ${pidFile}; exit 3`]),
  };
  writeFileSync(outFile, JSON.stringify({runtime: bun ? 'bun' : 'node', results, waits}));
}

try {
  await main(process.argv[2] ?? '/dev/stdout');
} finally {
  rmSync(dir, {recursive: true, force: true});
}
