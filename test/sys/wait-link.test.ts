// LinuxSys.waitForLink (a udev link such as /dev/disk/by-label/COS_ACTIVE pointing at the loop
// device) and findTool, on a temporary directory standing in for /dev/disk and udev's control
// socket; no root needed.
import {chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {LinuxSys} from '../../src/sys/linux.ts';
import {SysError} from '../../src/sys/sys.ts';

describe('LinuxSys.waitForLink', () => {
  let dir: string;
  let byLabel: string;
  let device: string;
  let control: string;
  let sys: LinuxSys;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'immucore-link-'));
    byLabel = path.join(dir, 'disk', 'by-label');
    mkdirSync(byLabel, {recursive: true});
    device = path.join(dir, 'loop0');
    writeFileSync(device, '');
    control = path.join(dir, 'control');
    writeFileSync(control, '');
    sys = new LinuxSys({linkEvents: {control}});
  });
  afterEach(() => rmSync(dir, {recursive: true, force: true}));
  const link = () => path.join(byLabel, 'COS_ACTIVE');

  it('answers at once when the link is there', async () => {
    symlinkSync('../../loop0', link());
    await expect(sys.waitForLink(link(), device, {timeoutMs: 1000})).resolves.toBe('linked');
  });

  it('waits for udev to make the link (an inotify event in its directory)', async () => {
    const wait = sys.waitForLink(link(), device, {timeoutMs: 10_000});
    setTimeout(() => symlinkSync('../../loop0', link()), 100);
    await expect(wait).resolves.toBe('linked');
  });

  it('does not take a link to another device', async () => {
    writeFileSync(path.join(dir, 'loop1'), '');
    symlinkSync('../../loop1', link());
    const err = (await sys.waitForLink(link(), device, {timeoutMs: 150}).catch((e) => e)) as SysError;
    expect(err).toBeInstanceOf(SysError);
    expect(err.code).toBe('ETIMEDOUT');
    expect(err.message).toBe(`Device ${link()} did not appear within 150 ms`);
  });

  it('does not wait when udevd is not running (no control socket)', async () => {
    rmSync(control);
    await expect(sys.waitForLink(link(), device, {timeoutMs: 10_000})).resolves.toBe('no-udev');
  });
});

describe('LinuxSys.findTool', () => {
  let dir: string;
  let saved: string | undefined;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'immucore-path-'));
    saved = process.env.PATH;
  });
  afterEach(() => {
    process.env.PATH = saved;
    rmSync(dir, {recursive: true, force: true});
  });

  it('finds an executable on PATH, not a plain file nor a directory', async () => {
    for (const d of ['a', 'b']) mkdirSync(path.join(dir, d));
    writeFileSync(path.join(dir, 'a', 'lvm'), '');
    mkdirSync(path.join(dir, 'a', 'mdadm'));
    writeFileSync(path.join(dir, 'b', 'lvm'), '#!/bin/sh\n');
    chmodSync(path.join(dir, 'b', 'lvm'), 0o755);
    process.env.PATH = `${path.join(dir, 'a')}:${path.join(dir, 'b')}`;
    const sys = new LinuxSys();
    expect(await sys.findTool('lvm')).toBe(path.join(dir, 'b', 'lvm'));
    expect(await sys.findTool('mdadm')).toBeUndefined();
  });
});
