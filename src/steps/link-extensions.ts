// System extensions and configuration extensions (SPEC §7): link every *.raw of this boot state,
// then the common ones, into /run/{extensions,confexts} where systemd-sysext/confext look.
import type {StepContext} from './context.ts';

const KINDS = ['extensions', 'confexts'] as const;

export function extensionStateDir(state: string): string {
  return state === 'autoreset' ? 'recovery' : state;
}

export async function linkExtensions(ctx: StepContext): Promise<void> {
  let linked = 0;
  for (const kind of KINDS) {
    // The state's own extension wins over a common one of the same name: it is linked first,
    // and the common one is then left out (not an error).
    const taken = new Set<string>();
    for (const dir of [extensionStateDir(ctx.plan.state.state), 'common']) {
      const from = `/var/lib/kairos/${kind}/${dir}`;
      const names = ((await ctx.sys.readdir(`/sysroot${from}`)) ?? [])
        .filter((n) => n.endsWith('.raw'))
        .sort();
      if (names.length) await ctx.sys.mkdirp(`/run/${kind}`);
      for (const name of names.filter((n) => !taken.has(n))) {
        taken.add(name);
        if ((await ctx.sys.symlink(`${from}/${name}`, `/run/${kind}/${name}`)) === 'created') linked++;
      }
    }
  }
  ctx.log.info(`${linked} extension links`);
}
