import {describe, expect, it} from 'vitest';
import {FakeSys} from '../../test/fakes/fake-sys.ts';
import {type RunScript, shellCommand, stageContext} from '../../test/fakes/stage-context.ts';
import {SysError} from '../sys/sys.ts';
import {CloudConfigStages} from './runner.ts';

const ok = {exitCode: 0, stdout: '', stderr: ''};

/** A FakeSys whose shell commands answer by `answer(command)` (default: success). */
function shellSys(files: Record<string, string>, answer: (cmd: string) => number = () => 0): FakeSys {
  const script: RunScript = (argv) => {
    const cmd = shellCommand(argv);
    return cmd === undefined ? ok : {exitCode: answer(cmd), stdout: '', stderr: `failed: ${cmd}`};
  };
  return new FakeSys({run: script}).with(files);
}

const commandsRun = (sys: FakeSys) => sys.runs.map(shellCommand).filter((c) => c !== undefined);

describe('CloudConfigStages.runStage', () => {
  it('gates a step on its if: a false test skips it, and is no failure', async () => {
    const sys = shellSys(
      {
        '/oem/a.yaml': `stages:
  rootfs:
    - name: active only
      if: '[ -f /run/cos/active_mode ]'
      commands: [echo active]
    - name: recovery only
      if: '[ -f /run/cos/recovery_mode ]'
      commands: [echo recovery]
`,
      },
      (cmd) => (cmd.includes('recovery_mode') ? 1 : 0),
    );
    const ctx = stageContext(sys);
    await new CloudConfigStages().runStage('rootfs', ctx);
    expect(commandsRun(sys)).toEqual([
      '[ -f /run/cos/active_mode ]',
      'echo active',
      '[ -f /run/cos/recovery_mode ]',
    ]);
    expect(ctx.failures).toEqual([]);
  });

  it('an if that cannot run (no shell, a missing tool) fails the step instead of skipping it', async () => {
    const sys = new FakeSys({run: () => ({exitCode: 127, stdout: '', stderr: 'sh: tesst: not found'})}).with({
      '/oem/a.yaml': "stages:\n  rootfs: [{name: typo, if: 'tesst -f /x', commands: [x]}]\n",
    });
    const ctx = stageContext(sys);
    await new CloudConfigStages().runStage('rootfs', ctx);
    expect(sys.runs).toHaveLength(1);
    expect(ctx.failures[0]?.message).toMatch(
      /"typo" .* failed: if 'tesst -f \/x' could not run \(exit 127\): sh: tesst: not found$/,
    );
  });

  it('runs .before, the stage, .after, each across all files in order', async () => {
    const sys = shellSys({
      '/oem/a.yaml': 'stages:\n  rootfs.after: [{commands: [a-after]}]\n  rootfs: [{commands: [a]}]\n',
      '/oem/b.yaml':
        'stages:\n  rootfs.before: [{commands: [b-before]}]\n  rootfs: [{commands: [b]}]\n  initramfs: [{commands: [not-now]}]\n',
    });
    await new CloudConfigStages().runStage('rootfs', stageContext(sys));
    expect(commandsRun(sys)).toEqual(['b-before', 'a', 'b', 'a-after']);
  });

  it('a failing step is recorded with its file, stage and name; the stage goes on', async () => {
    const sys = shellSys(
      {
        '/oem/a.yaml':
          'stages:\n  rootfs:\n    - name: broken\n      commands: [fail-1, after-fail]\n    - name: next\n      commands: [ok]\n',
      },
      (cmd) => (cmd === 'fail-1' ? 3 : 0),
    );
    const ctx = stageContext(sys);
    await new CloudConfigStages().runStage('rootfs', ctx);
    // yip runs the commands after a failed one, and so do we.
    expect(commandsRun(sys)).toEqual(['fail-1', 'after-fail', 'ok']);
    expect(ctx.failures).toEqual([
      {
        item: 'rootfs "broken" (/oem/a.yaml:3 stages.rootfs[0])',
        message: expect.stringMatching(
          /^rootfs "broken" \(\/oem\/a\.yaml:3 stages\.rootfs\[0\]\) failed: commands: .*exited 3: failed: fail-1$/,
        ),
        hint: expect.stringMatching(/emergency shell/),
      },
    ]);
  });

  it('reports each unsupported directive once per stage, naming its steps', async () => {
    const sys = shellSys({
      '/oem/a.yaml':
        'stages:\n  rootfs:\n    - {name: one, git: {}, commands: [x]}\n    - {name: two, git: {}, downloads: []}\n',
    });
    const ctx = stageContext(sys);
    await new CloudConfigStages().runStage('rootfs', ctx);
    expect(ctx.warnings.map((w) => [w.item, w.message])).toEqual([
      [
        'git',
        expect.stringMatching(
          /^rootfs stage: unsupported directive git skipped, in rootfs "one" .*, rootfs "two" /,
        ),
      ],
      ['downloads', expect.stringMatching(/unsupported directive downloads skipped, in rootfs "two"/)],
    ]);
    expect(ctx.warnings[0]?.hint).toMatch(/later stage/);
    expect(commandsRun(sys)).toEqual(['x']);
    expect(ctx.failures).toEqual([]);
  });

  it('a file with a YAML error and an invalid step are failures; the rest runs', async () => {
    const sys = shellSys({
      '/oem/a.yaml': 'stages:\n  rootfs: [\n',
      '/oem/b.yaml':
        'stages:\n  rootfs:\n    - {name: bad, commands: {a: b}}\n    - {name: good, commands: [ok]}\n',
    });
    const ctx = stageContext(sys);
    await new CloudConfigStages().runStage('rootfs', ctx);
    expect(commandsRun(sys)).toEqual(['ok']);
    expect(ctx.failures.map((f) => f.message)).toEqual([
      expect.stringMatching(/^\/oem\/a\.yaml:3:1: YAML syntax error/),
      expect.stringMatching(
        /^rootfs "bad" .* not run: \/oem\/b\.yaml:3:\d+: stages\.rootfs\[0\]\.commands is a mapping/,
      ),
    ]);
  });

  it('applies directives in yip order and merges the environment file', async () => {
    const sys = shellSys({
      '/run/cos/cos-layout.env': '# kept\nFOREIGN="x"\nOVERLAY=old\n',
      '/oem/a.yaml': `stages:
  rootfs:
    - name: all
      environment_file: /run/cos/cos-layout.env
      environment: {OVERLAY: "tmpfs:25%", VOLUMES: "LABEL=COS_PERSISTENT:/usr/local"}
      commands: ["cat /etc/motd"]
      files: [{path: /etc/motd, content: hi, permissions: 0600}]
      directories: [{path: /var/lib/x, permissions: 0700}]
`,
    });
    await new CloudConfigStages().runStage('rootfs', stageContext(sys));
    expect(sys.runs).toEqual([
      ['chmod', '0700', '/var/lib/x'],
      // /etc was missing: made for the file, searchable by those who may read the file.
      ['chmod', '0700', '/etc'],
      ['/bin/sh', '-c', 'cat /etc/motd'],
    ]);
    expect(sys.files.get('/etc/motd')).toEqual({text: 'hi', mode: 0o600});
    expect(sys.files.get('/run/cos/cos-layout.env')?.text).toBe(
      '# kept\nFOREIGN="x"\nOVERLAY="tmpfs:25%"\nVOLUMES="LABEL=COS_PERSISTENT:/usr/local"\n',
    );
  });

  it('runs the initramfs stage chrooted in /sysroot, binds in and out even when a step fails', async () => {
    const sys = shellSys(
      {'/sysroot/oem/a.yaml': 'stages:\n  initramfs: [{commands: [fail]}, {commands: [ok]}]\n'},
      (c) => (c === 'fail' ? 1 : 0),
    );
    await sys.mkdirp(
      '/dev',
      '/proc',
      '/sys',
      '/run',
      '/tmp',
      '/sysroot/dev',
      '/sysroot/proc',
      '/sysroot/sys',
      '/sysroot/run',
      '/sysroot/tmp',
    );
    const ctx = stageContext(sys);
    await new CloudConfigStages().runStage('initramfs', ctx);
    expect(sys.runs).toEqual([
      ['chroot', '/sysroot', '/bin/sh', '-c', 'fail'],
      ['chroot', '/sysroot', '/bin/sh', '-c', 'ok'],
    ]);
    expect(sys.mounts.map((m) => [m.source, m.target, m.options])).toEqual(
      ['/dev', '/proc', '/sys', '/run', '/tmp'].map((d) => [d, `/sysroot${d}`, ['bind']]),
    );
    expect(sys.unmounts).toEqual([
      '/sysroot/tmp',
      '/sysroot/run',
      '/sysroot/sys',
      '/sysroot/proc',
      '/sysroot/dev',
    ]);
    expect(ctx.failures).toHaveLength(1);
    expect(ctx.failures[0]?.item).toMatch(/^initramfs /);
  });

  it('binds the submounts a live medium has (and a pty and shm), parents first, a link not at all', async () => {
    const sys = shellSys({'/sysroot/oem/a.yaml': 'stages:\n  initramfs: [{commands: [ok]}]\n'});
    const present = ['/dev', '/dev/pts', '/dev/shm', '/proc', '/sys', '/run', '/run/initramfs/live', '/tmp'];
    await sys.mkdirp(...present, ...present.map((d) => `/sysroot${d}`));
    await sys.symlink('/run/initramfs/live', '/run/rootfsbase');
    await new CloudConfigStages().runStage('initramfs', stageContext(sys));
    expect(sys.mounts.map((m) => m.target)).toEqual(present.map((d) => `/sysroot${d}`));
    expect(sys.unmounts).toEqual(present.map((d) => `/sysroot${d}`).reverse());
  });

  it('binds nothing when no step would run', async () => {
    const sys = shellSys({});
    await sys.mkdirp('/dev', '/sysroot/dev');
    await new CloudConfigStages().runStage('initramfs', stageContext(sys));
    expect(sys.mounts).toEqual([]);
  });

  it('runs each tool in its own process group, with the time the step has left', async () => {
    const seen: Array<{group?: boolean; timeoutMs?: number}> = [];
    const sys = new FakeSys({
      run: (_argv, opts) => {
        seen.push({group: opts.processGroup, timeoutMs: opts.timeoutMs});
        return ok;
      },
    }).with({'/oem/a.yaml': 'stages:\n  rootfs: [{timeout: 2, commands: [a, b]}]\n'});
    await new CloudConfigStages().runStage('rootfs', stageContext(sys));
    expect(seen).toHaveLength(2);
    for (const s of seen) {
      expect(s.group).toBe(true);
      expect(s.timeoutMs).toBeGreaterThan(1500);
      expect(s.timeoutMs).toBeLessThanOrEqual(2000);
    }
  });

  it('a step that runs out of time fails with its timeout named, and runs nothing more', async () => {
    const sys = new FakeSys({
      run: (argv) => {
        if (shellCommand(argv) === 'hang')
          throw new SysError('sh timed out after 1000 ms', {code: 'ETIMEDOUT'});
        return ok;
      },
    }).with({
      '/oem/a.yaml':
        'stages:\n  rootfs:\n    - {name: slow, timeout: 1, commands: [hang, never], environment: {A: b}}\n    - {commands: [next]}\n',
    });
    const ctx = stageContext(sys);
    await new CloudConfigStages().runStage('rootfs', ctx);
    expect(commandsRun(sys)).toEqual(['hang', 'next']);
    expect(sys.files.has('/etc/environment')).toBe(false);
    expect(ctx.failures[0]?.message).toMatch(
      /^rootfs "slow" .* failed \(its timeout of 1 s was reached\): commands: sh timed out/,
    );
    expect(ctx.failures[0]?.hint).toMatch(/Raise timeout:/);
  });

  it('exposes the running step and its process group, and can kill it (memory guard)', async () => {
    const runner = new CloudConfigStages();
    const sys = new FakeSys({
      run: (argv, opts) =>
        new Promise((resolve, reject) => {
          if (shellCommand(argv) !== 'hog') return resolve(ok);
          opts.onSpawn?.(4242);
          opts.signal?.addEventListener('abort', () =>
            reject(new SysError('sh was cancelled', {code: 'ABORT_ERR'})),
          );
          setTimeout(() => {
            expect(runner.runningStep).toEqual({
              label: expect.stringMatching(/^rootfs "hog"/),
              processGroup: 4242,
            });
            expect(runner.killRunningStep('memory pressure')).toBe(true);
          }, 5);
        }),
    }).with({
      '/oem/a.yaml': 'stages:\n  rootfs: [{name: hog, commands: [hog]}, {name: after, commands: [after]}]\n',
    });
    const ctx = stageContext(sys);
    await runner.runStage('rootfs', ctx);
    expect(runner.runningStep).toBeUndefined();
    expect(runner.killRunningStep('again')).toBe(false);
    expect(ctx.failures[0]?.message).toMatch(/^rootfs "hog" .* failed \(stopped: memory pressure\)/);
    expect(commandsRun(sys)).toEqual(['hog', 'after']);
  });

  it('stops before the next step when the boot is stopped', async () => {
    const controller = new AbortController();
    const sys = shellSys(
      {'/oem/a.yaml': 'stages:\n  rootfs: [{commands: [first]}, {commands: [second]}]\n'},
      (cmd) => {
        if (cmd === 'first') controller.abort();
        return 0;
      },
    );
    await new CloudConfigStages().runStage('rootfs', stageContext(sys, {signal: controller.signal}));
    expect(commandsRun(sys)).toEqual(['first']);
  });

  it('decides conditions on the stage root: os-release, service manager, files made by earlier steps', async () => {
    const sys = shellSys({
      '/etc/os-release': 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nVERSION_ID="12"\n',
      '/usr/bin/systemctl': '',
      '/oem/a.yaml': `stages:
  rootfs:
    - {name: debian, only_os: "Ubuntu.*|Debian.*", commands: [debian]}
    - {name: suse, only_os: "openSUSE.*", commands: [suse]}
    - {name: systemd, only_service_manager: systemd, commands: [systemd]}
    - {name: openrc, only_service_manager: openrc, commands: [openrc]}
    - {name: version, only_os_version: "^11", commands: [bullseye]}
    - {name: make, files: [{path: /etc/made, content: x}]}
    - {name: made, if_files: {all: [/etc/made]}, commands: [made]}
`,
    });
    const ctx = stageContext(sys);
    const summary = await new CloudConfigStages().runStage('rootfs', ctx);
    expect(commandsRun(sys)).toEqual(['debian', 'systemd', 'made']);
    expect(summary).toEqual({ran: 4, skipped: 3, failed: 0});
    expect(ctx.failures).toEqual([]);
    expect(ctx.warnings).toEqual([]);
  });
});

describe('CloudConfigStages.runStage: templates and entities', () => {
  it('renders hostname with .MachineID and commands with .Values; a broken template fails its step alone', async () => {
    const sys = shellSys({
      '/etc/os-release': 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n',
      '/etc/machine-id': '0123456789abcdef0123456789abcdef\n',
      '/etc/hosts': '127.0.0.1 localhost\n',
      '/oem/a.yaml': `stages:
  rootfs:
    - name: name
      hostname: kairos-{{ trunc 4 .MachineID }}
    - name: os
      commands: ['echo {{ .Values.os.vendor | upper }}-{{ .Values.os.version }}']
      environment: {OS_NAME: "{{ .Values.os.name }}"}
    - name: typo
      hostname: 'x-{{ .MachineId }}'
    - name: after
      commands: [after]
`,
    });
    const ctx = stageContext(sys);
    await new CloudConfigStages().runStage('rootfs', ctx);
    expect(await sys.readText('/etc/hostname')).toBe('kairos-0123\n');
    expect(commandsRun(sys)).toEqual(['echo DEBIAN-12', 'after']);
    expect(await sys.readText('/etc/environment')).toBe('OS_NAME="Debian GNU/Linux 12 (bookworm)"\n');
    expect(ctx.failures).toHaveLength(1);
    expect(ctx.failures[0]?.message).toMatch(
      /^rootfs "typo" \(\/oem\/a\.yaml:\d+ stages\.rootfs\[2\]\) not run: hostname template "x-\{\{ \.MachineId \}\}" failed at line 1: the value is missing/,
    );
  });

  it('ensure_entities makes group admin (gid 900) before users and commands use it', async () => {
    const sys = shellSys({
      '/etc/group': 'root:x:0:\n',
      '/etc/passwd': 'root:x:0:0:root:/root:/bin/sh\n',
      '/oem/a.yaml': `stages:
  rootfs:
    - name: entities
      ensure_entities:
        - entity: |
            kind: "group"
            group_name: "admin"
            password: "x"
            gid: 900
      commands: ['chown -R root:admin /oem']
`,
    });
    const ctx = stageContext(sys);
    await new CloudConfigStages().runStage('rootfs', ctx);
    expect(ctx.failures).toEqual([]);
    expect(await sys.readText('/etc/group')).toBe('root:x:0:\nadmin:x:900:\n');
    expect(commandsRun(sys)).toEqual(['chown -R root:admin /oem']);
    const writes = sys.calls.filter((c) => c.includes('/etc/group')).length;
    expect(writes).toBeGreaterThan(0);
    await new CloudConfigStages().runStage('rootfs', stageContext(sys));
    expect(sys.calls.filter((c) => c.includes('/etc/group')).length).toBe(writes);
  });
});

describe('CloudConfigStages.runStage: sources', () => {
  it('walks source directories recursively and re-reads them for each part of the stage', async () => {
    const sys = shellSys({
      '/oem/10_a.yaml': `stages:
  rootfs.before:
    - name: pull user data
      files:
        - path: /oem/95_userdata/userdata.yaml
          content: "stages: {rootfs: [{name: from user data, commands: [userdata]}]}"
`,
      '/oem/05_sub/nested.yaml': 'stages: {rootfs.before: [{name: nested, commands: [nested]}]}\n',
      '/oem/50_b.yaml': 'stages: {rootfs.before: [{name: b, commands: [b]}]}\n',
    });
    const ctx = stageContext(sys);
    await new CloudConfigStages().runStage('rootfs', ctx);
    expect(ctx.failures).toEqual([]);
    // 05_sub/ sorts before 10_a.yaml; the file written in rootfs.before is read for rootfs.
    expect(commandsRun(sys)).toEqual(['nested', 'b', 'userdata']);
  });
});

describe('CloudConfigStages.runStage: dns, timesyncd, overrides, owner_string', () => {
  it('writes resolv.conf, the timesyncd drop-in, a unit drop-in and a file owned by name', async () => {
    const sys = shellSys({
      '/etc/passwd': 'root:x:0:0::/root:/bin/sh\nkairos:x:1000:1000::/home/kairos:/bin/sh\n',
      '/etc/group': 'root:x:0:\nkairos:x:1000:\nadmin:x:900:\n',
      '/oem/a.yaml': `stages:
  rootfs:
    - name: all
      dns: {nameservers: [1.1.1.1, 8.8.8.8], search: [lan], options: [edns0]}
      timesyncd: {NTP: "0.pool.ntp.org", FallbackNTP: "1.pool.ntp.org"}
      systemctl:
        overrides:
          - service: cos-setup-boot
            content: "[Service]\\nTimeoutSec=300\\n"
      files:
        - {path: /oem/owned, content: x, owner_string: "kairos:admin"}
        - {path: /oem/owned2, content: y, owner_string: kairos}
`,
    });
    const ctx = stageContext(sys);
    await new CloudConfigStages().runStage('rootfs', ctx);
    expect(ctx.failures).toEqual([]);
    expect(await sys.readText('/etc/resolv.conf')).toBe(
      'search lan\nnameserver 1.1.1.1\nnameserver 8.8.8.8\noptions edns0\n',
    );
    expect(await sys.readText('/etc/systemd/timesyncd.conf.d/10-yip.conf')).toBe(
      '[Time]\nNTP=0.pool.ntp.org\nFallbackNTP=1.pool.ntp.org\n',
    );
    expect(await sys.readText('/etc/systemd/system/cos-setup-boot.service.d/override-yip.conf')).toBe(
      '[Service]\nTimeoutSec=300\n',
    );
    const chowns = sys.runs.filter((r) => r[0] === 'chown').map((r) => r.slice(1).join(' '));
    expect(chowns).toEqual(['1000:900 /oem/owned', '1000:1000 /oem/owned2']);
  });

  it('fails a file whose owner_string names no user, and still writes the others', async () => {
    const sys = shellSys({
      '/etc/passwd': 'root:x:0:0::/root:/bin/sh\n',
      '/etc/group': 'root:x:0:\n',
      '/oem/a.yaml':
        'stages:\n  rootfs: [{files: [{path: /oem/x, content: x, owner_string: ghost}, {path: /oem/y, content: y}]}]\n',
    });
    const ctx = stageContext(sys);
    await new CloudConfigStages().runStage('rootfs', ctx);
    expect(ctx.failures[0]?.message).toMatch(/\/oem\/x: owner_string user "ghost" is not in \/etc\/passwd/);
    expect(await sys.readText('/oem/y')).toBe('y');
  });
});
