{#- When each queued execution was synced to Snowflake: one row per
    execution, to join to a state table on execution_id. synced_at is null until an upload succeeded. -#}
{{ config(materialized='view', tags=['gen', 'gen_sync']) }}
select
    execution_id,
    workflow,
    status as sync_status,
    processed_at as synced_at,
    retry_count as sync_failures,
    error_message as sync_error,
    updated_at as sync_updated_at
from {{ gen_sync_queue_relation() }}
