{#- Every recorded run with its kind (full build, selective run, selective retry), retry number and the nodes
    that failed: seed 003's V_AUTO_RESTART_HISTORY, on both adapters. -#}
{{ config(materialized='view', tags=['gen', 'gen_auto_restart']) }}
select
    r.run_id,
    r.project_name,
    r.command,
    r.run_type,
    coalesce(r.retry_sequence, 0) as retry_sequence,
    r.selector,
    r.status as run_status,
    r.run_started_at,
    r.run_ended_at,
    {{ dbt.datediff('r.run_started_at', 'r.run_ended_at', 'second') }} as duration_s,
    coalesce(m.models_executed, 0) as models_executed,
    coalesce(m.nodes_failed, 0) as nodes_failed,
    m.failed_nodes
from {{ gen_run_log_relation() }} r
left join (
    select
        run_id,
        sum(case when resource_type = 'model' and status <> 'skipped' then 1 else 0 end) as models_executed,
        sum(case when status in ('error', 'fail') then 1 else 0 end) as nodes_failed,
        {{ dbt.listagg("case when status in ('error', 'fail') then node_name end", "', '", "order by node_name") }} as failed_nodes
    from {{ gen_model_log_relation() }}
    group by run_id
) m on m.run_id = r.run_id
