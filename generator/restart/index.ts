/**
 * `gen restart`: auto-restart for dbt Core (laptops, CI). Asks the generated project's gen_restart_plan
 * operation (the same query as the gen_restart_plan view that RUN_DBT_AUTO_RESTART reads on Snowflake) what
 * the next run should be, then runs it: a selective retry of the failed nodes and everything downstream of
 * them, or a full build. Needs no target/ folder: the plan comes from DBT_RUN_LOG and DBT_MODEL_LOG.
 */
import { markedJson, runDbt, runOperation, type DbtRunResult } from "../dbt/index.ts";

export interface RestartPlan {
  verdict: "retry" | "no_run" | "succeeded" | "unfinished" | "no_failed_node" | "too_old" | "max_retries";
  decision: "SELECTIVE RETRY" | "FULL BUILD";
  /** `a+ b+` for a retry, null for a full build */
  selector: string | null;
  retry_sequence: number;
  reason: string;
  last_run_id: string | null;
  last_command: string | null;
  last_status: string | null;
  last_run_started_at: string | null;
  max_retries: number;
  max_age_hours: number;
}

const PLAN_MARK = "gen-restart-plan";

/** The plan from the output of `dbt run-operation gen_restart_plan`, or null when there is none. */
export function parsePlanOutput(output: string): RestartPlan | null {
  const raw = markedJson<Record<string, unknown>>(output, PLAN_MARK);
  return raw ? typedPlan(raw) : null;
}

function typedPlan(raw: Record<string, unknown>): RestartPlan {
  return {
    ...(raw as unknown as RestartPlan),
    retry_sequence: Number(raw.retry_sequence ?? 0),
    max_retries: Number(raw.max_retries),
    max_age_hours: Number(raw.max_age_hours),
  };
}

/**
 * The dbt arguments of the run the plan asks for. `fullArgs` is the full build ("build", "run --select
 * tag:hourly"); a retry uses its command with the plan's selection, as RUN_DBT_AUTO_RESTART does.
 */
export function argsForPlan(plan: RestartPlan, fullArgs: string): string[] {
  const full = fullArgs.trim().split(/\s+/).filter(Boolean);
  if (plan.decision === "SELECTIVE RETRY" && plan.selector)
    return [full[0] ?? "build", "--select", ...plan.selector.split(/\s+/).filter(Boolean)];
  return full.length > 0 ? full : ["build"];
}

export interface RestartOptions {
  fullArgs?: string;
  /** extra dbt arguments for both dbt calls (e.g. --target snowflake) */
  dbtArgs?: string[];
  env?: NodeJS.ProcessEnv;
  dryRun?: boolean;
  color?: boolean;
  onLine?: (line: string) => void;
  onPlan?: (plan: RestartPlan, args: string[]) => void;
}

export interface RestartResult {
  plan: RestartPlan;
  args: string[];
  run: DbtRunResult | null;
}

/** Asks the project for its restart plan and, unless dryRun, runs what it says. */
export async function restartProject(
  projectDir: string,
  options: RestartOptions = {},
): Promise<RestartResult> {
  const extra = options.dbtArgs ?? [];
  const raw = await runOperation<Record<string, unknown>>(projectDir, "gen_restart_plan", {
    mark: PLAN_MARK,
    dbtArgs: extra,
    env: options.env,
    color: options.color,
    block: { name: "auto_restart", example: "auto_restart: { max_retries: 3, max_age_hours: 24 }" },
  });
  const plan = typedPlan(raw as Record<string, unknown>);
  const args = [...argsForPlan(plan, options.fullArgs ?? "build"), ...extra];
  options.onPlan?.(plan, args);
  if (options.dryRun) return { plan, args, run: null };
  const run = await runDbt(projectDir, args, {
    env: options.env,
    color: options.color,
    onLine: options.onLine,
  });
  return { plan, args, run };
}
