import {describe, expect, it} from 'vitest';
import {parseManifest, renderManifest, type SeedManifest} from './seed-manifest.ts';

const MANIFEST: SeedManifest = {
  path: '/etc/ssh',
  entries: new Map([
    ['', {type: 'dir', mode: 0o755, uid: 0, gid: 0, size: 0, mtimeMs: 1}],
    ['sshd_config', {type: 'file', mode: 0o644, uid: 0, gid: 0, size: 3210, mtimeMs: 1_700_000_000_123}],
    ['link', {type: 'link', mode: 0o777, uid: 0, gid: 0, size: 0, mtimeMs: 2, link: 'sshd_config'}],
    ['fifo', {type: 'other', mode: 0o600, uid: 7, gid: 8, size: 0, mtimeMs: 3}],
  ]),
};

describe('renderManifest', () => {
  it('writes one compact row per entry, sorted, and reads back the same', () => {
    const text = renderManifest(MANIFEST);
    expect(text).toBe(
      '{"version":1,"path":"/etc/ssh","entries":{"":["d",493,0,0,0,1],"fifo":["o",384,7,8,0,3],"link":["l",511,0,0,0,2,"sshd_config"],"sshd_config":["f",420,0,0,3210,1700000000123]}}\n',
    );
    expect(parseManifest(text)).toEqual({value: MANIFEST});
  });
});

describe('parseManifest', () => {
  const invalid = [
    {name: 'a file cut short', text: '{"version":1,"pa', error: /^not JSON/},
    {name: 'not an object', text: '[]', error: /^version undefined/},
    {name: 'a later version', text: '{"version":2}', error: 'version 2, not 1'},
    {name: 'no path', text: '{"version":1,"entries":{}}', error: 'no path'},
    {
      name: 'a row of the wrong shape',
      text: '{"version":1,"path":"/etc","entries":{"a":["f",1,2]}}',
      error: 'entry "a" is not [type, mode, uid, gid, size, mtimeMs, link?]',
    },
    {
      name: 'an unknown type',
      text: '{"version":1,"path":"/etc","entries":{"a":["z",1,2,3,4,5]}}',
      error: /entry "a"/,
    },
  ];
  it.each(invalid)('$name', ({text, error}) => {
    const r = parseManifest(text);
    expect('error' in r ? r.error : 'parsed').toMatch(error);
  });
});
