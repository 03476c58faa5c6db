{#- gen_restart_plan_sql over the seeded run and model logs: the plan of every command that ran (the view), and
    the plan of one command (the operation), as "verdict | decision | selector | retry_sequence". -#}
-- depends_on: {{ ref('restart_run_log') }}
-- depends_on: {{ ref('restart_model_log') }}
{%- set parts = ["select restart_key as case_id, p.* from (" ~ gen_restart_plan_sql() ~ ") as p"] -%}
{%- for key in ['never ran', 'elsewhere', 'build'] -%}
  {%- do parts.append("select " ~ gen_sql_string('key: ' ~ key) ~ " as case_id, p.* from ("
        ~ gen_restart_plan_sql(key) ~ ") as p") -%}
{%- endfor %}
select case_id,
    verdict || ' | ' || decision || ' | ' || coalesce(selector, '') || ' | ' || cast(retry_sequence as varchar)
        as actual
from (
{{ parts | join('\nunion all\n') }}
) as plans
