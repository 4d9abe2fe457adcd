/**
 * `npm ci` installs only what package-lock.json records. npm leaves other platforms' optional
 * native binaries out of a lock written where node_modules already existed, and `npm ci` on those
 * platforms then fails. Every optional dependency of every locked package must be in the lock.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

interface LockedPackage {
  version?: string;
  optionalDependencies?: Record<string, string>;
  os?: string[];
  cpu?: string[];
}

const lock = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package-lock.json'), 'utf8')) as { packages: Record<string, LockedPackage> };
const packages = lock.packages;

/** Where node would find `dep` from the package at `from`: its own node_modules, then its parents'. */
function resolveLocked(from: string, dep: string): string | undefined {
  let base = from;
  for (;;) {
    const candidate = `${base === '' ? '' : `${base}/`}node_modules/${dep}`;
    if (packages[candidate]) return candidate;
    if (base === '') return undefined;
    const parent = base.lastIndexOf('/node_modules/');
    base = parent >= 0 ? base.slice(0, parent) : '';
  }
}

function runsOn(entry: LockedPackage, os: string, cpu: string): boolean {
  const allows = (list: string[] | undefined, value: string) =>
    list === undefined ||
    (list.includes(value) && !list.includes(`!${value}`)) ||
    (list.every((v) => v.startsWith('!')) && !list.includes(`!${value}`));
  return allows(entry.os, os) && allows(entry.cpu, cpu);
}

describe('package-lock.json', () => {
  it('records every optional dependency of every locked package', () => {
    const missing = Object.entries(packages).flatMap(([from, entry]) =>
      Object.keys(entry.optionalDependencies ?? {})
        .filter((dep) => resolveLocked(from, dep) === undefined)
        .map((dep) => `${from || '(root)'} -> ${dep}`),
    );
    assert.deepEqual(missing, []);
  });

  for (const [os, cpu] of [
    ['linux', 'x64'],
    ['linux', 'arm64'],
    ['darwin', 'x64'],
    ['darwin', 'arm64'],
  ] as const) {
    it(`holds DuckDB's native binding for ${os}-${cpu}`, () => {
      const bindings = Object.entries(packages).filter(([p, e]) => p.startsWith('node_modules/@duckdb/node-bindings-') && runsOn(e, os, cpu));
      assert.ok(bindings.length >= 1, `no @duckdb/node-bindings-* package in the lock runs on ${os}-${cpu}`);
    });
  }
});
