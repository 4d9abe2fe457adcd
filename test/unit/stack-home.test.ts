/**
 * The local stack's home is always an absolute path: `stack reset` deletes folders under it, so
 * an empty PIPELINE_STACK_HOME must not mean the current folder.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { localStackHome } from '../../config/local-home';
import { reset } from '../../scripts/stack/stack';

describe('the local stack home', () => {
  const cwd = mkdtempSync(path.join(os.tmpdir(), 'stack-home-'));
  const previous = process.cwd();
  after(() => {
    process.chdir(previous);
    rmSync(cwd, { recursive: true, force: true });
  });

  it('counts an empty variable as unset, and makes a relative one absolute', () => {
    const cacheDefault = path.join(os.homedir(), '.cache', 'medallion-pipeline');
    assert.equal(localStackHome({ PIPELINE_STACK_HOME: '' }), cacheDefault);
    assert.equal(localStackHome({ PIPELINE_STACK_HOME: '  ', XDG_CACHE_HOME: '' }), cacheDefault);
    assert.equal(localStackHome({ PIPELINE_STACK_HOME: '', XDG_CACHE_HOME: '/xdg' }), '/xdg/medallion-pipeline');
    assert.equal(localStackHome({ PIPELINE_STACK_HOME: '/srv/stack' }), '/srv/stack');
    assert.equal(localStackHome({ PIPELINE_STACK_HOME: 'rel' }), path.resolve('rel'));
  });

  it('never lets reset delete ./state of the folder it runs in', async () => {
    process.chdir(cwd);
    mkdirSync(path.join(cwd, 'state', 'keep'), { recursive: true });
    // Port 1 is closed: nothing else would stop the reset.
    const settings = { home: '', temporalPort: 1, uiPort: 1, kafkaPort: 1, namespaces: [] };
    await assert.rejects(
      reset(settings, () => undefined),
      /not an absolute path/,
    );
    assert.ok(existsSync(path.join(cwd, 'state', 'keep')), './state is still there');
  });
});
