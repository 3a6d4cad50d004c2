// What a boot or a command reads from the machine, on the fake Sys: the cmdline, the layout files,
// the cloud-config sources in the stages' order.
import {describe, expect, it} from 'vitest';
import {FakeSys} from '../../test/fakes/fake-sys.ts';
import {EXTRA_LAYOUT_FILE, LAYOUT_FILE} from '../boot/layout.ts';
import {CMDLINE_FILE, readConfigSources, readInputs, readLayoutFiles} from './read-inputs.ts';

const ACTIVE = 'root=LABEL=COS_ACTIVE cos-img/filename=/cOS/active.img';

describe('readInputs', () => {
  it("parses the machine's cmdline, and reads no layout unless asked", async () => {
    const sys = new FakeSys({files: {[CMDLINE_FILE]: `${ACTIVE}\n`, [LAYOUT_FILE]: 'RW_PATHS=/var\n'}});
    const inputs = await readInputs(sys);
    expect(inputs.config.imageFile).toBe('/cOS/active.img');
    expect(inputs.layout).toBeUndefined();
  });

  it('uses a given cmdline instead of the machine one', async () => {
    const sys = new FakeSys({files: {[CMDLINE_FILE]: ACTIVE}});
    const inputs = await readInputs(sys, {cmdline: 'root=LABEL=COS_PASSIVE'});
    expect(inputs.config.root).toBe('LABEL=COS_PASSIVE');
  });

  it('reads an empty cmdline when the machine has none', async () => {
    expect((await readInputs(new FakeSys())).config.raw).toBe('');
  });

  it("reads the machine's layout files when asked, a missing one left out", async () => {
    const sys = new FakeSys({files: {[LAYOUT_FILE]: 'RW_PATHS=/var\n'}});
    expect((await readInputs(sys, {layout: true})).layout).toEqual({layout: 'RW_PATHS=/var\n'});
  });

  it('reads layout files named on the command line, and names a missing one with the fix', async () => {
    const sys = new FakeSys({files: {'/tmp/l.env': 'OVERLAY=tmpfs:30%\n'}});
    expect((await readInputs(sys, {layout: {layoutFile: '/tmp/l.env'}})).layout).toEqual({
      layout: 'OVERLAY=tmpfs:30%\n',
    });
    const err = await readInputs(sys, {layout: {extraFile: '/tmp/none.env'}}).catch((e: unknown) => e);
    expect(err).toMatchObject({
      message: 'Cannot read the extra layout file "/tmp/none.env": no such file',
      info: {hint: expect.stringMatching(/leave the flag out/)},
    });
  });
});

describe('readLayoutFiles', () => {
  it('reads both files the rootfs stage may write', async () => {
    const sys = new FakeSys({files: {[LAYOUT_FILE]: 'a', [EXTRA_LAYOUT_FILE]: 'b'}});
    expect(await readLayoutFiles(sys)).toEqual({layout: 'a', extra: 'b'});
  });
});

describe('readConfigSources', () => {
  it('reads each source dir lexically, *.yaml and *.yml only, then a local config_url', async () => {
    const sys = new FakeSys({
      files: {
        '/system/oem/10_b.yaml': 'b',
        '/system/oem/02_a.yml': 'a',
        '/system/oem/notes.txt': 'no',
        '/oem/99.yaml': 'oem',
        '/usr/local/cloud-config/00.yaml': 'local',
        '/run/extra.yaml': 'url',
      },
    });
    const read = await readConfigSources(sys, '/', 'file:///run/extra.yaml');
    expect(read.sources.map((s) => [s.label, 'text' in s ? s.text : s.problem.message])).toEqual([
      ['/system/oem/02_a.yml', 'a'],
      ['/system/oem/10_b.yaml', 'b'],
      ['/oem/99.yaml', 'oem'],
      ['/usr/local/cloud-config/00.yaml', 'local'],
      ['kairos.config_url=file:///run/extra.yaml', 'url'],
    ]);
    expect(read.problems).toEqual([]);
  });

  it('sees the sources of another root, its absolute symlinks kept inside it', async () => {
    const sys = new FakeSys({files: {'/sysroot/data/oem/a.yaml': 'in root', '/data/oem/a.yaml': 'outside'}});
    await sys.symlink('/data/oem', '/sysroot/oem');
    const read = await readConfigSources(sys, '/sysroot');
    expect(read.sources).toEqual([{label: '/oem/a.yaml', file: '/oem/a.yaml', text: 'in root'}]);
  });

  it('names a missing local config_url, and leaves a remote one to the installed system', async () => {
    const missing = await readConfigSources(new FakeSys(), '/', '/oem/none.yaml');
    expect(missing.sources).toEqual([
      {
        label: 'kairos.config_url=/oem/none.yaml',
        file: '/oem/none.yaml',
        problem: expect.objectContaining({
          level: 'error',
          message: expect.stringMatching(/does not exist in \//),
        }),
      },
    ]);
    const remote = await readConfigSources(new FakeSys(), '/', 'https://example.com/c.yaml');
    expect(remote.sources).toEqual([]);
    expect(remote.problems).toEqual([
      expect.objectContaining({level: 'warning', input: 'kairos.config_url=https://example.com/c.yaml'}),
    ]);
  });
});
