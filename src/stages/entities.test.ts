import {readFileSync} from 'node:fs';
import {describe, expect, it} from 'vitest';
import {applyEntity, deleteEntity, type Entity, freeId, parseEntity} from './entities.ts';

const golden = (name: string) => readFileSync(new URL(`./golden/entities/${name}`, import.meta.url), 'utf8');
const TODAY = 20000;

// Shaped like Kairos' stock configs: group admin (gid 900), the kairos user in it, its shadow entry.
const ENTITIES = [
  'kind: "group"\ngroup_name: "admin"\npassword: "x"\ngid: 900\nusers: "kairos"\n',
  'kind: "group"\ngroup_name: "sudo"\nusers: "kairos"\n',
  'kind: "user"\nusername: "kairos"\npassword: "x"\nuid: 1000\ngroup: "admin"\ninfo: "Kairos user"\nhomedir: "/home/kairos"\nshell: "/bin/bash"\n',
  'kind: "shadow"\nusername: "kairos"\npassword: "$6$salt$hash"\nlast_changed: "now"\nminimum_changed: 0\nmaximum_changed: 99999\nwarn: 7\n',
  'kind: "gshadow"\nname: "admin"\npassword: "!"\nmembers: "kairos"\n',
].map(parseEntity);
const GAMES: Entity[] = [
  parseEntity('kind: user\nusername: games\n'),
  parseEntity('kind: shadow\nusername: games\n'),
];

/** Apply the stock entities (and delete games) to the four files, as a step would. */
function applyAll(files: Record<string, string>): Record<string, string> {
  const out = {...files};
  const fileOf = {user: 'passwd', group: 'group', shadow: 'shadow', gshadow: 'gshadow'} as const;
  for (const e of ENTITIES) {
    const f = fileOf[e.kind];
    out[f] = applyEntity(out[f] as string, e, {today: TODAY, groupText: out.group as string});
  }
  for (const e of GAMES) out[fileOf[e.kind]] = deleteEntity(out[fileOf[e.kind]] as string, e);
  return out;
}

describe('entities on passwd, group, shadow, gshadow (golden files)', () => {
  const input = Object.fromEntries(
    ['passwd', 'group', 'shadow', 'gshadow'].map((f) => [f, golden(`${f}.in`)]),
  ) as Record<string, string>;

  it.each(['passwd', 'group', 'shadow', 'gshadow'])('%s comes out as its golden file', (f) => {
    expect(applyAll(input)[f]).toBe(golden(`${f}.golden`));
  });

  it('is idempotent: a second pass changes nothing, even a day later with last_changed: now', () => {
    const once = applyAll(input);
    const fileOf = {user: 'passwd', group: 'group', shadow: 'shadow', gshadow: 'gshadow'} as const;
    const again = {...once};
    for (const e of ENTITIES) {
      const f = fileOf[e.kind];
      again[f] = applyEntity(again[f] as string, e, {today: TODAY + 1, groupText: again.group as string});
    }
    expect(again).toEqual(once);
  });

  it('deleting what is not there returns the same text', () => {
    const text = golden('passwd.in');
    expect(deleteEntity(text, parseEntity('kind: user\nusername: nobody-here\n'))).toBe(text);
  });
});

describe('applyEntity', () => {
  it('gives a dynamic uid (-1) the lowest free id from 1000', () => {
    const passwd = 'root:x:0:0::/root:/bin/sh\na:x:1000:1000::/home/a:/bin/sh\n';
    const out = applyEntity(passwd, parseEntity('kind: user\nusername: b\nuid: -1\ngid: 100\n'), {today: 1});
    expect(out).toBe(`${passwd}b:x:1001:100:Created by entities::\n`);
  });

  it('keeps the uid of an existing user given uid -1', () => {
    const passwd = 'b:x:1005:100::/home/b:/bin/sh\n';
    const out = applyEntity(
      passwd,
      parseEntity('kind: user\nusername: b\nuid: -1\ngid: 100\nshell: /bin/bash\n'),
      {
        today: 1,
      },
    );
    expect(out).toBe('b:x:1005:100:Created by entities::/bin/bash\n');
  });

  it('adds a line ending to a file that had none', () => {
    expect(applyEntity('root:x:0:', parseEntity('kind: group\ngroup_name: g\ngid: 5\n'), {today: 1})).toBe(
      'root:x:0:\ng:x:5:\n',
    );
  });

  it('refuses a user whose group is not in the group file', () => {
    expect(() =>
      applyEntity('', parseEntity('kind: user\nusername: u\nuid: 5\ngroup: missing\n'), {
        today: 1,
        groupText: 'root:x:0:\n',
      }),
    ).toThrow(/the group missing of user u is not in the group file/);
  });

  it('refuses a new group without a gid', () => {
    expect(() => applyEntity('', parseEntity('kind: group\ngroup_name: g\n'), {today: 1})).toThrow(
      /needs a gid/,
    );
  });

  it('freeId skips used ids', () => {
    expect(freeId('a:x:1000:\nb:x:1001:\n', 2)).toBe(1002);
  });
});

describe('parseEntity', () => {
  const invalid: Array<[name: string, text: string, error: RegExp]> = [
    ['not YAML', 'kind: [', /not YAML/],
    ['not a mapping', '- a', /not a mapping/],
    ['an unknown kind', 'kind: host\n', /kind "host" is not an entity kind/],
    [
      'a field of another kind',
      'kind: group\ngroup_name: g\nshell: /bin/sh\n',
      /shell is not a field of a group entity/,
    ],
    ['no name', 'kind: user\nuid: 5\n', /a user entity needs username/],
    ['a colon in a value', 'kind: user\nusername: "a:b"\n', /holds a ':'/],
    ['a uid that is not a number', 'kind: user\nusername: a\nuid: abc\n', /uid "abc" is not a number/],
    [
      'a plain-text shadow password',
      'kind: shadow\nusername: a\npassword: secret\n',
      /plain text; give a crypt hash/,
    ],
  ];
  it.each(invalid)('refuses %s', (_n, text, error) => {
    expect(() => parseEntity(text)).toThrow(error);
  });
});
