// `directories` and `files`: made in the stage's view, with their mode and owner. A missing parent
// of a file is made too (yip does the same), with the file's mode plus search bits.
import type {StepEnv} from '../step-env.ts';
import type {DirectorySpec, FileSpec} from '../types.ts';
import {collectErrors} from './errors.ts';

export async function writeDirectories(env: StepEnv, dirs: DirectorySpec[]): Promise<void> {
  await collectErrors(dirs, async (d) => {
    const p = await env.view.resolve(d.path);
    await env.view.sys.mkdirp(p);
    await setModeOwner(env, p, d);
    env.log.debug(`directory ${d.path} (${octal(d.mode)}, ${d.owner}:${d.group})`);
  });
}

export async function writeFiles(env: StepEnv, files: FileSpec[]): Promise<void> {
  await collectErrors(files, async (f) => {
    let content: string;
    try {
      content = decodeContent(f.content, f.encoding);
    } catch (err) {
      throw new Error(`${f.path}: ${(err as Error).message}`, {cause: err});
    }
    const p = await env.view.resolve(f.path);
    const parent = p.slice(0, p.lastIndexOf('/')) || '/';
    if (!(await env.view.sys.exists(parent))) {
      await env.view.sys.mkdirp(parent);
      await setModeOwner(env, parent, {
        ...f,
        mode: f.mode | 0o100 | ((f.mode & 0o040) >> 2) | ((f.mode & 0o004) >> 2),
      });
    }
    const owner = await ownerOf(env, f);
    await env.view.sys.writeText(p, content, {mode: f.mode});
    if (owner.owner !== 0 || owner.group !== 0) await chown(env, p, owner);
    env.log.debug(`file ${f.path} (${content.length} bytes, ${octal(f.mode)}, ${f.owner}:${f.group})`);
  });
}

/**
 * The numeric owner of a file: `owner_string: user[:group]` (yip) and `group_string: group` (ours)
 * looked up in the view's passwd and group, so `kairos:admin` means what it means in the new root.
 */
export async function ownerOf(env: StepEnv, f: FileSpec): Promise<{owner: number; group: number}> {
  if (!f.ownerString && !f.groupString) return {owner: f.owner, group: f.group};
  const read = async (file: string) => (await env.view.sys.readText(await env.view.resolve(file))) ?? '';
  const [passwd, groups] = [await read('/etc/passwd'), await read('/etc/group')];
  const find = (text: string, name: string) =>
    text
      .split('\n')
      .map((l) => l.split(':'))
      .find((x) => x[0] === name);
  const at = (file: string) => `${env.view.root === '/' ? '' : env.view.root}${file}`;
  let {owner, group} = f;
  const [user, ownerGroup] = (f.ownerString ?? '').split(':');
  if (user) {
    const entry = find(passwd, user);
    if (!entry) throw new Error(`${f.path}: owner_string user "${user}" is not in ${at('/etc/passwd')}`);
    owner = Number(entry[2]);
    group = Number(entry[3]);
  }
  const groupName = f.groupString || ownerGroup;
  if (groupName) {
    const entry = find(groups, groupName);
    if (!entry) throw new Error(`${f.path}: group "${groupName}" is not in ${at('/etc/group')}`);
    group = Number(entry[2]);
  }
  return {owner, group};
}

/** The content as written to disk: plain, base64, gzip, or gzip+base64 (yip's encodings). */
export function decodeContent(content: string, encoding: string): string {
  if (encoding === '') return content;
  const base64 = encoding.includes('b64') || encoding.includes('base64');
  const gzip = encoding.startsWith('gz');
  const raw = base64 ? Buffer.from(content, 'base64') : Buffer.from(content, 'latin1');
  // node:zlib is loaded here, for gzip content only: imported at the top, it loaded node:stream and
  // node:util with it at every start, ~9 % of a boot's CPU samples, for an encoding rarely used.
  const bytes = gzip ? process.getBuiltinModule('node:zlib').gunzipSync(raw) : raw;
  try {
    return new TextDecoder('utf-8', {fatal: true}).decode(bytes);
  } catch {
    throw new Error(`the ${encoding} content decodes to binary data, which immucore writes only as text`);
  }
}

async function setModeOwner(env: StepEnv, sysPath: string, o: {mode: number; owner: number; group: number}) {
  await env.view.sys.run(['chmod', octal(o.mode), env.view.sys.resolvePath(sysPath)]);
  if (o.owner !== 0 || o.group !== 0) await chown(env, sysPath, o);
}

// Numeric ids from the host side: they mean the same in the view, and no passwd lookup is needed.
async function chown(env: StepEnv, sysPath: string, o: {owner: number; group: number}) {
  await env.view.sys.run(['chown', `${o.owner}:${o.group}`, env.view.sys.resolvePath(sysPath)]);
}

function octal(mode: number): string {
  return `0${mode.toString(8)}`;
}
