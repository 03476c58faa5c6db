{{ config(materialized='table') }}
select i as customer_id,
       case when i = {{ var('fail_key') }} then 'REJECT-' else 'policy-' end || i as policy_name,
       'tier-' || (i % 3) as tier
from range(1, {{ var('rows') | int + 1 }}) as t(i)
