import { describe, expect, it } from "vitest";
import { ATTEMPT_LOG_COLUMNS } from "../../generator/plan/columns.ts";
import { bindsFor, createTableSql, mergeSql, type SyncColumn } from "../../generator/sync/sql.ts";
import { inLanes, syncLoop } from "../../generator/sync/index.ts";

const columns: SyncColumn[] = [
  { name: "execution_id", type: "string" },
  { name: "poll_count", type: "integer" },
  { name: "completed", type: "boolean" },
  { name: "start_time", type: "timestamp" },
  { name: "api_response", type: "json" },
];

describe("gen sync: Snowflake statements", () => {
  it("creates the table with Snowflake types and a synced_at column", () => {
    expect(createTableSql("DB.S.T", columns)).toBe(
      "CREATE TABLE IF NOT EXISTS DB.S.T (execution_id VARCHAR, poll_count NUMBER(38,0), completed BOOLEAN," +
        " start_time TIMESTAMP_NTZ, api_response VARIANT, synced_at TIMESTAMP_NTZ)",
    );
  });

  it("merges one row by its key, values as binds (JSON parsed, timestamps converted)", () => {
    const sql = mergeSql("DB.S.T", columns, ["execution_id"]);
    expect(sql).toBe(
      "MERGE INTO DB.S.T t USING (SELECT ? AS execution_id, ? AS poll_count, ? AS completed," +
        " TO_TIMESTAMP_NTZ(?) AS start_time, PARSE_JSON(?) AS api_response) s ON t.execution_id = s.execution_id" +
        " WHEN MATCHED THEN UPDATE SET poll_count = s.poll_count, completed = s.completed, start_time = s.start_time," +
        " api_response = s.api_response, synced_at = SYSDATE()" +
        " WHEN NOT MATCHED THEN INSERT (execution_id, poll_count, completed, start_time, api_response, synced_at)" +
        " VALUES (s.execution_id, s.poll_count, s.completed, s.start_time, s.api_response, SYSDATE())",
    );
    expect(sql.match(/\?/g)).toHaveLength(columns.length);
    const composite = mergeSql(
      "A",
      [...ATTEMPT_LOG_COLUMNS],
      ["execution_id", "step", "call_number", "attempt"],
    );
    expect(composite).toContain(
      "ON t.execution_id = s.execution_id AND t.step = s.step AND t.call_number = s.call_number AND t.attempt = s.attempt",
    );
    expect(composite).not.toMatch(/UPDATE SET[^W]*\bstep = s\.step/);
  });

  it("binds a source row in column order, keeping a hostile value as plain data", () => {
    const hostile = "x'); DROP TABLE T; --{{ }}$$";
    expect(
      bindsFor(columns, {
        execution_id: hostile,
        poll_count: "3",
        completed: true,
        start_time: "2026-12-01 06:00:00.123456",
        api_response: { a: [1, "é"] },
      }),
    ).toEqual([hostile, 3, true, "2026-12-01 06:00:00.123456", '{"a":[1,"é"]}']);
    expect(bindsFor(columns, { execution_id: "e", api_response: '{"already": "text"}' })).toEqual([
      "e",
      null,
      null,
      null,
      '{"already": "text"}',
    ]);
  });
});

describe("gen sync: lanes", () => {
  it("runs every item once, at most one per lane at a time, results in item order", async () => {
    let running = 0;
    let most = 0;
    const seen: string[] = [];
    const out = await inLanes(["a", "b", "c"], [1, 2, 3, 4, 5, 6, 7], async (lane, item) => {
      running++;
      most = Math.max(most, running);
      seen.push(`${lane}${item}`);
      await new Promise((r) => setTimeout(r, 5 + (item % 3)));
      running--;
      return item * 10;
    });
    expect(out).toEqual([10, 20, 30, 40, 50, 60, 70]);
    expect(most).toBe(3);
    expect(seen).toHaveLength(7);
  });
});

describe("gen sync: the loop", () => {
  it("runs a round at once, then again after each interval, until aborted", async () => {
    const stop = new AbortController();
    let rounds = 0;
    await syncLoop(
      0.01,
      async () => {
        if (++rounds === 3) stop.abort();
      },
      stop.signal,
    );
    expect(rounds).toBe(3);
  });

  it("an abort ends the wait between rounds at once, not after the interval", async () => {
    const stop = new AbortController();
    let rounds = 0;
    const started = performance.now();
    await syncLoop(
      600,
      async () => {
        rounds++;
        setTimeout(() => stop.abort(), 10);
      },
      stop.signal,
    );
    expect(rounds).toBe(1);
    expect(performance.now() - started).toBeLessThan(60_000); // far below the 600 s interval
  });
});
