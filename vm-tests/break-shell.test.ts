// rd.immucore.break=mount-rw-paths (SPEC §2): immucore stops before the step with a shell on the
// console. The harness types into it over the serial console: findmnt shows the root, the overlay
// base and the volume already mounted but no RW-path overlay yet; `exit` resumes the boot, which
// completes as an active boot does.
import {beforeAll, describe, expect, it} from 'vitest';
import {
  diskCmdline,
  expectBootStatus,
  expectImageBoot,
  expectPersistentBinds,
  expectRwOverlays,
  reportOf,
} from './lib/expect-boot.ts';
import type {AgentFacts} from './lib/facts.ts';
import {bootForFacts} from './lib/fixtures.ts';
import {expectedLayout} from './lib/layout.ts';
import type {BootResult} from './lib/qemu.ts';

const PROMPT = /immucore break \(mount-rw-paths\) # /;
const END = '@@FINDMNT-END@@';
// The quotes keep the echo of the typed line from matching the marker the command prints.
const FINDMNT = `findmnt -rn -o TARGET,FSTYPE; echo ${END.replace('END', "''END")}\n`;

describe('rd.immucore.break: a shell on the console before mount-rw-paths', () => {
  const layout = expectedLayout('active_mode');
  let boot: BootResult;
  let facts: AgentFacts;

  beforeAll(async () => {
    ({boot, facts} = await bootForFacts({
      name: 'break-shell',
      append: `${diskCmdline('active')} rd.immucore.break=mount-rw-paths`,
      input: [
        {after: PROMPT, send: FINDMNT},
        {after: new RegExp(`^${END}\\r?$`, 'm'), send: 'exit\n'},
      ],
    }));
  });

  it('opens an interactive shell on the console that runs what is typed', () => {
    expect(boot.typed.map((t) => t.send)).toEqual([FINDMNT, 'exit\n']);
    const lines = findmntLines(boot.log);
    expect(lines).toContain('/sysroot ext4');
    expect(lines).toContain('/run/overlay tmpfs');
    expect(lines).toContain('/sysroot/usr/local ext4');
    // Stopped before mount-rw-paths: none of the layout's overlays is there yet.
    expect(lines.filter((l) => l.endsWith(' overlay'))).toEqual([]);
  });

  it('pushes back the start timeout while the shell is open, and goes on once it exits', () => {
    expect(facts.immucoreJournal).toMatch(
      /rd\.immucore\.break=mount-rw-paths: stopped before mount-rw-paths/,
    );
    expect(facts.immucoreJournal).not.toMatch(/cannot push back the unit's start timeout/);
    expect(facts.immucoreJournal).toMatch(/the shell exited, going on with mount-rw-paths/);
    expect(facts.immucoreJournal).toMatch(/Finished immucore\.service/);
  });

  it('completes the boot as an active boot, ok, with nothing reported about the break', () => {
    expectImageBoot(facts, 'active');
    expectBootStatus(facts, 'ok');
    expect(reportOf(facts).problems).toEqual([]);
    expectRwOverlays(facts, layout);
    expectPersistentBinds(facts, layout);
  });
});

/** The output of the typed findmnt: the lines between the command's echo and the end marker. */
function findmntLines(log: string): string[] {
  const lines = log.split('\n').map((l) => l.replace(/\r$/, ''));
  const start = lines.findIndex((l) => l.includes('findmnt -rn -o TARGET,FSTYPE'));
  const end = lines.findIndex((l, i) => i > start && l === END);
  expect(start, 'the typed findmnt never showed on the console').toBeGreaterThanOrEqual(0);
  expect(end, 'findmnt never finished').toBeGreaterThan(start);
  return lines.slice(start + 1, end);
}
