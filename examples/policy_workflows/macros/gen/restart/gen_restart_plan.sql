{#- The auto-restart plan, from DBT_RUN_LOG and DBT_MODEL_LOG alone (no target/ folder needed): after a failed
    run, a selective retry of the failed nodes and everything downstream of them; otherwise a full build.
    One query, used in two places so that they cannot disagree: the gen_restart_plan model (a view that
    RUN_DBT_AUTO_RESTART reads on Snowflake) and the gen_restart_plan operation (what `gen restart` asks).
    The run hooks ask it too, to tell a retry from a selective run. -#}

{% macro gen_restart_settings() %}
  {{ return({
      'project': var('gen_restart_project', project_name),
      'max_retries': var('gen_restart_max_retries', 3) | int,
      'max_age_hours': var('gen_restart_max_age_hours', 24) | float,
  }) }}
{% endmacro %}

{#- One row: verdict (retry, no_run, succeeded, unfinished, no_failed_node, too_old, max_retries), decision
    ('SELECTIVE RETRY' or 'FULL BUILD'), selector (`a+ b+`, for a retry), retry_sequence (of the run the plan
    asks for), reason (one sentence), and the facts about the last run it was judged on. -#}
{% macro gen_restart_plan_sql() %}
  {%- set c = gen_restart_settings() -%}
  {%- set s = gen_type_string() -%}
  {%- set age = dbt.datediff('r.run_started_at', gen_current_timestamp(), 'second') ~ ' / 3600.0' -%}
  {%- set sql -%}
with last_run as (
    select run_id, command, status, coalesce(retry_sequence, 0) as retry_sequence, run_started_at
    from {{ gen_run_log_relation() }}
    where project_name = {{ gen_sql_string(c.project) }}
    order by run_started_at desc, run_id desc
    limit 1
),
failed as (
    select distinct m.retry_target
    from {{ gen_model_log_relation() }} m
    join last_run r on m.run_id = r.run_id
    where m.status in ('error', 'fail')
),
facts as (
    select
        r.run_id, r.command, r.status, r.retry_sequence, r.run_started_at,
        {{ age }} as age_hours,
        (select count(*) from failed) as failed_count,
        (select {{ dbt.listagg("retry_target || '+'", "' '", "order by retry_target") }} from failed) as failed_selector
    from last_run r
),
judged as (
    select
        f.*,
        case
            when f.run_id is null then 'no_run'
            when f.status = 'SUCCESS' then 'succeeded'
            when f.status <> 'FAILED' then 'unfinished'
            when f.failed_count = 0 then 'no_failed_node'
            when f.age_hours >= {{ c.max_age_hours }} then 'too_old'
            when f.retry_sequence >= {{ c.max_retries }} then 'max_retries'
            else 'retry'
        end as verdict
    from (select 1 as one) anchor
    left join facts f on 1 = 1
)
select
    verdict,
    case when verdict = 'retry' then 'SELECTIVE RETRY' else 'FULL BUILD' end as decision,
    case when verdict = 'retry' then failed_selector end as selector,
    case when verdict = 'retry' then retry_sequence + 1 else 0 end as retry_sequence,
    case verdict
        when 'no_run' then 'no earlier run of ' || {{ gen_sql_string(c.project) }} || ' in DBT_RUN_LOG'
        when 'succeeded' then 'the last run succeeded'
        when 'unfinished' then 'the last run did not finish (no on-run-end), so which nodes failed is unknown'
        when 'no_failed_node' then 'the last run failed outside any node (a hook or the connection)'
        when 'too_old' then 'the last run failed ' || cast(round(age_hours, 1) as {{ s }}) || ' h ago, more than max_age_hours {{ c.max_age_hours }}'
        when 'max_retries' then cast(retry_sequence as {{ s }}) || ' selective retries in a row already (max_retries {{ c.max_retries }})'
        else 'the last run failed in ' || cast(failed_count as {{ s }}) || ' node(s): retry ' || cast(retry_sequence + 1 as {{ s }}) || ' of {{ c.max_retries }}'
    end as reason,
    run_id as last_run_id,
    command as last_command,
    status as last_status,
    run_started_at as last_run_started_at,
    failed_count as last_failed_count,
    {{ c.max_retries }} as max_retries,
    {{ c.max_age_hours }} as max_age_hours
from judged
  {%- endset -%}
  {{ return(sql) }}
{% endmacro %}

{#- `dbt run-operation gen_restart_plan`: prints the plan as one JSON line (`gen-restart-plan {...}`), which
    `gen restart` reads. Without the run log (no run yet) the plan is a full build. -#}
{% macro gen_restart_plan() %}
  {%- if not execute -%}{{ return('') }}{%- endif -%}
  {%- do gen_ensure_run_log() -%}
  {%- set row = gen_rows_as_dicts(dbt.run_query(gen_restart_plan_sql()))[0] -%}
  {%- do log('gen-restart-plan ' ~ tojson(row), info=true) -%}
  {{ return(row) }}
{% endmacro %}
