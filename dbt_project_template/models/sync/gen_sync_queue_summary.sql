{#- The sync queue by status. -#}
{{ config(materialized='view', tags=['gen', 'gen_sync']) }}
select
    status,
    count(*) as items,
    sum(retry_count) as retries,
    min(created_at) as oldest_created_at,
    max(updated_at) as last_updated_at
from {{ gen_sync_queue_relation() }}
group by status
