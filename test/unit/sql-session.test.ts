import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../../config/load';
import { openDuckDB, withConnection } from '../../adapters/lake/duck';
import { querySql, tablesRead } from '../../adapters/lake/sql-session';
import type { LiveClientState } from '../../adapters/lake/views';

describe('the SQL session', () => {
  const lakeRoot = mkdtempSync(path.join(os.tmpdir(), 'lake-sql-'));
  after(() => rmSync(lakeRoot, { recursive: true, force: true }));
  const config = loadConfig({ env: { ...process.env, PIPELINE_LAKE_ROOT: lakeRoot } });

  it("knows which tables a statement reads from DuckDB's parse, not from its text", async () => {
    const db = await openDuckDB();
    try {
      await withConnection(db, async (conn) => {
        const read = (sql: string) => tablesRead(conn, sql).then((t) => [...t].sort());
        assert.deepEqual(await read('SELECT * FROM Pipeline_Health_Monitor h JOIN client_list USING (client_id)'), [
          'client_list',
          'pipeline_health_monitor',
        ]);
        assert.deepEqual(
          await read('WITH a AS (SELECT * FROM kafka_raw_bronze) SELECT count(*) FROM a WHERE 1 IN (SELECT 1 FROM pipeline_client_state)'),
          ['a', 'kafka_raw_bronze', 'pipeline_client_state'],
        );
        assert.deepEqual(await read("SELECT 'pipeline_health_monitor' AS not_a_table"), []);
        assert.deepEqual(await read('PRAGMA version'), []);
      });
    } finally {
      db.closeSync();
    }
  });

  it('fetches live workflow states only for a statement that shows them', async () => {
    let fetched = 0;
    const live = async (): Promise<LiveClientState[]> => {
      fetched += 1;
      return [{ client_id: 'acme', state: 'paused', queued_batches: 2, backlog_records: 20, consumer_lag: 0 }];
    };
    assert.deepEqual(await querySql(config, "SELECT 'pipeline_client_state' AS word", { live }), [{ word: 'pipeline_client_state' }]);
    assert.equal(fetched, 0);
    const rows = await querySql(config, 'SELECT client_id, state FROM pipeline_client_state', { live });
    assert.equal(fetched, 1);
    assert.deepEqual(rows, [{ client_id: 'acme', state: 'paused' }]);
  });
});
