// A kernel without overlay fails the disk boot by name; one that has it, or can load it, goes on.
import {describe, expect, it} from 'vitest';
import {FakeSys} from '../../test/fakes/fake-sys.ts';
import {parseFilesystems, requireFilesystem} from './kernel-filesystems.ts';

const WITHOUT = 'nodev\tsysfs\nnodev\ttmpfs\n\text4\n';
const WITH = `${WITHOUT}nodev\toverlay\n`;

describe('parseFilesystems', () => {
  it('reads the type of each line, nodev or not', () => {
    expect([...parseFilesystems(WITH)]).toEqual(['sysfs', 'tmpfs', 'ext4', 'overlay']);
  });
});

describe('requireFilesystem', () => {
  it('asks nothing when the kernel has it already', async () => {
    const sys = new FakeSys({files: {'/proc/filesystems': WITH}});
    await requireFilesystem(sys, 'overlay', 'RW paths need');
    expect(sys.runs).toEqual([]);
  });

  it('checks nothing without /proc/filesystems (not in the initramfs)', async () => {
    const sys = new FakeSys();
    await requireFilesystem(sys, 'overlay', 'RW paths need');
    expect(sys.runs).toEqual([]);
  });

  it('goes on when modprobe loads it', async () => {
    const sys: FakeSys = new FakeSys({
      files: {'/proc/filesystems': WITHOUT},
      run: async () => {
        await sys.writeText('/proc/filesystems', WITH);
        return {exitCode: 0, stdout: '', stderr: ''};
      },
    });
    await requireFilesystem(sys, 'overlay', 'RW paths need');
    expect(sys.runs).toEqual([['modprobe', '-b', '--', 'overlay']]);
  });

  it('fails naming the module, what modprobe said and the fix when it cannot be loaded', async () => {
    const said = 'modprobe: FATAL: Module overlay not found in directory /lib/modules/6.1.0-50-amd64';
    const sys = new FakeSys({
      files: {'/proc/filesystems': WITHOUT},
      run: async () => ({exitCode: 1, stdout: '', stderr: said}),
    });
    const err = await requireFilesystem(sys, 'overlay', 'RW paths need').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe(
      `The kernel cannot mount overlay filesystems, which RW paths need: /proc/filesystems has no overlay and "modprobe -b -- overlay" did not add it (${said})`,
    );
    expect((err as {info: {hint: string}}).info.hint).toMatch(/dracut --add-drivers overlay/);
  });

  it('says a silent modprobe loaded nothing (a blacklisted module)', async () => {
    const sys = new FakeSys({files: {'/proc/filesystems': WITHOUT}});
    await expect(requireFilesystem(sys, 'overlay', 'RW paths need')).rejects.toThrow(
      /did not add it \(it loaded nothing \(blacklisted\?\)\)/,
    );
  });
});
