// What spawning one tool costs the compiled binary, each way src/sys/exec.ts can spawn. Compile
// it with the product's build options and compare the task-clock of its modes, e.g.:
//   node_modules/.bin/bun scripts/bun-build.ts '{"entry":"bench/spawn-probe.ts","outfile":"/tmp/spawn-probe","define":{}}'
//   BUN_JSC_useBaselineJIT=0 perf stat -r 40 /tmp/spawn-probe bun   (and none, child-process)
// `none` spawns nothing (the floor); the others run `true` with stdout and stderr piped, as
// runTool does.
import {bunSpawn, spawnWithBun} from '../src/sys/bun-spawn.ts';
import {spawnWithChildProcess} from '../src/sys/exec.ts';

const mode = process.argv[2] ?? 'none';
const argv = [process.argv[3] ?? 'true'];
const bun = bunSpawn();
if (mode === 'child-process') await spawnWithChildProcess(argv, {});
else if (mode === 'bun' && bun) await spawnWithBun(bun, argv, {});
else if (mode !== 'none')
  throw new Error(`spawn-probe: unknown mode ${mode} (none, child-process, bun; bun needs bun)`);
