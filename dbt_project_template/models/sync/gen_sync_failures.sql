{#- Executions whose upload failed max_retries times; `gen sync --retry-failed`
    queues them again. -#}
{{ config(materialized='view', tags=['gen', 'gen_sync']) }}
select execution_id, workflow, retry_count, max_retries, error_message, created_at, updated_at
from {{ gen_sync_queue_relation() }}
where status = 'failed'
