import type { Spec } from "../spec/index.ts";
import { mermaidText } from "../util/escape.ts";

type Workflow = Spec["workflows"][number];

/** A mermaid sequence diagram of one workflow in one mode, generated from its steps. */
export function sequenceDiagram(wf: Workflow, mode: "stateful" | "stateless"): string[] {
  const lines = [
    "sequenceDiagram",
    "    participant DBT as dbt run",
    "    participant WF as gen workflow macros",
  ];
  const connections = [...new Set(wf.steps.map((s) => s.request.connection))];
  for (const c of connections) lines.push(`    participant ${alias(c)} as ${mermaidText(c)} API`);
  if (mode === "stateful") lines.push(`    participant DB as ${mermaidText(wf.state.table)}`);
  lines.push(`    DBT->>+WF: ${mode}_${mermaidText(wf.name)}`);
  if (mode === "stateful") {
    lines.push("    WF->>DB: clean up, mark stuck, find unfinished execution");
    lines.push("    WF->>DB: INSERT execution (or resume it)");
  }
  wf.steps.forEach((step, i) => {
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
  });
  lines.push(
    `    WF-->>-DBT: ${mode === "stateful" ? "completed (or error recorded, node fails)" : "result row"}`,
  );
  return lines;
}

function alias(connection: string): string {
  return "API_" + connection.replace(/[^A-Za-z0-9_]/g, "_");
}
