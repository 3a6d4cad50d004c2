import {describe, expect, it} from 'vitest';
import {parseNohangConf} from './nohang-keys.ts';
import type {PolicyRule} from './policy.ts';
import {checkPattern, renderRules} from './rules.ts';

describe('checkPattern', () => {
  const valid = ['^sshd$', '--type=renderer', '(?P<svc>k3s)\\.service$', '(?P<a>x)(?P=a)', '^/usr/lib/gdm3/'];
  it.each(valid)('accepts %s', (pattern) => {
    expect(checkPattern(pattern)).toBeUndefined();
  });

  const invalid: Array<[string, string, RegExp, {softAction?: boolean}?]> = [
    ['an empty pattern', '', /is empty/],
    ['a pattern with blanks nohang strips', ' ^a$', /blanks, which nohang strips/],
    ['a pattern over two lines', 'a\nb', /spans lines/],
    ['an unbalanced group', '(a', /not a valid regular expression \(.*\)/],
    ["JavaScript's named group", '(?<n>a)', /Python \(nohang\) does not read/],
    ["a soft action pattern with nohang's separator", 'a///b', /separator/, {softAction: true}],
  ];
  it.each(invalid)('refuses %s', (_name, pattern, why, opts) => {
    expect(checkPattern(pattern, opts)).toMatch(why);
  });
});

describe('renderRules', () => {
  const rule = (match: 'name' | 'cmdline' | 'cgroup', adj: number, pattern: string): PolicyRule => ({
    kind: 'badness',
    match,
    adj,
    pattern,
    source: 'x',
  });

  it('writes each kind of rule as nohang spells it', () => {
    expect(
      renderRules([
        rule('name', -1000, '^sshd$'),
        rule('cgroup', 300, '/app\\.service$'),
        {kind: 'badness', match: 'cgroup_v1', adj: 50, pattern: '^/user\\.slice/', source: 'x'},
        {kind: 'badness', match: 'realpath', adj: 900, pattern: '^/usr/bin/stress', source: 'x'},
        {kind: 'soft-action', match: 'name', pattern: '^foo$', command: 'kill -USR1 $PID', source: 'x'},
        {
          kind: 'soft-action',
          match: 'cgroup',
          pattern: '/foo\\.service$',
          command: 'systemctl restart $SERVICE',
          source: 'x',
        },
        {kind: 'raw', line: '@BADNESS_ADJ_RE_UID -100 /// ^0$', source: 'x'},
      ]),
    ).toEqual([
      '@BADNESS_ADJ_RE_NAME  -1000  ///  ^sshd$',
      '@BADNESS_ADJ_RE_CGROUP_V2  300  ///  /app\\.service$',
      '@BADNESS_ADJ_RE_CGROUP_V1  50  ///  ^/user\\.slice/',
      '@BADNESS_ADJ_RE_REALPATH  900  ///  ^/usr/bin/stress',
      '@SOFT_ACTION_RE_NAME  ^foo$  ///  kill -USR1 $PID',
      '@SOFT_ACTION_RE_CGROUP_V2  /foo\\.service$  ///  systemctl restart $SERVICE',
      '@BADNESS_ADJ_RE_UID -100 /// ^0$',
    ]);
  });

  it('drops a repeated rule', () => {
    expect(renderRules([rule('name', 300, '^a$'), rule('name', 300, '^a$')])).toHaveLength(1);
  });

  it("pads rules nohang's parser would file under one key, so it does not exit on a repeat", () => {
    const lines = renderRules([rule('cmdline', 200, '--type=renderer'), rule('cmdline', 200, '--type=gpu')]);
    expect(lines).toEqual([
      '@BADNESS_ADJ_RE_CMDLINE  200  ///  --type=renderer',
      '@BADNESS_ADJ_RE_CMDLINE  200   ///  --type=gpu',
    ]);
    // nohang files these lines as keys: they must differ.
    expect(parseNohangConf(lines.join('\n')).duplicates).toEqual([]);
  });
});
