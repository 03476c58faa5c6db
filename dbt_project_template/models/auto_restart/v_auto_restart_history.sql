{#- Every recorded run with its kind (full build, selective run, selective retry), retry number, the models it ran
    and the nodes that failed, on both adapters. The columns and labels are those of the V_AUTO_RESTART_HISTORY
    monitoring queries written for the Snowflake auto-restart procedure (run_type '🔄 SELECTIVE RETRY' or
    '🔵 FULL BUILD', run_status, models_executed, models_run, failed_models, retry_sequence, run_started_at), so
    that those queries run unchanged; run_kind is the same kind without its symbol. -#}
{{ config(materialized='view', tags=['gen', 'gen_auto_restart']) }}
select
    r.run_id,
    r.project_name,
    r.command,
    case r.run_type
        when 'SELECTIVE RETRY' then '🔄 SELECTIVE RETRY'
        when 'FULL BUILD' then '🔵 FULL BUILD'
        when 'SELECTIVE RUN' then '🟡 SELECTIVE RUN'
        else r.run_type
    end as run_type,
    r.run_type as run_kind,
    coalesce(r.retry_sequence, 0) as retry_sequence,
    r.selector,
    r.status as run_status,
    r.run_started_at,
    r.run_ended_at,
    {{ dbt.datediff('r.run_started_at', 'r.run_ended_at', 'second') }} as duration_s,
    coalesce(m.models_run, 0) as models_run,
    m.models_executed,
    m.failed_models,
    coalesce(m.nodes_failed, 0) as nodes_failed,
    m.failed_nodes
from {{ gen_run_log_relation() }} r
left join (
    select
        run_id,
        sum(case when resource_type = 'model' and status <> 'skipped' then 1 else 0 end) as models_run,
        {{ dbt.listagg("case when resource_type = 'model' and status <> 'skipped' then node_name end", "', '", "order by node_name") }} as models_executed,
        {{ dbt.listagg("case when resource_type = 'model' and status = 'error' then node_name end", "', '", "order by node_name") }} as failed_models,
        sum(case when status in ('error', 'fail') then 1 else 0 end) as nodes_failed,
        {{ dbt.listagg("case when status in ('error', 'fail') then node_name end", "', '", "order by node_name") }} as failed_nodes
    from {{ gen_model_log_relation() }}
    group by run_id
) m on m.run_id = r.run_id
