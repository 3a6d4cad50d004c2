// `environment` merged into `environment_file` (default /etc/environment, as in yip), in the
// stage's view: the rootfs stage's layout file is the initramfs's.
import {mergeDotenv} from '../dotenv-merge.ts';
import type {StepEnv} from '../step-env.ts';

export const DEFAULT_ENVIRONMENT_FILE = '/etc/environment';

export async function writeEnvironment(
  env: StepEnv,
  values: Array<[string, string]>,
  file = DEFAULT_ENVIRONMENT_FILE,
) {
  if (values.length === 0) return;
  const p = await env.view.resolve(file);
  const parent = p.slice(0, p.lastIndexOf('/')) || '/';
  await env.view.sys.mkdirp(parent);
  const before = (await env.view.sys.readText(p)) ?? '';
  await env.view.sys.writeText(p, mergeDotenv(before, values, file), {mode: 0o644});
  env.log.debug(`${file}: set ${values.map(([k]) => k).join(', ')}`);
}
