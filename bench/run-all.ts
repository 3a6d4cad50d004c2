// `npm run bench`: every benchmark, one after the other, printing figures (never asserting).
import {benchPlan} from './plan.bench.ts';

console.log(`immucore benchmarks on ${process.arch}, node ${process.version}\n`);
await benchPlan();
