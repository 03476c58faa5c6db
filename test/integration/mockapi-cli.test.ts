import { execa } from "execa";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const GEN = join(process.cwd(), "bin/gen.js");

describe("gen mock-api --latency-ms", () => {
  it("sets the latency of a served API, on top of --scenario", { timeout: 60_000 }, async () => {
    const child = execa(
      "node",
      [GEN, "mock-api", "--port", "0", "--scenario", "slow-ready", "--latency-ms", "25"],
      { reject: false, env: { NO_COLOR: "1" } },
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let seen = "";
        child.stderr?.on("data", (chunk: Buffer) => {
          seen += chunk.toString();
          const m = /mock policy API on (http:\/\/\S+)/.exec(seen);
          if (m?.[1]) resolve(m[1]);
        });
        void child.then((r) => reject(new Error(`mock-api exited ${r.exitCode}: ${seen}`)));
      });
      const scenario = (await fetch(`${url}/__admin/scenario`).then((r) => r.json())) as Record<
        string,
        unknown
      >;
      expect(scenario).toMatchObject({ latencyMs: 25, pendingPolls: 2 });
    } finally {
      child.kill("SIGTERM");
      await child;
    }
  });

  it("refuses a latency that is not a whole number of milliseconds", async () => {
    for (const bad of ["-1", "1.5", "fast", ""]) {
      const r = await execa("node", [GEN, "mock-api", "--port", "0", `--latency-ms=${bad}`], {
        reject: false,
        env: { NO_COLOR: "1" },
        timeout: 30_000,
      });
      expect(r.exitCode, bad).toBe(2);
      expect(r.stderr).toContain("--latency-ms must be a whole number of milliseconds");
    }
  });
});
