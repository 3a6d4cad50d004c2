#!/usr/bin/env node
// Development entry point: runs the TypeScript sources through tsx. The shipped artefact is the
// single binary from `npm run compile`, which does not use this file.
import {register} from 'tsx/esm/api';

register();
const {main} = await import('../src/cli/main.ts');
await main(process.argv.slice(2));
