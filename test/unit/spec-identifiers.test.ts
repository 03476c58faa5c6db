import { describe, expect, it } from "vitest";
import { isValidIdentifier, RESERVED_STATE_COLUMNS } from "../../generator/spec/index.ts";
import { fixIdentifier, identifierProblem, SQL_RESERVED_WORDS } from "../../generator/spec/identifiers.ts";
import { didYouMean, editDistance, suggest } from "../../generator/spec/suggest.ts";

describe("identifiers", () => {
  it.each(["a", "_a", "policy_execution", "A1_b2", "O2C_DAILY_BUILD", "x".repeat(63), "orders", "selected"])(
    "accepts %j",
    (name) => expect(isValidIdentifier(name)).toBe(true),
  );

  it.each([
    ["", "it is empty"],
    ["create-policy", 'it contains "-"'],
    ["policy id", "it contains a space"],
    ["2fa", "it starts with a digit"],
    ["été", 'it contains "é"'],
    ["x".repeat(64), "it is 64 characters long (at most 63)"],
    ["select", "it is a SQL reserved word"],
    ["ORDER", "it is a SQL reserved word"],
    ["Current_Timestamp", "it is a SQL reserved word"],
  ])("rejects %j: %s", (name, problem) => {
    expect(isValidIdentifier(name)).toBe(false);
    expect(identifierProblem(name)).toBe(problem);
  });

  it.each([
    ["create-policy", "create_policy"],
    ["policy id", "policy_id"],
    ["  spaced  ", "spaced"],
    ["2fa", "_2fa"],
    ["été", "ete"],
    ["order", "order_"],
    ["a.b.c", "a_b_c"],
    ["started!", "started"],
    ["x".repeat(70), "x".repeat(63)],
  ])("fixes %j as %j", (name, fixed) => {
    expect(fixIdentifier(name)).toBe(fixed);
    expect(isValidIdentifier(fixIdentifier(name))).toBe(true);
  });

  it("lists the shared reserved words and the fixed state columns", () => {
    for (const w of ["select", "qualify", "ilike", "try_cast", "localtimestamp", "outer"]) {
      expect(SQL_RESERVED_WORDS.has(w)).toBe(true);
    }
    expect(RESERVED_STATE_COLUMNS).toEqual([
      "execution_id",
      "workflow",
      "poll_count",
      "status",
      "current_step",
      "steps_completed",
      "start_time",
      "last_poll_time",
      "end_time",
      "lease_owner",
      "lease_expires_at",
      "completed",
      "error_message",
      "message",
    ]);
  });
});

describe("suggest", () => {
  it("computes Damerau-Levenshtein (optimal string alignment) distances", () => {
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("policy_api", "policy_apl")).toBe(1);
    expect(editDistance("conection", "connection")).toBe(1);
    expect(editDistance("tmieout", "timeout")).toBe(1); // a transposition counts once
    expect(editDistance("ca", "abc")).toBe(3);
  });

  it("suggests the closest candidate within the threshold, case-insensitively", () => {
    expect(suggest("policy_apl", ["billing_api", "policy_api"])).toBe("policy_api");
    expect(suggest("get", ["GET", "POST"])).toBe("GET");
    expect(suggest("tmeout_s", ["timeout_s", "retry"])).toBe("timeout_s");
    expect(suggest("xyz", ["policy_api"])).toBeUndefined();
    expect(suggest("on", ["to", "at"])).toBeUndefined(); // short words need a closer match
    expect(suggest("on", ["in"])).toBe("in");
    expect(suggest("pending_statuses", ["status", "pending", "failure"])).toBe("pending");
  });

  it("formats a did-you-mean hint", () => {
    expect(didYouMean("inptu", ["input", "steps"])).toBe('did you mean "input"?');
    expect(didYouMean("zzz", ["input"])).toBeUndefined();
  });
});
