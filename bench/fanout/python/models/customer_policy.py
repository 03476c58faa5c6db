# Prototype (b): the workflow as a dbt Python model. The loop, the thread pool (fanout_http.run_batch over
# gen_http_core.http_request) and the state writes are Python; each step batch is recorded by one insert of
# its transitions (one row per key) before the next step starts, so the trail survives a failing node
# (dbt-duckdb runs the model on its own cursor, which autocommits).
import json

import fanout_http

HEADERS = {"Authorization": [{"text": "Bearer "}, {"secret": "FANOUT_API_KEY"}]}
OPTIONS = {"timeout_s": 30, "retry": {"max_attempts": 3, "backoff_s": 1}, "secrets": ["FANOUT_API_KEY"]}
READY = ("success", "completed", "active", "ready")
PENDING = ("pending", "processing")
COLUMNS = ("customer_id", "step", "batch_no", "status", "poll_count", "policy_id", "api_execution_id",
           "circuit_breaker_id", "http_status", "error", "response")


def model(dbt, session):
    dbt.config(materialized="table")
    concurrency = int(dbt.config.get("concurrency"))
    api_url = dbt.config.get("api_url")
    max_polls = int(dbt.config.get("max_polls"))
    rows = dbt.ref("active_customers")
    state = '"%s"."%s"."%s_state"' % (dbt.this.database, dbt.this.schema, dbt.this.identifier)

    session.execute("""create table if not exists %s (
      customer_id bigint, step varchar, batch_no integer, status varchar, poll_count integer, policy_id varchar,
      api_execution_id varchar, circuit_breaker_id varchar, http_status integer, error varchar, response json,
      recorded_at timestamp)""" % state)
    # the latest transition of each key (resume), and the keys of the model
    current = {}
    last_batch = 0
    for row in session.execute("select * exclude (recorded_at) from %s qualify row_number() over "
                               "(partition by customer_id order by batch_no desc) = 1" % state).fetchall():
        current[row[0]] = dict(zip(COLUMNS, row))
        last_batch = max(last_batch, row[2])
    keys = rows.project("customer_id, policy_name, tier").fetchall()
    batch = {"no": last_batch}

    def record(step, todo, results, transition):
        # one statement per batch: the transitions as one JSON array parameter
        batch["no"] += 1
        out = []
        for key, res in zip(todo, results):
            r = res["result"]
            prev = current.get(key[0], {})
            t = {"customer_id": key[0], "step": step, "batch_no": batch["no"], "poll_count": prev.get("poll_count", 0),
                 "policy_id": prev.get("policy_id"), "api_execution_id": prev.get("api_execution_id"),
                 "circuit_breaker_id": None, "http_status": r.get("status_code"),
                 "error": (r.get("error") or {}).get("message"), "response": r.get("body")}
            t.update(transition(r, t))
            current[key[0]] = t
            out.append(t)
        if out:
            session.execute(
                "insert into %s select t.customer_id, t.step, t.batch_no, t.status, t.poll_count, t.policy_id, "
                "t.api_execution_id, t.circuit_breaker_id, t.http_status, t.error, t.response, now() from "
                "(select unnest(from_json(?, '[{\"customer_id\": \"BIGINT\", \"step\": \"VARCHAR\", "
                "\"batch_no\": \"INTEGER\", \"status\": \"VARCHAR\", \"poll_count\": \"INTEGER\", "
                "\"policy_id\": \"VARCHAR\", \"api_execution_id\": \"VARCHAR\", \"circuit_breaker_id\": \"VARCHAR\", "
                "\"http_status\": \"INTEGER\", \"error\": \"VARCHAR\", \"response\": \"JSON\"}]'), "
                "recursive := true)) as t" % state, [json.dumps(out)])

    def run_step(step, todo, request, transition):
        results = fanout_http.run_batch([dict({"headers": HEADERS, "options": OPTIONS}, id=k[0], **request(k))
                                         for k in todo], concurrency)
        record(step, todo, results, transition)

    def at(*statuses):
        return [(k, current[k]) for k in current if current[k]["status"] in statuses]

    # create: keys with no state yet
    todo = [k for k in keys if k[0] not in current]
    run_step("create_policy", todo, lambda k: {
        "method": "POST", "url": api_url + "/createpolicy",
        "body": json.dumps({"policy_name": k[1], "tier": k[2], "customer_id": k[0]}),
        "headers": dict(HEADERS, **{"Idempotency-Key": "fanout-%s" % k[0]})},
        lambda r, t: {"status": "created" if r["ok"] else "failed", "policy_id": (r.get("body") or {}).get("policy_id"),
                      "api_execution_id": (r.get("body") or {}).get("execution_id")})
    def poll_status(r, t):
        s = (r.get("body") or {}).get("status") if r["ok"] else None
        return {"status": "ready" if s in READY else "pending" if s in PENDING else "failed",
                "poll_count": t["poll_count"] + 1}

    for _ in range(max_polls):
        todo = [(k,) for k, _ in at("created", "pending")]
        if not todo:
            break
        run_step("poll_policy", todo, lambda k: {"method": "GET", "url": api_url + "/policy/" + current[k[0]]["policy_id"]},
                 poll_status)
    left = [(k,) for k, _ in at("created", "pending")]
    record("poll_policy", left, [{"result": {"ok": False, "error": {"message": "not ready after %d polls" % max_polls}}}
                                 for _ in left], lambda r, t: {"status": "failed"})
    todo = [(k,) for k, _ in at("ready")]
    run_step("trigger_circuit_breaker", todo, lambda k: {
        "method": "POST", "url": api_url + "/circuit",
        "body": json.dumps({"policy_id": current[k[0]]["policy_id"], "execution_id": current[k[0]]["api_execution_id"],
                            "trigger_reason": "policy_ready"})},
        lambda r, t: {"status": "completed" if r["ok"] else "failed",
                      "circuit_breaker_id": (r.get("body") or {}).get("circuit_breaker_id")})

    counts = {}
    for t in current.values():
        counts[t["status"]] = counts.get(t["status"], 0) + 1
    print("fanout: rows per status %s" % json.dumps(counts, sort_keys=True))
    if counts.get("failed", 0) > 0:
        raise RuntimeError("fanout: %d row(s) failed; rows per status %s" % (counts["failed"], json.dumps(counts, sort_keys=True)))
    return session.sql("select * from %s qualify row_number() over (partition by customer_id order by batch_no desc) = 1"
                       % state)
