// What spawning one tool costs the compiled binary, each way src/sys/exec.ts and
// src/sys/exec-group.ts can spawn. Compile it with the product's build options and compare the
// task-clock of its modes, e.g.:
//   node_modules/.bin/bun scripts/bun-build.ts '{"entry":"bench/spawn-probe.ts","outfile":"/tmp/spawn-probe","define":{}}'
//   BUN_JSC_useBaselineJIT=0 perf stat -r 40 /tmp/spawn-probe bun   (and none, child-process, ...)
// `none` spawns nothing (the floor); `child-process` and `bun` run `true` with stdout and stderr
// piped, as runTool does; `group-child-process` and `group-bun` run it in its own process group,
// as a stage command runs (src/sys/exec-group.ts, bun-group.ts).
import {spawnGroupWithBun} from '../src/sys/bun-group.ts';
import {bunSpawn, spawnWithBun} from '../src/sys/bun-spawn.ts';
import {spawnWithChildProcess} from '../src/sys/exec.ts';
import {spawnGroupWithChildProcess} from '../src/sys/exec-group.ts';

const mode = process.argv[2] ?? 'none';
const argv = [process.argv[3] ?? 'true'];
const bun = bunSpawn();
if (mode === 'child-process') await spawnWithChildProcess(argv, {});
else if (mode === 'bun' && bun) await spawnWithBun(bun, argv, {});
else if (mode === 'group-child-process') await spawnGroupWithChildProcess(argv, {});
else if (mode === 'group-bun' && bun) await spawnGroupWithBun(bun, argv, {});
else if (mode !== 'none')
  throw new Error(
    `spawn-probe: unknown mode ${mode} (none, child-process, bun, group-child-process, group-bun; the bun ones need bun)`,
  );
