// Every command, listed explicitly: the compiled binary has no command folder to glob.
import {PlanCommand} from './plan-command.ts';

export const COMMANDS = {
  plan: PlanCommand,
};
