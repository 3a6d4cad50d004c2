// Every command, listed explicitly: the compiled binary has no command folder to glob.
import {MemoryCheckCommand} from './memory-check-command.ts';
import {MemoryRenderCommand} from './memory-render-command.ts';
import {MemoryShowCommand} from './memory-show-command.ts';
import {PlanCommand} from './plan-command.ts';
import {RetryCommand} from './retry-command.ts';
import {RunCommand} from './run-command.ts';
import {
  SlotMarkBadCommand,
  SlotMarkGoodCommand,
  SlotSetNextCommand,
  SlotStatusCommand,
} from './slot-commands.ts';
import {StagesListCommand} from './stages-list-command.ts';
import {StagesRunCommand} from './stages-run-command.ts';
import {StatusCommand} from './status-command.ts';
import {TimelineCommand} from './timeline-command.ts';

export const COMMANDS = {
  run: RunCommand,
  plan: PlanCommand,
  status: StatusCommand,
  retry: RetryCommand,
  timeline: TimelineCommand,
  'stages:list': StagesListCommand,
  'stages:run': StagesRunCommand,
  'memory:show': MemoryShowCommand,
  'memory:render': MemoryRenderCommand,
  'memory:check': MemoryCheckCommand,
  'slot:status': SlotStatusCommand,
  'slot:set-next': SlotSetNextCommand,
  'slot:mark-good': SlotMarkGoodCommand,
  'slot:mark-bad': SlotMarkBadCommand,
};
