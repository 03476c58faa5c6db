/** The bundled mock policy API: used by `gen mock-api`, the demo and the integration tests. */
export { startMockApi } from "./server.js";
export type { MockApi, MockApiOptions, RequestLogEntry } from "./server.js";
export {
  DEFAULT_SCENARIO,
  ENDPOINT_NAMES,
  SCENARIO_PRESETS,
  fullScenario,
  mergeScenarios,
  resolveScenario,
  validateScenario,
} from "./scenario.js";
export type { EndpointName, Scenario } from "./scenario.js";
