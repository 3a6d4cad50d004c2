import {Command} from '@oclif/core';
import {renderProblems} from '../memory/view.ts';
import {inspectFromFlags, MEMORY_FLAGS} from './memory-flags.ts';

export class MemoryRenderCommand extends Command {
  static override summary = 'Print the nohang.conf the next boot writes to /etc/nohang/immucore.conf.';
  static override description =
    'Renders the complete nohang config for the effective memory policy (every key of the nohang in the image, the policy values, the @ rules). Problems go to stderr. Prints nothing for the off preset. Exits 2 when the policy has errors (the file printed is then the preset alone, as the boot would write it).';
  static override examples = [
    '<%= config.bin %> memory render',
    '<%= config.bin %> memory render --state recovery',
    '<%= config.bin %> memory render --policy ./memory.yaml > /tmp/nohang.conf',
  ];
  static override flags = MEMORY_FLAGS;

  async run(): Promise<void> {
    const {flags} = await this.parse(MemoryRenderCommand);
    const {inspected} = await inspectFromFlags(flags);
    for (const line of renderProblems(inspected.problems)) process.stderr.write(`${line}\n`);
    if (inspected.text !== undefined) process.stdout.write(inspected.text);
    else process.stderr.write(`memory policy off (${inspected.policy.presetSource}): nothing to render\n`);
    if (inspected.policy.errors.length > 0) this.exit(2);
  }
}
