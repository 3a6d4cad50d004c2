// The default layout configs in overlays/ run through the real stage runner (chrooted in a busybox
// root) for each boot state; the cos-layout.env they write is compared with golden files, and
// read back by the layout code to check it means what the issue asks for.
import fs from 'node:fs/promises';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {parseCmdline} from '../../src/boot/cmdline.ts';
import {decideLayout} from '../../src/boot/layout.ts';
import {CloudConfigStages} from '../../src/stages/runner.ts';
import {stageContext} from '../fakes/stage-context.ts';
import {withTempRoot} from '../helpers/temp-root.ts';
import {installBusybox} from './busybox.ts';

const t = withTempRoot();
const OVERLAYS = path.resolve(import.meta.dirname, '../../overlays');
const GOLDEN = path.resolve(import.meta.dirname, 'golden');

const CMDLINES: Record<string, string> = {
  active: 'root=LABEL=COS_ACTIVE cos-img/filename=/cOS/active.img',
  passive: 'root=LABEL=COS_PASSIVE cos-img/filename=/cOS/passive.img',
  recovery: 'root=LABEL=COS_SYSTEM cos-img/filename=/cOS/recovery.img',
  autoreset: 'root=LABEL=COS_SYSTEM cos-img/filename=/cOS/recovery.img kairos.reset',
  live: 'root=live:CDLABEL=COS_LIVE',
};

/** Run the rootfs stage of the overlays configs in `state`; the layout file it left, if any. */
async function layoutFor(state: string, files: Record<string, string> = {}): Promise<string | undefined> {
  await installBusybox(t.root);
  await fs.cp(path.join(OVERLAYS, 'system'), t.path('system'), {recursive: true});
  await fs.mkdir(t.path('run/cos'), {recursive: true});
  await fs.writeFile(t.path(`run/cos/${state}_mode`), '1');
  for (const [p, text] of Object.entries(files)) await fs.writeFile(t.path(p), text);
  const ctx = stageContext(t.sys, {cmdline: CMDLINES[state]});
  await new CloudConfigStages().runStage('rootfs', ctx);
  expect(ctx.failures).toEqual([]);
  expect(ctx.warnings).toEqual([]);
  return fs.readFile(t.path('run/cos/cos-layout.env'), 'utf8').catch(() => undefined);
}

async function golden(name: string): Promise<string> {
  return fs.readFile(path.join(GOLDEN, `${name}.env`), 'utf8');
}

describe('the overlays/ layout configs', () => {
  it.each(['active', 'passive', 'recovery', 'autoreset'])(
    '%s boot writes the golden cos-layout.env',
    async (state) => {
      const golden_ = await golden(
        state === 'passive' ? 'active' : state === 'autoreset' ? 'recovery' : state,
      );
      expect(await layoutFor(state)).toBe(golden_);
    },
  );

  it('a live boot gets no layout file', async () => {
    expect(await layoutFor('live')).toBeUndefined();
  });

  it('active and passive: COS_PERSISTENT at /usr/local, three RW paths, the Kairos persistent paths', async () => {
    const text = await layoutFor('active');
    const {value, errors} = decideLayout(parseCmdline(CMDLINES.active ?? ''), {layout: text});
    expect(errors).toEqual([]);
    expect(value.rwPaths).toEqual(['/etc', '/srv', '/var']);
    expect(value.volumes).toEqual([{device: 'LABEL=COS_PERSISTENT', mountpoint: '/usr/local'}]);
    expect(value.overlay).toEqual({kind: 'tmpfs', size: '25%'});
    expect(value.persistentPaths).toHaveLength(37);
    expect(value.persistentPaths).toEqual(
      expect.arrayContaining(['/etc/ssh', '/home', '/var/lib/kairos', '/usr/libexec']),
    );
  });

  it('recovery: only the overlay size; the default RW paths and nothing persistent', async () => {
    const {value} = decideLayout(parseCmdline(CMDLINES.recovery ?? ''), {
      layout: await layoutFor('recovery'),
    });
    expect(value.overlay).toEqual({kind: 'tmpfs', size: '25%'});
    expect(value.persistentPaths).toEqual([]);
    expect(value.volumes).toEqual([]);
    expect(value.rwPaths).toEqual(['/etc', '/home', '/opt', '/root', '/srv', '/var', '/usr/local']);
  });

  it('rootfs.after merges /run/cos/custom-layout.env into the layout', async () => {
    const text = await layoutFor('active', {
      'run/cos/custom-layout.env':
        '# from the installer\nCUSTOM_BIND_MOUNTS="/var/lib/foo /opt/bar"\nexport CUSTOM_EPHEMERAL_MOUNTS=/var/tmp/x\n',
    });
    expect(text).toBe(await golden('active-custom'));
    const {value, errors} = decideLayout(parseCmdline(CMDLINES.active ?? ''), {layout: text});
    expect(errors).toEqual([]);
    expect(value.persistentPaths).toEqual(expect.arrayContaining(['/var/lib/foo', '/opt/bar']));
    expect(value.rwPaths).toContain('/var/tmp/x');
  });

  it('the custom merge adds to custom paths an earlier config put in the layout', async () => {
    await fs.mkdir(t.path('run/cos'), {recursive: true});
    await fs.writeFile(t.path('run/cos/cos-layout.env'), 'CUSTOM_BIND_MOUNTS="/srv/a"\n');
    const text = await layoutFor('passive', {'run/cos/custom-layout.env': 'CUSTOM_BIND_MOUNTS=/srv/b\n'});
    expect(text).toMatch(/\nCUSTOM_BIND_MOUNTS="\/srv\/a \/srv\/b"\nCUSTOM_EPHEMERAL_MOUNTS=""\n$/);
    expect(text?.match(/CUSTOM_BIND_MOUNTS/g)).toHaveLength(1);
  });

  it('recovery ignores custom-layout.env', async () => {
    const text = await layoutFor('recovery', {'run/cos/custom-layout.env': 'CUSTOM_BIND_MOUNTS=/srv/b\n'});
    expect(text).toBe(await golden('recovery'));
  });
});
