// One stage step: its `if`, then each directive in yip's order (dns, ensure_entities, directories,
// files, commands, delete_entities, hostname, sysctl, users, keys, modules, timesyncd, systemctl,
// environment). A failing directive does not stop the next one, as in yip; the step then fails
// with every failure named.

import {pullDatasource} from './directives/datasource.ts';
import {deleteEntities, ensureEntities} from './directives/entities.ts';
import {writeEnvironment} from './directives/environment.ts';
import {DirectiveError} from './directives/errors.ts';
import {writeDirectories, writeFiles} from './directives/files.ts';
import {applyLayout} from './directives/layout.ts';
import {writeDns, writeTimesyncd} from './directives/network-time.ts';
import {loadModules, writeHostname, writeSysctl} from './directives/system.ts';
import {runSystemctl} from './directives/systemctl.ts';
import {writeAuthorizedKeys, writeUsers} from './directives/users.ts';
import type {LayoutSpec} from './layout-plan.ts';
import type {StepEnv} from './step-env.ts';
import type {DatasourceSpec, DnsSpec, StageStep} from './types.ts';
import {isHostname} from './validate-step.ts';

export type StepOutcome = {ran: true} | {ran: false; reason: string};

type Directive = [
  name: string,
  applies: (s: StageStep) => boolean,
  run: (env: StepEnv, s: StageStep) => Promise<void>,
];

const DIRECTIVES: Directive[] = [
  ['dns', (s) => s.dns !== undefined, (e, s) => writeDns(e, s.dns as DnsSpec)],
  ['ensure_entities', (s) => s.ensureEntities.length > 0, (e, s) => ensureEntities(e, s.ensureEntities)],
  ['directories', (s) => s.directories.length > 0, (e, s) => writeDirectories(e, s.directories)],
  ['files', (s) => s.files.length > 0, (e, s) => writeFiles(e, s.files)],
  ['commands', (s) => s.commands.length > 0, (e, s) => runCommands(e, s.commands)],
  ['delete_entities', (s) => s.deleteEntities.length > 0, (e, s) => deleteEntities(e, s.deleteEntities)],
  [
    'hostname',
    (s) => s.hostname !== undefined,
    (e, s) => writeHostname(e, checkedHostname(s.hostname as string)),
  ],
  ['sysctl', (s) => s.sysctl.length > 0, (e, s) => writeSysctl(e, s.sysctl)],
  ['users', (s) => s.users.length > 0, (e, s) => writeUsers(e, s.users)],
  ['authorized_keys', (s) => s.authorizedKeys.length > 0, (e, s) => writeAuthorizedKeys(e, s.authorizedKeys)],
  ['modules', (s) => s.modules.length > 0, (e, s) => loadModules(e, s.modules)],
  ['timesyncd', (s) => s.timesyncd.length > 0, (e, s) => writeTimesyncd(e, s.timesyncd)],
  [
    'systemctl',
    (s) => Object.values(s.systemctl).some((l) => l.length > 0),
    (e, s) => runSystemctl(e, s.systemctl),
  ],
  [
    'environment',
    (s) => s.environment.length > 0,
    (e, s) => writeEnvironment(e, s.environment, s.environmentFile),
  ],
  [
    'datasource',
    (s) => s.datasource !== undefined,
    (e, s) => pullDatasource(e, s.datasource as DatasourceSpec),
  ],
  ['layout', (s) => s.layout !== undefined, (e, s) => applyLayout(e, s.layout as LayoutSpec)],
];

/** Run the step; `ran: false` when its `if` said no. Throws a DirectiveError when a directive failed. */
export async function runStep(env: StepEnv, step: StageStep): Promise<StepOutcome> {
  if (step.if !== undefined) {
    const {exitCode, stderr} = await env.exec(['/bin/sh', '-c', step.if], {okExitCodes: allExitCodes()});
    // 126/127: the shell or a tool in the test is missing; that is a broken step, not a "no".
    if (exitCode === 126 || exitCode === 127)
      throw new Error(
        `if '${step.if}' could not run (exit ${exitCode})${stderr ? `: ${stderr.trim()}` : ''}`,
      );
    if (exitCode !== 0) return {ran: false, reason: `if '${step.if}' exited ${exitCode}`};
  }
  const failures: Error[] = [];
  for (const [name, applies, run] of DIRECTIVES) {
    if (!applies(step)) continue;
    try {
      await run(env, step);
    } catch (err) {
      const parts = err instanceof DirectiveError ? err.failures : [err as Error];
      failures.push(...parts.map((e) => new Error(`${name}: ${e.message}`, {cause: e})));
      if (parts.some(isStop)) break;
    }
  }
  if (failures.length > 0) throw new DirectiveError(failures);
  return {ran: true};
}

/** Each command with `/bin/sh -c`; a failing one is reported and the next still runs (yip does the same). */
async function runCommands(env: StepEnv, commands: string[]): Promise<void> {
  const failures: Error[] = [];
  for (const command of commands) {
    try {
      await env.exec(['/bin/sh', '-c', command]);
    } catch (err) {
      failures.push(err as Error);
      if (isStop(err)) break;
    }
  }
  if (failures.length > 0) throw new DirectiveError(failures);
}

/** A rendered host name is checked as a written one is when the file is read. */
function checkedHostname(name: string): string {
  if (!isHostname(name))
    throw new Error(`"${name}" is not a host name (letters, digits, - and dots; labels of at most 63)`);
  return name;
}

/** Out of time, or stopped (SIGTERM, the memory guard): nothing more of the step may run. */
export function isStop(err: unknown): boolean {
  const code = (err as {code?: unknown} | null)?.code;
  return code === 'ETIMEDOUT' || code === 'ABORT_ERR';
}

function allExitCodes(): number[] {
  return Array.from({length: 256}, (_, i) => i);
}
