{#- Prototype (a): the workflow loop in Jinja, the HTTP calls of a step batch in one UDF call.
    Every statement of the loop is one per step batch (or per poll round), never one per row:
    each insert builds the batch's requests in SQL, calls fanout_http_batch once (up to var concurrency in
    flight) and records one transition row per key. It runs before any transaction is opened, so each
    batch autocommits and the trail survives a failing node. -#}
{% materialization fanout_workflow, default %}
  {%- set state = api.Relation.create(database=this.database, schema=this.schema,
                                      identifier=this.identifier ~ '_state') -%}
  {%- set rows = ref('active_customers') -%}
  {%- do run_query(fanout_state_ddl(state)) -%}
  {%- set batch_no = namespace(n=run_query('select coalesce(max(batch_no), 0) from ' ~ state).columns[0].values()[0]) -%}

  {%- set batch_no.n = batch_no.n + 1 -%}
  {%- do run_query(fanout_step_sql(state, batch_no.n, 'create_policy',
        "select r.customer_id, r.policy_name, r.tier, 0 as poll_count, null::varchar as policy_id,
                null::varchar as api_execution_id
         from " ~ rows ~ " r where not exists (select 1 from " ~ state ~ " s where s.customer_id = r.customer_id)",
        "'POST', 'url', " ~ fanout_url('/createpolicy') ~ ",
         'body', json_object('policy_name', policy_name, 'tier', tier, 'customer_id', customer_id)::varchar,
         'headers', json_merge_patch(" ~ fanout_headers() ~ ", json_object('Idempotency-Key', 'fanout-' || customer_id))",
        "case when (r->>'ok')::boolean then 'created' else 'failed' end, 0,
         r->'body'->>'policy_id', r->'body'->>'execution_id', null")) -%}

  {%- for round in range(var('max_polls') | int) -%}
    {%- set batch_no.n = batch_no.n + 1 -%}
    {%- do run_query(fanout_step_sql(state, batch_no.n, 'poll_policy',
          "select * from cur where status in ('created', 'pending')",
          "'GET', 'url', " ~ fanout_url('/policy/') ~ " || policy_id, 'headers', " ~ fanout_headers(),
          "case when not (r->>'ok')::boolean then 'failed'
                when (r->'body'->>'status') in ('success', 'completed', 'active', 'ready') then 'ready'
                when (r->'body'->>'status') in ('pending', 'processing') then 'pending' else 'failed' end,
           poll_count + 1, policy_id, api_execution_id, null")) -%}
    {%- set left = run_query(fanout_current_sql(state) ~ " select count(*) from cur where status in ('created', 'pending')") -%}
    {%- if left.columns[0].values()[0] == 0 -%}{%- break -%}{%- endif -%}
  {%- endfor -%}

  {%- set batch_no.n = batch_no.n + 1 -%}
  {%- do run_query("insert into " ~ state ~ " " ~ fanout_current_sql(state) ~ "
      select customer_id, 'poll_policy', " ~ batch_no.n ~ ", 'failed', poll_count, policy_id, api_execution_id, null,
             null, 'not ready after " ~ var('max_polls') ~ " polls', null, now()
      from cur where status in ('created', 'pending')") -%}

  {%- set batch_no.n = batch_no.n + 1 -%}
  {%- do run_query(fanout_step_sql(state, batch_no.n, 'trigger_circuit_breaker',
        "select * from cur where status = 'ready'",
        "'POST', 'url', " ~ fanout_url('/circuit') ~ ", 'headers', " ~ fanout_headers() ~ ",
         'body', json_object('policy_id', policy_id, 'execution_id', api_execution_id,
                             'trigger_reason', 'policy_ready')::varchar",
        "case when (r->>'ok')::boolean then 'completed' else 'failed' end, poll_count, policy_id, api_execution_id,
         r->'body'->>'circuit_breaker_id'")) -%}

  {%- set summary = run_query(fanout_current_sql(state) ~ " select status, count(*) as n from cur group by status order by status") -%}
  {%- set counts = {} -%}
  {%- for row in summary.rows -%}{%- do counts.update({row[0]: row[1]}) -%}{%- endfor -%}
  {%- do log('fanout: rows per status ' ~ tojson(counts), info=True) -%}
  {%- if counts.get('failed', 0) > 0 -%}
    {{ exceptions.raise_compiler_error('fanout: ' ~ counts['failed'] ~ ' row(s) failed; rows per status ' ~ tojson(counts)) }}
  {%- endif -%}

  {%- set target_relation = this.incorporate(type='view') -%}
  {%- set existing = adapter.get_relation(database=this.database, schema=this.schema, identifier=this.identifier) -%}
  {%- if existing is not none -%}{%- do adapter.drop_relation(existing) -%}{%- endif -%}
  {%- call statement('main') -%}{{ get_create_view_as_sql(target_relation, sql) }}{%- endcall -%}
  {%- do adapter.commit() -%}
  {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}

{% macro fanout_state_ddl(state) %}
create table if not exists {{ state }} (
  customer_id bigint, step varchar, batch_no integer, status varchar, poll_count integer, policy_id varchar,
  api_execution_id varchar, circuit_breaker_id varchar, http_status integer, error varchar, response json,
  recorded_at timestamp)
{% endmacro %}

{#- the latest transition of each key -#}
{% macro fanout_current_sql(state) -%}
with cur as (select * from {{ state }} qualify row_number() over (partition by customer_id order by batch_no desc) = 1)
{%- endmacro %}

{% macro fanout_url(path) -%}'{{ var('api_url') }}{{ path }}'{%- endmacro %}

{% macro fanout_headers() -%}
'{"Authorization": [{"text": "Bearer "}, {"secret": "FANOUT_API_KEY"}]}'::json
{%- endmacro %}

{#- One step batch as one statement: the keys of todo_sql, one request each (request_sql: the json_object
    arguments after 'method'), one HTTP batch call, one transition row per key (transition_sql: status,
    poll_count, policy_id, api_execution_id, circuit_breaker_id over todo's columns and r, the result). -#}
{% macro fanout_step_sql(state, batch_no, step, todo_sql, request_sql, transition_sql) %}
insert into {{ state }}
{{ fanout_current_sql(state) }},
todo as ({{ todo_sql }}),
batch as (
  select fanout_http_batch((select json_group_array(json_object('id', customer_id, 'method', {{ request_sql }},
           'options', '{"timeout_s": 30, "retry": {"max_attempts": 3, "backoff_s": 1}, "secrets": ["FANOUT_API_KEY"]}'::json))
         from todo)::varchar, {{ var('concurrency') | int }}) as results
  where exists (select 1 from todo)
),
items as (select unnest(from_json(results, '["JSON"]')) as item from batch),
res as (select todo.*, item->'result' as r from items join todo on todo.customer_id = (item->>'id')::bigint)
select customer_id, '{{ step }}', {{ batch_no }}, {{ transition_sql }}, (r->>'status_code')::integer, r->'error'->>'message',
       r->'body', now()
from res
{% endmacro %}
