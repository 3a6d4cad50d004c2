import {Command, Flags} from '@oclif/core';
import {hasErrors, planToJson, renderPlanText} from '../report/plan-view.ts';
import {LinuxSys} from '../sys/linux.ts';
import {planFromInputs} from './plan-inputs.ts';

export class PlanCommand extends Command {
  static override summary = 'Print the boot plan for a kernel command line, without touching anything.';
  static override description =
    'Decides the boot state from the command line, reads the layout file if given, and lists every step with what it needs and the mounts it would make, then any problems in the input. Exits 2 when the input has errors.';
  static override examples = [
    '<%= config.bin %> plan',
    '<%= config.bin %> plan --cmdline "root=LABEL=COS_ACTIVE cos-img/filename=/cOS/active.img" --json',
    '<%= config.bin %> plan --layout ./cos-layout.env',
  ];
  static override flags = {
    cmdline: Flags.string({description: "kernel command line to plan for (default: the running kernel's)"}),
    layout: Flags.string({
      description: 'layout file (cos-layout.env) to plan with (default: the built-in defaults)',
    }),
    'extra-layout': Flags.string({description: 'extra layout file (extra-layout.env)'}),
    json: Flags.boolean({description: 'print the plan as JSON'}),
  };

  async run(): Promise<void> {
    const {flags} = await this.parse(PlanCommand);
    const plan = await planFromInputs(new LinuxSys(), {
      cmdline: flags.cmdline,
      layoutFile: flags.layout,
      extraFile: flags['extra-layout'],
    });
    this.log(flags.json ? JSON.stringify(planToJson(plan), null, 2) : renderPlanText(plan).trimEnd());
    if (hasErrors(plan)) this.exit(2);
  }
}
