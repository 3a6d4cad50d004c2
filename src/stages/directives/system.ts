// `hostname`, `sysctl`, `modules`: the machine's name, kernel settings and kernel modules.
import type {StepEnv} from '../step-env.ts';
import {collectErrors} from './errors.ts';

/** /etc/hostname and the 127.0.0.1 line of /etc/hosts in the view; the running name only on the live root. */
export async function writeHostname(env: StepEnv, name: string): Promise<void> {
  const {sys} = env.view;
  const etc = await env.view.resolve('/etc');
  await sys.mkdirp(etc);
  await sys.writeText(`${etc}/hostname`, `${name}\n`, {mode: 0o644});
  const hosts = await sys.readText(`${etc}/hosts`);
  if (hosts !== undefined) await sys.writeText(`${etc}/hosts`, renderHosts(hosts, name));
  // In a chroot or a test root, setting the kernel's host name would rename the machine running us.
  if (env.view.isLiveRoot) await env.exec(['hostname', name]);
  env.log.info(`hostname ${name}`);
}

/** /etc/hosts with the 127.0.0.1 line naming `name` (added when there is none). */
export function renderHosts(text: string, name: string): string {
  const line = `127.0.0.1 localhost ${name}`;
  const lines = text.replace(/\n$/, '').split('\n');
  const i = lines.findIndex((l) => l.trim().split(/\s+/)[0] === '127.0.0.1');
  if (i >= 0) lines[i] = line;
  else lines.unshift(line);
  return `${lines.join('\n')}\n`;
}

/** `vm.swappiness` → /proc/sys/vm/swappiness (a key with `/` is already a path). One kernel: not per view. */
export async function writeSysctl(env: StepEnv, values: Array<[string, string]>): Promise<void> {
  await collectErrors(values, async ([key, value]) => {
    await env.view.sys.writeText(sysctlPath(key), `${value}\n`);
    env.log.debug(`sysctl ${key}=${value}`);
  });
}

export function sysctlPath(key: string): string {
  return `/proc/sys/${key.includes('/') ? key : key.replaceAll('.', '/')}`;
}

/** modprobe each module, with the view's own module tree (/lib/modules of the new root). */
export async function loadModules(env: StepEnv, modules: string[]): Promise<void> {
  await collectErrors(modules, async (m) => {
    await env.exec(['modprobe', '--', m]);
  });
}
