/**
 * `pipeline`: the operator CLI. Every command has --help; data commands have --json; errors end
 * with a one-line reason and a non-zero exit code (2 for a bad argument).
 */
import { runCli } from './cli';
import { buildProgram } from './program';

runCli(buildProgram(), process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`pipeline: ${(e as Error).message}\n`);
    process.exitCode = 1;
  },
);
