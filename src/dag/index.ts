// The generic step runner: declare steps with needs and a policy, validate, run, time.
export {criticalPath} from './critical-path.ts';
export {describeThrown, type ErrorInfo, GraphError, type GraphErrorCode, StepError} from './errors.ts';
export {closestName, planOrder, validateGraph} from './graph.ts';
export {runSteps} from './runner.ts';
export type {
  Outcome,
  Policy,
  RunEvent,
  RunOptions,
  RunResult,
  StepDef,
  StepNode,
  StepRecord,
} from './types.ts';
