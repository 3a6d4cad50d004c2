// `datasource`: cloud-init user data from a local medium, as yip's datasource plugin: `cdrom` (a
// filesystem labelled cidata/CIDATA, `user-data` or `config`), `config-drive` (config-2,
// `openstack/latest/user_data`), `file` (path). The raw data goes to `<path>/userdata`, and to
// `<path>/<userdata_name>` when it is a YAML mapping (a cloud-config), so the stage's next part
// reads it. Differences from yip, for a boot that must not degrade nor rewrite for nothing:
// a file already holding the same data is not rewritten; no user data is a log line, not a failure;
// a `#!` script is not run (a warning); network providers are skipped (no network here).
import {parse} from 'yaml';
import type {StepEnv} from '../step-env.ts';
import type {DatasourceSpec} from '../types.ts';

export const LOCAL_PROVIDERS = ['cdrom', 'config-drive', 'file'];
export const NETWORK_PROVIDERS = [
  'aws',
  'azure',
  'gcp',
  'hetzner',
  'openstack',
  'packet',
  'scaleway',
  'vultr',
  'digitalocean',
  'metaldata',
  'vmware',
];

const MEDIA: Record<string, {labels: string[]; files: string[]}> = {
  cdrom: {labels: ['cidata', 'CIDATA'], files: ['user-data', 'config']},
  'config-drive': {labels: ['config-2', 'CONFIG-2'], files: ['openstack/latest/user_data']},
};
const MOUNT_POINT = '/run/immucore/datasource';

export async function pullDatasource(env: StepEnv, spec: DatasourceSpec): Promise<void> {
  if (spec.skipped.length > 0)
    env.warn(
      'datasource',
      `datasource providers ${spec.skipped.join(', ')} need the network, which the initramfs does not have; skipped`,
      'The installed system can fetch them in a later stage (network); here use cdrom or config-drive.',
    );
  let found: {data: string; from: string} | undefined;
  let dir = spec.path;
  for (const provider of spec.providers) {
    found = provider === 'file' ? await fromFile(env, spec.path) : await fromMedium(env, provider);
    if (!found) continue;
    // yip: the file provider reads `path`, so its data goes to /run/config.
    if (provider === 'file') dir = '/run/config';
    break;
  }
  if (!found) {
    env.log.info(`datasource: no user data on ${spec.providers.join(', ') || 'no local provider'}`);
    return;
  }
  env.log.info(`datasource: user data from ${found.from}`);
  await writeIfChanged(env, `${dir}/userdata`, found.data);
  if (found.data.startsWith('#!')) {
    env.warn(
      'datasource',
      `the user data from ${found.from} is a script; immucore does not run it in the initramfs`,
      'Give a #cloud-config instead, or run the script from a later stage.',
    );
    return;
  }
  if (isCloudConfig(found.data)) await writeIfChanged(env, `${dir}/${spec.userdataName}`, found.data);
  else
    env.log.info(
      `datasource: the user data from ${found.from} is not a cloud-config; kept as ${dir}/userdata only`,
    );
}

function isCloudConfig(text: string): boolean {
  try {
    const v: unknown = parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
}

async function fromFile(env: StepEnv, path: string): Promise<{data: string; from: string} | undefined> {
  const data = await env.view.sys.readText(await env.view.resolve(path));
  return data ? {data, from: path} : undefined;
}

async function fromMedium(env: StepEnv, provider: string): Promise<{data: string; from: string} | undefined> {
  const medium = MEDIA[provider];
  if (!medium) return undefined;
  const {sys} = env.view;
  for (const label of medium.labels) {
    const device = await sys.findDevice(`LABEL=${label}`);
    if (!device) continue;
    const target = `${MOUNT_POINT}/${provider}`;
    await sys.mkdirp(target);
    await mountMedium(env, device, target);
    try {
      for (const f of medium.files) {
        const data = await sys.readText(`${target}/${f}`);
        if (data) return {data, from: `${device} (${label}) ${f}`};
      }
      env.log.info(`datasource: ${device} (${label}) holds none of ${medium.files.join(', ')}`);
    } finally {
      await sys.unmount(target);
    }
  }
  return undefined;
}

/** Read-only, iso9660 then vfat (as yip). */
async function mountMedium(env: StepEnv, device: string, target: string): Promise<void> {
  const errors: string[] = [];
  for (const fstype of ['iso9660', 'vfat'])
    try {
      await env.view.sys.mount({source: device, target, fstype, options: ['ro']});
      return;
    } catch (err) {
      errors.push(`${fstype}: ${(err as Error).message}`);
    }
  throw new Error(`datasource: cannot mount ${device} as iso9660 or vfat (${errors.join('; ')})`);
}

async function writeIfChanged(env: StepEnv, path: string, text: string): Promise<void> {
  const {sys} = env.view;
  const real = await env.view.resolve(path);
  if ((await sys.readText(real)) === text) {
    env.log.info(`datasource: ${path} already holds this user data`);
    return;
  }
  await sys.mkdirp(real.slice(0, real.lastIndexOf('/')) || '/');
  // User data carries passwords and join tokens: readable by root only (under /run it moves into
  // the booted system).
  await sys.writeText(real, text, {mode: 0o600, atomic: true});
  env.log.info(`datasource: wrote ${path}`);
}
