import {Command, Flags} from '@oclif/core';
import {hasErrors, planToJson, renderPlanText} from '../report/plan-view.ts';
import {LinuxSys} from '../sys/linux.ts';
import {runBootCommand} from './boot-run.ts';
import {planFromInputs} from './plan-inputs.ts';

export class RunCommand extends Command {
  static override summary =
    'Boot: mount the root image, overlays and persistent state at /sysroot (what the initramfs unit runs).';
  static override description =
    'Reads the kernel command line, plans the boot and runs it, then writes /run/immucore/report.json. Exits non-zero when the system cannot boot, so the initrd stops before switch-root. SIGTERM finishes the mount in flight, writes the report and exits 143.';
  static override examples = ['<%= config.bin %> run', '<%= config.bin %> run --dry-run'];
  static override flags = {
    'dry-run': Flags.boolean({description: 'print the plan and touch nothing (same as `immucore plan`)'}),
    json: Flags.boolean({description: 'with --dry-run: print the plan as JSON'}),
    root: Flags.string({
      hidden: true,
      description:
        'treat this directory as / (tests): the cmdline file, /run and /sysroot are read and made below it',
    }),
    devices: Flags.string({
      hidden: true,
      description: 'comma-separated block devices (kernel names) that label lookups may see (test isolation)',
    }),
  };

  async run(): Promise<void> {
    const {flags} = await this.parse(RunCommand);
    const root = flags.root ?? '/';
    if (flags['dry-run']) {
      const plan = await planFromInputs(new LinuxSys({root}), {});
      this.log(flags.json ? JSON.stringify(planToJson(plan), null, 2) : renderPlanText(plan).trimEnd());
      if (hasErrors(plan)) this.exit(2);
      return;
    }
    const exitCode = await runBootCommand({root, ...(flags.devices ? {devices: flags.devices} : {})});
    if (exitCode !== 0) this.exit(exitCode);
  }
}
