import type { Spec } from "../spec/index.ts";
import { mermaidText } from "../util/escape.ts";

type Workflow = Spec["workflows"][number];

/** A mermaid sequence diagram of one workflow in one mode, generated from its steps. */
export function sequenceDiagram(wf: Workflow, mode: "stateful" | "stateless"): string[] {
  const all = [
    "sequenceDiagram",
    "    participant DBT as dbt run",
    "    participant WF as gen workflow macros",
  ];
  const connections = [...new Set(wf.steps.map((s) => s.request.connection))];
  for (const c of connections) all.push(`    participant ${alias(c)} as ${mermaidText(c)} API`);
  if (mode === "stateful") all.push(`    participant DB as ${mermaidText(wf.state.table)}`);
  all.push(`    DBT->>+WF: ${mode}_${mermaidText(wf.name)}`);
  if (mode === "stateful") {
    all.push("    WF->>DB: clean up, mark stuck, find unfinished execution");
    all.push("    WF->>DB: INSERT execution (or resume it)");
  }
  wf.steps.forEach((step, i) => {
    const lines: string[] = [];
    const api = alias(step.request.connection);
    const call = `${step.request.method} ${mermaidText(step.request.path)}`;
    if (step.poll) {
      lines.push(`    loop ${mermaidText(step.name)}: up to ${step.poll.max_attempts} polls`);
      lines.push(`        WF->>+${api}: ${call}`);
      lines.push(`        ${api}-->>-WF: ${mermaidText(step.poll.status)}`);
      if (mode === "stateful") lines.push("        WF->>DB: UPDATE poll_count, last_poll_time");
      lines.push(`    end`);
    } else {
      lines.push(`    WF->>+${api}: ${call}`);
      const outs = Object.keys(step.outputs);
      lines.push(`    ${api}-->>-WF: ${outs.length ? mermaidText(outs.join(", ")) : "response"}`);
    }
    if (mode === "stateful")
      lines.push(
        `    WF->>DB: step ${i + 1} done${step.sets_status ? ", status " + mermaidText(step.sets_status) : ""}`,
      );
    // a step with a condition is optional: it runs inside an opt block, else it is recorded as skipped
    if (step.when) {
      all.push(`    opt ${mermaidText(conditionText(step.when))}`);
      all.push(...lines.map((l) => "    " + l));
      all.push("    end");
    } else all.push(...lines);
  });
  all.push(
    `    WF-->>-DBT: ${mode === "stateful" ? "completed (or error recorded, node fails)" : "result row"}`,
  );
  return all;
}

function alias(connection: string): string {
  return "API_" + connection.replace(/[^A-Za-z0-9_]/g, "_");
}

/** A condition in words: "flag X set", "step.output = value", "step.output != value". */
function conditionText(when: NonNullable<Workflow["steps"][number]["when"]>): string {
  if (when.flag !== undefined) return `${when.flag} set`;
  const [op, value] = "equals" in when ? ["=", when.equals] : ["!=", when.not_equals];
  return `${when.output ?? ""} ${op} ${JSON.stringify(value ?? null)}`;
}
