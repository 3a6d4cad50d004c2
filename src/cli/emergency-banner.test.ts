// The emergency shell's banner (dracut/28immucore): the commands it names exist, and the dracut
// module installs the text and the emergency hook that prints it. The QEMU scenario retry-shell
// sees it on the console.
import {spawnSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {resolve} from 'node:path';
import {describe, expect, it} from 'vitest';
import {COMMANDS} from './commands.ts';

const MODULE = resolve(import.meta.dirname, '../../dracut/28immucore');
const banner = readFileSync(`${MODULE}/emergency-banner.txt`, 'utf8');

describe('the emergency shell banner', () => {
  it('names status, timeline, retry and slot, each a command of this binary', () => {
    const named = [...banner.matchAll(/immucore ([a-z-]+)(?: ([a-z-]+))?/g)].map(([, a, b]) =>
      b && `${a}:${b}` in COMMANDS ? `${a}:${b}` : (a as string),
    );
    expect(named).toEqual(['status', 'timeline', 'retry', 'slot:status']);
    for (const id of named) expect(Object.keys(COMMANDS)).toContain(id);
    for (const sub of ['set-next', 'mark-good', 'mark-bad']) expect(COMMANDS).toHaveProperty(`slot:${sub}`);
    expect(banner).toMatch(/type `exit`/);
  });

  it('is installed with the emergency hook that prints it on every console', () => {
    const setup = readFileSync(`${MODULE}/module-setup.sh`, 'utf8');
    expect(setup).toContain(
      'inst_simple "$moddir/emergency-banner.txt" /usr/lib/immucore/emergency-banner.txt',
    );
    expect(setup).toContain('inst_hook emergency 50 "$moddir/immucore-emergency.sh"');
    const hook = readFileSync(`${MODULE}/immucore-emergency.sh`, 'utf8');
    expect(hook).toContain('/usr/lib/immucore/emergency-banner.txt');
    expect(hook).toContain('< /proc/consoles');
    expect(spawnSync('sh', ['-n', `${MODULE}/immucore-emergency.sh`]).status).toBe(0);
    const install = readFileSync(resolve(MODULE, '../../scripts/install-dracut-module.sh'), 'utf8');
    expect(install).toContain('immucore-emergency.sh');
    expect(install).toContain('emergency-banner.txt');
  });
});
