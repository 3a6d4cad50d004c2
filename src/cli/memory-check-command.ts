import {Command} from '@oclif/core';
import {runNohangCheck} from '../memory/inspect.ts';
import {renderProblems} from '../memory/view.ts';
import {inspectFromFlags, MEMORY_FLAGS} from './memory-flags.ts';

export class MemoryCheckCommand extends Command {
  static override summary = 'Validate the memory policy, and let nohang check the rendered file.';
  static override description =
    "Checks the memory_policy blocks against nohang's accepted ranges and the memory left after the overlay tmpfs, then renders the config and runs nohang --check -c on it when nohang is installed. Exits 2 when the policy has errors, 1 when nohang refuses the file.";
  static override examples = [
    '<%= config.bin %> memory check',
    '<%= config.bin %> memory check --policy ./memory.yaml --state recovery',
  ];
  static override flags = MEMORY_FLAGS;

  async run(): Promise<void> {
    const {flags} = await this.parse(MemoryCheckCommand);
    const {sys, inspected} = await inspectFromFlags(flags);
    const {policy} = inspected;
    for (const line of renderProblems(inspected.problems)) this.log(line);
    if (policy.errors.length > 0) {
      this.log(
        `policy: ${policy.errors.length} error(s); the boot would apply the ${policy.preset} preset alone`,
      );
      this.exit(2);
    }
    this.log(`policy: ${policy.preset} (${policy.presetSource}) is valid`);
    if (inspected.text === undefined) return;
    const check = await runNohangCheck(sys, inspected.text);
    if (!check.ran) {
      this.log('nohang is not installed here: the rendered file was not checked by nohang');
      return;
    }
    if (check.ok) {
      this.log('nohang --check: config is OK');
      return;
    }
    this.log(`nohang --check exited ${check.exitCode}:\n${check.output}`);
    this.exit(1);
  }
}
