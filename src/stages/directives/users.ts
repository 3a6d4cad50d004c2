// `users` and `authorized_keys`: accounts made with the view's own tools (useradd, usermod: the
// new root's shadow suite and login.defs), SSH keys added to ~/.ssh/authorized_keys.
import type {StepEnv} from '../step-env.ts';
import type {UserSpec} from '../types.ts';
import {collectErrors} from './errors.ts';

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

export async function writeUsers(env: StepEnv, users: UserSpec[]): Promise<void> {
  await collectErrors(users, async (u) => {
    const exists = (await readPasswd(env)).has(u.name);
    await env.exec(exists ? usermodArgs(u) : useraddArgs(u));
    if (u.passwd) await env.exec(['usermod', '-p', u.passwd, '--', u.name]);
    if (u.lockPasswd) await env.exec(['usermod', '-L', '--', u.name]);
    if (u.sshAuthorizedKeys.length > 0) await addAuthorizedKeys(env, u.name, u.sshAuthorizedKeys);
    env.log.info(`user ${u.name} ${exists ? 'updated' : 'created'}`);
  });
}

export async function writeAuthorizedKeys(env: StepEnv, keys: Array<[string, string[]]>): Promise<void> {
  await collectErrors(keys, async ([user, list]) => addAuthorizedKeys(env, user, list));
}

export function useraddArgs(u: UserSpec): string[] {
  return [
    'useradd',
    ...(u.uid ? ['-u', u.uid] : []),
    ...(u.primaryGroup ? ['-g', u.primaryGroup] : []),
    ...(u.groups.length ? ['-G', u.groups.join(',')] : []),
    ...(u.homedir ? ['-d', u.homedir] : []),
    ...(u.shell ? ['-s', u.shell] : []),
    ...(u.gecos ? ['-c', u.gecos] : []),
    ...(u.system ? ['-r'] : []),
    u.noCreateHome ? '-M' : '-m',
    '--',
    u.name,
  ];
}

/** An existing user keeps its account; listed groups are added, a given shell and comment set. */
export function usermodArgs(u: UserSpec): string[] {
  return [
    'usermod',
    ...(u.groups.length ? ['-a', '-G', u.groups.join(',')] : []),
    ...(u.shell ? ['-s', u.shell] : []),
    ...(u.gecos ? ['-c', u.gecos] : []),
    '--',
    u.name,
  ];
}

/** /etc/passwd of the view, by user name. */
export async function readPasswd(env: StepEnv): Promise<Map<string, PasswdEntry>> {
  const text = (await env.view.sys.readText(await env.view.resolve('/etc/passwd'))) ?? '';
  return parsePasswd(text);
}

export function parsePasswd(text: string): Map<string, PasswdEntry> {
  const out = new Map<string, PasswdEntry>();
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 7 || !f[0]) continue;
    out.set(f[0], {name: f[0], uid: Number(f[2]), gid: Number(f[3]), home: f[5] ?? ''});
  }
  return out;
}

/** The keys not yet in `existing`, appended: a key given twice is written once. */
export function mergeAuthorizedKeys(existing: string, keys: string[]): string {
  const have = new Set(existing.split('\n').map((l) => l.trim()));
  const add = keys.map((k) => k.trim()).filter((k) => k && !have.has(k) && have.add(k));
  if (add.length === 0) return existing;
  const base = existing === '' || existing.endsWith('\n') ? existing : `${existing}\n`;
  return `${base}${add.join('\n')}\n`;
}

async function addAuthorizedKeys(env: StepEnv, user: string, keys: string[]): Promise<void> {
  const entry = (await readPasswd(env)).get(user);
  if (!entry) throw new Error(`authorized keys for ${user}: no such user in ${env.view.root}/etc/passwd`);
  const {sys} = env.view;
  const dir = await env.view.resolve(`${entry.home}/.ssh`);
  await sys.mkdirp(dir);
  const file = `${dir}/authorized_keys`;
  await sys.writeText(file, mergeAuthorizedKeys((await sys.readText(file)) ?? '', keys), {mode: 0o600});
  await sys.run(['chmod', '0700', sys.resolvePath(dir)]);
  await sys.run(['chown', '-R', `${entry.uid}:${entry.gid}`, sys.resolvePath(dir)]);
  env.log.info(`${keys.length} SSH key(s) for ${user} in ${entry.home}/.ssh/authorized_keys`);
}
