import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

// Workflow code must be deterministic: it imports only the workflow SDK, shared definitions and
// types, never IO or the environment. The contract and the pure domain are fair game: the lint's
// layer rule keeps IO out of both.
const DIR = path.resolve(__dirname, '../../workflows');
const ALLOWED = [/^@temporalio\/workflow$/, /^@temporalio\/common$/, /^\.\//, /^\.\.\/contract\//, /^\.\.\/domain\//];

describe('workflows/ holds deterministic code only', () => {
  for (const file of readdirSync(DIR).filter((f) => f.endsWith('.ts'))) {
    it(file, () => {
      const source = readFileSync(path.join(DIR, file), 'utf8');
      for (const m of source.matchAll(/^import\s+(type\s+)?[^'"]*from\s+'([^']+)'/gm)) {
        const [, typeOnly, from] = m;
        if (typeOnly) continue; // types vanish at run time
        assert.ok(
          ALLOWED.some((re) => re.test(from as string)),
          `${file} imports ${from}`,
        );
      }
      assert.doesNotMatch(source, /process\.env|Math\.random|require\(/, `${file} reads the environment or randomness`);
    });
  }
});
