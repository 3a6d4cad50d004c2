import {gzipSync} from 'node:zlib';
import {describe, expect, it} from 'vitest';
import {FakeSys} from '../../../test/fakes/fake-sys.ts';
import {stepEnv} from '../../../test/fakes/stage-context.ts';
import {decodeContent, writeDirectories, writeFiles} from './files.ts';

describe('decodeContent', () => {
  const gz64 = gzipSync('zipped').toString('base64');
  it.each([
    ['', 'plain', 'plain'],
    ['base64', 'aGk=', 'hi'],
    ['b64', 'aGk=', 'hi'],
    ['gzip+base64', gz64, 'zipped'],
    ['gz+b64', gz64, 'zipped'],
  ])('%s', (encoding, content, want) => {
    expect(decodeContent(content, encoding)).toBe(want);
  });
  it('refuses binary data instead of mangling it', () => {
    expect(() => decodeContent(Buffer.from([0xff, 0xfe, 0x00]).toString('base64'), 'base64')).toThrow(
      /binary data/,
    );
  });
});

describe('writeFiles and writeDirectories', () => {
  it('write in the view, through its symlinks, with mode and owner', async () => {
    const sys = new FakeSys();
    await sys.mkdirp('/sysroot/etc', '/sysroot/run');
    await sys.symlink('/run/x', '/sysroot/etc/x');
    const env = stepEnv(sys, '/sysroot');
    await writeFiles(env, [
      {path: '/etc/x/conf', content: 'c', encoding: '', mode: 0o640, owner: 1000, group: 1000},
    ]);
    expect(sys.files.get('/sysroot/run/x/conf')).toEqual({text: 'c', mode: 0o640});
    expect(sys.runs).toEqual([
      ['chmod', '0750', '/sysroot/run/x'],
      ['chown', '1000:1000', '/sysroot/run/x'],
      ['chown', '1000:1000', '/sysroot/run/x/conf'],
    ]);
  });
  it('a bad item fails after the others were written', async () => {
    const sys = new FakeSys();
    await expect(
      writeFiles(stepEnv(sys), [
        {path: '/a', content: '!!', encoding: 'gzip+base64', mode: 0o644, owner: 0, group: 0},
        {path: '/b', content: 'ok', encoding: '', mode: 0o644, owner: 0, group: 0},
      ]),
    ).rejects.toThrow(/^\/a: /);
    expect(sys.files.get('/b')?.text).toBe('ok');
  });
  it('directories get their mode', async () => {
    const sys = new FakeSys();
    await writeDirectories(stepEnv(sys), [{path: '/var/lib/x', mode: 0o700, owner: 0, group: 0}]);
    expect(sys.dirs.has('/var/lib/x')).toBe(true);
    expect(sys.runs).toEqual([['chmod', '0700', '/var/lib/x']]);
  });
});
