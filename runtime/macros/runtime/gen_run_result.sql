{#- The result of a workflow run, the same shape for one execution, a for_each run and a run that found its
    execution held: the summary (`fields`: ok, status, error, resumed, http_calls, http_attempts, polls, and
    rows for for_each) with the workflow, mode, execution id, step count and time, plus `details` (message,
    steps, ...). One machine-readable line per run, for gen's summary, only when gen runs dbt (it passes the
    var), so a plain `dbt run` shows the progress lines alone. -#}
{% macro gen_run_result(wf, mode, started, execution_id, fields, details) %}
  {%- set finished = modules.datetime.datetime.now(modules.pytz.utc) -%}
  {%- set summary = {'workflow': wf['name'], 'mode': mode, 'execution_id': execution_id,
                     'steps_total': wf['steps'] | length,
                     'elapsed_ms': ((finished - started).total_seconds() * 1000) | int} -%}
  {%- do summary.update(fields) -%}
  {%- if var('gen_summary', false) -%}{{ log('gen-summary ' ~ tojson(summary), info=true) }}{%- endif -%}
  {%- set result = {'started_at': started.isoformat(), 'finished_at': finished.isoformat()} -%}
  {%- do result.update(summary) -%}
  {%- do result.update(details) -%}
  {{ return(result) }}
{% endmacro %}
