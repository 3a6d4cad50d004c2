import {describe, expect, it} from 'vitest';
import {FakeSys} from '../../test/fakes/fake-sys.ts';
import {parseCmdline} from '../boot/cmdline.ts';
import {decideConfigUrl} from '../boot/config-url.ts';
import {readConfigSources} from '../inputs/read-inputs.ts';
import type {Sys} from '../sys/sys.ts';
import {loadStageSources} from './load.ts';
import {planStage} from './plan.ts';

/** Read the sources as seen from `root` (src/inputs) and parse them, as a stage does. */
async function load(sys: Sys, root: string, config: ReturnType<typeof parseCmdline>) {
  return loadStageSources(await readConfigSources(sys, root, config.configUrl), config);
}

const step = (name: string) => `stages:\n  rootfs:\n    - name: ${name}\n`;

describe('loadStageSources', () => {
  it('reads /system/oem, /oem, /usr/local/cloud-config in order, each lexically, then config_url, then the cmdline', async () => {
    const sys = new FakeSys().with({
      '/system/oem/10_b.yaml': step('system b'),
      '/system/oem/02_a.yml': step('system a'),
      '/system/oem/README.md': 'not a config',
      '/oem/99_last.yaml': step('oem 99'),
      '/oem/90_custom.yaml': step('oem 90'),
      '/usr/local/cloud-config/00.yaml': step('local 00'),
      '/run/extra.yaml': step('config url'),
    });
    const config = parseCmdline('kairos.config_url=file:///run/extra.yaml stages.rootfs[0].name=cmdline');
    const loaded = await load(sys, '/', config);
    expect(loaded.sources.map((s) => s.file)).toEqual([
      '/system/oem/02_a.yml',
      '/system/oem/10_b.yaml',
      '/oem/90_custom.yaml',
      '/oem/99_last.yaml',
      '/usr/local/cloud-config/00.yaml',
      'kairos.config_url=file:///run/extra.yaml',
      'the kernel cmdline',
    ]);
    const plan = planStage('rootfs', loaded);
    expect(plan.steps.map((s) => s.step.name)).toEqual([
      'system a',
      'system b',
      'oem 90',
      'oem 99',
      'local 00',
      'config url',
      'cmdline',
    ]);
  });

  it('follows symlinks inside the stage root: /oem → /sysroot/oem', async () => {
    const sys = new FakeSys().with({
      '/sysroot/oem/a.yaml': step('via link'),
      '/sysroot/system/oem/s.yaml': step('system'),
    });
    await sys.symlink('/sysroot/oem', '/oem');
    await sys.symlink('/sysroot/system', '/system');
    const loaded = await load(sys, '/', parseCmdline(''));
    expect(loaded.sources.map((s) => s.file)).toEqual(['/system/oem/s.yaml', '/oem/a.yaml']);
    expect(loaded.sources[1]?.stages.get('rootfs')?.[0]?.step.name).toBe('via link');
  });

  it('the initramfs stage reads the sources of /sysroot, its symlinks kept inside /sysroot', async () => {
    const sys = new FakeSys().with({
      '/sysroot/oem/a.yaml': step('new root'),
      '/oem/a.yaml': step('initramfs'),
    });
    await sys.mkdirp('/sysroot/usr/local');
    await sys.symlink('/oem', '/sysroot/usr/local/cloud-config');
    const loaded = await load(sys, '/sysroot', parseCmdline(''));
    expect(loaded.sources.map((s) => [s.file, s.stages.get('rootfs')?.[0]?.step.name])).toEqual([
      ['/oem/a.yaml', 'new root'],
      ['/usr/local/cloud-config/a.yaml', 'new root'],
    ]);
  });

  it('a file that cannot be read is an error for that file only', async () => {
    const sys = new FakeSys().with({'/oem/b.yaml': step('ok')});
    await sys.mkdirp('/oem/a.yaml');
    const loaded = await load(sys, '/', parseCmdline(''));
    expect(loaded.sources[0]?.errors[0]?.message).toMatch(
      /^\/oem\/a\.yaml: cannot read \/oem\/a\.yaml: .*EISDIR.*; skipping it$/,
    );
    expect(loaded.sources[1]?.stages.get('rootfs')?.[0]?.step.name).toBe('ok');
  });

  it('a config_url over the network is a warning; a missing local one an error', async () => {
    const sys = new FakeSys();
    const remote = await load(sys, '/', parseCmdline('kairos.config_url=https://x/c.yaml'));
    expect(remote.sources).toEqual([]);
    expect(remote.warnings[0]?.message).toMatch(/not supported in the initramfs stages/);
    const missing = await load(sys, '/', parseCmdline('cos.setup=/oem/none.yaml'));
    expect(missing.sources[0]?.errors[0]?.message).toMatch(/\/oem\/none\.yaml does not exist in \//);
  });

  it('errors in the dot notation belong to the cmdline source', async () => {
    const loaded = await load(new FakeSys(), '/', parseCmdline('stages..x=1'));
    expect(loaded.sources[0]?.file).toBe('the kernel cmdline');
    expect(loaded.sources[0]?.errors[0]?.message).toMatch(/Dot-notation cloud-config "stages\.\.x=1"/);
  });
});

describe('decideConfigUrl', () => {
  const cases = [
    {url: '/oem/c.yaml', want: {kind: 'path', path: '/oem/c.yaml'}},
    {url: 'file:///oem/my%20c.yaml', want: {kind: 'path', path: '/oem/my c.yaml'}},
    {url: 'http://example.com/c.yaml', want: {kind: 'remote'}},
    {url: 'c.yaml', want: {kind: 'invalid'}},
  ];
  it.each(cases)('$url is $want.kind', ({url, want}) => {
    expect(decideConfigUrl(url)).toMatchObject(want);
  });
  it('an invalid one has a hint', () => {
    const r = decideConfigUrl('c.yaml');
    expect(r.kind === 'invalid' && r.problem.hint).toMatch(/file:\/\/\/oem\/config\.yaml/);
  });
});
