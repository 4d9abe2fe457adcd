#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so `npx pipeline` works without a build step.
require('tsx/cjs');
require('../scripts/pipeline.ts');
