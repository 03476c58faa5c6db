import { ExitCode } from "../errors.ts";
import { startMockApi } from "../mockapi/index.ts";
import { defineCommand, UsageError } from "./command.ts";
import { SCENARIO_OPTION, scenarioOrUsage } from "./shared.ts";

export const mockApi = defineCommand({
  name: "mock-api",
  summary: "serve the bundled mock policy API",
  positionals: "",
  description: [
    "Serves the bundled mock policy API (POST /createpolicy, GET /policy/{id}, POST /circuit, /exports...).",
    "Admin: GET /__admin/requests, POST /__admin/scenario, POST /__admin/reset. Ctrl-C stops it.",
  ],
  options: {
    port: { type: "string", value: "N", help: "port to listen on (default 8787; 0 picks a free one)" },
    host: { type: "string", value: "H", help: "address to listen on (default 127.0.0.1)" },
    scenario: SCENARIO_OPTION,
    "latency-ms": {
      type: "string",
      value: "MS",
      help: "delay every API response by MS milliseconds (overrides the scenario's latencyMs)",
    },
  },
  async run({ values }, term) {
    const port = values.port === undefined ? 8787 : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new UsageError(`--port must be a port number, not "${values.port}"`);
    const latency = values["latency-ms"];
    const latencyMs = latency === undefined ? undefined : Number(latency);
    if (latencyMs !== undefined && (!Number.isInteger(latencyMs) || latencyMs < 0 || latency?.trim() === ""))
      throw new UsageError(`--latency-ms must be a whole number of milliseconds, not "${latency}"`);
    const scenario = values.scenario ? scenarioOrUsage(values.scenario) : {};
    const api = await startMockApi({
      port,
      host: values.host ?? "127.0.0.1",
      scenario: latencyMs === undefined ? scenario : { ...scenario, latencyMs },
      log: (line) => term.err(line),
    });
    term.err(`mock policy API on ${api.url} (Ctrl-C to stop)`);
    await new Promise<void>((done) => {
      const stop = () => void api.close().then(done);
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
    return ExitCode.ok;
  },
});
