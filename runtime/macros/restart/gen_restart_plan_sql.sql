{#- The auto-restart plan, from DBT_RUN_LOG and DBT_MODEL_LOG alone (no target/ folder needed): after a failed
    run, a selective retry of the failed nodes and everything downstream of them; otherwise a full build.
    One query, used in two places so that they cannot disagree: the gen_restart_plan model (a view that
    RUN_DBT_AUTO_RESTART reads on Snowflake) and the gen_restart_plan operation (what `gen restart` asks). -#}

{#- The plan of each command (restart_key: the full command a task or gen restart runs, flags and selection
    included), one row per command: verdict (retry, no_run, succeeded, unfinished, no_failed_node, too_old,
    max_retries), decision ('SELECTIVE RETRY' or 'FULL BUILD'), selector (`a+ b+`: the nodes to retry, each with
    its descendants; the caller intersects it with the command's own selection), retry_sequence (of the run the
    plan asks for), reason (one sentence), and the facts about the command's last run it was judged on.
    With `key`, exactly one row: that command's plan (no_run when it never ran). Without, the plan of every
    command that ran (the gen_restart_plan view). A run another command started does not count: the hourly
    `run` does not retry what the daily `build` failed. Skipped starts (status SKIPPED) are not runs. -#}
{% macro gen_restart_plan_sql(key=none) %}
  {%- set c = gen_restart_settings() -%}
  {%- set s = gen_type_string() -%}
  {%- set age = dbt.datediff('r.run_started_at', gen_current_timestamp(), 'second') ~ ' / 3600.0' -%}
  {%- set sql -%}
with runs as (
    select run_id, restart_key, command, status, coalesce(retry_sequence, 0) as retry_sequence, run_started_at,
        row_number() over (partition by restart_key order by run_started_at desc, run_id desc) as recency
    from {{ gen_run_log_relation() }}
    where project_name = {{ gen_sql_string(c.project) }}
      and restart_key is not null
      and status <> 'SKIPPED'
),
last_run as (
    select * from runs where recency = 1
),
retry_targets as (
    select distinct r.run_id, m.retry_target
    from {{ gen_model_log_relation() }} m
    join last_run r on m.run_id = r.run_id
    where coalesce(m.retry_needed, m.status in ('error', 'fail'))
),
failed as (
    select run_id, count(*) as failed_count,
        {{ dbt.listagg("retry_target || '+'", "' '", "order by retry_target") }} as failed_selector
    from retry_targets
    group by run_id
),
keys as (
{%- if key is not none %}
    select {{ gen_sql_string(key) }} as restart_key
{%- else %}
    select restart_key from last_run
{%- endif %}
),
facts as (
    select
        k.restart_key, r.run_id, r.command, r.status, r.retry_sequence, r.run_started_at,
        {{ age }} as age_hours,
        coalesce(f.failed_count, 0) as failed_count,
        f.failed_selector
    from keys k
    left join last_run r on r.restart_key = k.restart_key
    left join failed f on f.run_id = r.run_id
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
    from facts f
)
select
    restart_key,
    verdict,
    case when verdict = 'retry' then 'SELECTIVE RETRY' else 'FULL BUILD' end as decision,
    case when verdict = 'retry' then failed_selector end as selector,
    case when verdict = 'retry' then retry_sequence + 1 else 0 end as retry_sequence,
    case verdict
        when 'no_run' then 'no earlier run of ' || restart_key || ' in DBT_RUN_LOG'
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
