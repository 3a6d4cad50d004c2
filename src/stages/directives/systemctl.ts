// `systemctl`: drop-ins (overrides) written, enable, disable and mask offline (`systemctl --root=/` in the view, the view's own
// systemctl), start only where units can run: on the live initramfs root.
import type {StepEnv} from '../step-env.ts';
import type {SystemctlSpec} from '../types.ts';
import {collectErrors} from './errors.ts';

export async function runSystemctl(env: StepEnv, spec: SystemctlSpec): Promise<void> {
  await collectErrors(spec.overrides, async (o) => {
    const dir = await env.view.resolve(`/etc/systemd/system/${o.service}.d`);
    await env.view.sys.mkdirp(dir);
    const file = `${dir}/${o.name}`;
    if ((await env.view.sys.readText(file)) !== o.content)
      await env.view.sys.writeText(file, o.content, {mode: 0o644, atomic: true});
    env.log.info(`drop-in /etc/systemd/system/${o.service}.d/${o.name}`);
  });
  const verbs = (['enable', 'disable', 'mask'] as const).filter((v) => spec[v].length > 0);
  await collectErrors(verbs, async (verb) => {
    await env.exec(['systemctl', '--root=/', verb, '--', ...spec[verb]]);
    env.log.info(`systemctl ${verb} ${spec[verb].join(' ')}`);
  });
  if (spec.start.length === 0) return;
  if (env.view.isLiveRoot) {
    await collectErrors(spec.start, async (unit) => {
      await env.exec(['systemctl', 'start', '--', unit]);
    });
    return;
  }
  env.warn(
    `systemctl.start ${spec.start.join(' ')}`,
    `systemctl start ${spec.start.join(' ')}: nothing runs in ${env.view.root} yet, not started`,
    'Use systemctl.enable for units of the installed system; they start when it boots.',
  );
}
