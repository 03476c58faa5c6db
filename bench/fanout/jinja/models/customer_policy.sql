{{ config(materialized='fanout_workflow') }}
-- depends_on: {{ ref('active_customers') }}
select * from {{ this.identifier }}_state
qualify row_number() over (partition by customer_id order by batch_no desc) = 1
