// Issue 13, scenario 8: the root image is already attached when immucore comes to it, as an
// earlier, interrupted run leaves it (here: attached read-only by hand from a
// rd.immucore.break=attach-image shell). immucore reuses that loop device instead of attaching a
// second one: the booted root is the stale device, and one loop device backs active.img.
import {beforeAll, describe, expect, it} from 'vitest';
import {diskCmdline, expectBootStatus, expectImageBoot, reportOf} from './lib/expect-boot.ts';
import type {AgentFacts} from './lib/facts.ts';
import {bootForFacts} from './lib/fixtures.ts';
import type {BootResult} from './lib/qemu.ts';

const PROMPT = /immucore break \(attach-image\) # /;
const IMAGE = '/run/initramfs/cos-state/cOS/active.img';
const END = '@@LOSETUP-END@@';
// The quotes keep the echo of the typed line from matching the marker the command prints.
const ATTACH = `echo STALE=$(losetup -r -f --show ${IMAGE}); echo ${END.replace('END', "''END")}\n`;

describe('a loop device left attached to the root image by an earlier run', () => {
  let boot: BootResult;
  let facts: AgentFacts;

  beforeAll(async () => {
    ({boot, facts} = await bootForFacts({
      name: 'stale-loop',
      append: `${diskCmdline('active')} rd.immucore.break=attach-image`,
      input: [
        {after: PROMPT, send: ATTACH},
        {after: new RegExp(`^${END}\\r?$`, 'm'), send: 'exit\n'},
      ],
    }));
  });

  it('reuses the stale loop device as the root: no second root is attached', () => {
    const stale = /^STALE=(\/dev\/loop\d+)\r?$/m.exec(boot.log)?.[1];
    expect(stale, 'the typed losetup printed no device').toBeDefined();
    const root = facts.mounts.find((m) => m.target === '/');
    expect(root?.source).toBe(stale);
    const journal = facts.immucoreJournal;
    expect(journal).toContain(`${IMAGE} on ${stale} (read-only)`);
    expect(boot.typed.map((t) => t.send)).toEqual([ATTACH, 'exit\n']);
  });

  it('boots as an active boot, ok', () => {
    expectImageBoot(facts, 'active');
    expectBootStatus(facts, 'ok');
    expect(reportOf(facts).problems).toEqual([]);
  });
});
