{#- The workflow engine, adapter-neutral: step order, ${...} resolution, JSONPath outputs, poll status
    classification, backoff and state transitions. Only gen_http_request_sql and gen_sleep_sql differ per adapter.
    mode 'stateful' records every transition in the state table and resumes an unfinished execution;
    mode 'stateless' keeps everything in memory. Returns a result dict; never raises for workflow failures
    (the caller decides), so that the failure is recorded before the dbt node fails. -#}
{% macro gen_run_workflow(wf, mode, inputs=none) %}
  {#- for_each: one execution per row of a model, run in batches (macros/gen/fanout/) -#}
  {%- if wf.get('for_each') is not none and mode == 'stateful' -%}{{ return(gen_run_fanout(wf, inputs)) }}{%- endif -%}
  {%- set stateful = (mode == 'stateful') -%}
  {%- set started = modules.datetime.datetime.now(modules.pytz.utc) -%}
  {%- set ctx = {'input': gen_workflow_input(wf, inputs), 'steps': {}, 'execution': {}} -%}
  {%- set run = namespace(execution_id=none, first_step=0, failed=false, error=none, status='pending',
                          polls=0, http_calls=0, attempts=0, resumed=false, calls=0, message='') -%}
  {%- set steps_out = {} -%}

  {%- if stateful -%}
    {%- do gen_ensure_state_tables(wf) -%}
    {%- do gen_cleanup_state(wf) -%}
    {%- do gen_mark_stuck_executions(wf) -%}
    {%- set active = gen_find_active_execution(wf) -%}
    {%- if active is not none -%}
      {%- do gen_claim_executions(wf, 'execution_id = ' ~ gen_sql_string(active['execution_id'])) -%}
      {%- set holder = gen_execution_holder(wf, active['execution_id']) -%}
      {%- if holder is none or holder['owner'] != gen_lease_owner() -%}
        {{ return(gen_held_result(wf, mode, started, active['execution_id'], holder)) }}
      {%- endif -%}
      {%- set run.execution_id = active['execution_id'] -%}
      {%- set run.first_step = active['steps_completed'] -%}
      {%- set run.resumed = true -%}
      {%- do ctx['execution'].update({'started_at': active['start_time']}) -%}
      {%- set stored_input = gen_state_input(wf, run.execution_id) -%}
      {%- if stored_input is not none -%}{%- do ctx.update({'input': stored_input}) -%}{%- endif -%}
      {#- Rebuild the outputs of the steps that completed before the interruption. -#}
      {%- for step in wf['steps'][:run.first_step] -%}
        {%- set outs = {} -%}
        {%- for o in step['outputs'] -%}
          {%- if o[0] in active['outputs'] -%}{%- do outs.update({o[0]: active['outputs'][o[0]]}) -%}{%- endif -%}
        {%- endfor -%}
        {%- do ctx['steps'].update({step['name']: outs}) -%}
      {%- endfor -%}
      {{ log(gen_log_prefix(wf, run.execution_id) ~ 'resuming at step ' ~ (run.first_step + 1) ~ '/'
             ~ wf['steps'] | length, info=true) }}
    {%- endif -%}
  {%- endif -%}

  {%- if run.execution_id is none -%}
    {%- set run.execution_id = (('exec_' if stateful else 'stateless_exec_') ~ started.strftime('%Y%m%d_%H%M%S') ~ '_'
        ~ local_md5(invocation_id ~ wf['name'] ~ started.isoformat())[:8]) -%}
    {%- do ctx['execution'].update({'started_at': started.isoformat()}) -%}
    {%- if stateful -%}
      {%- do gen_state_insert(wf, run.execution_id, ctx['input']) -%}
      {%- set other = gen_withdraw_concurrent_start(wf, run.execution_id) -%}
      {%- if other is not none -%}{{ return(gen_held_result(wf, mode, started, other, gen_execution_holder(wf, other))) }}{%- endif -%}
    {%- endif -%}
    {{ log(gen_log_prefix(wf, run.execution_id) ~ 'started (' ~ mode ~ ', ' ~ wf['steps'] | length ~ ' steps)', info=true) }}
  {%- endif -%}
  {%- do ctx['execution'].update({'id': run.execution_id}) -%}

  {%- for step in wf['steps'][run.first_step:] -%}
    {%- if not run.failed -%}
      {%- set outcome = gen_run_step_when(wf, step, ctx, run.execution_id, stateful) -%}
      {%- set run.http_calls = run.http_calls + outcome['calls'] -%}
      {%- set run.attempts = run.attempts + outcome['attempts'] -%}
      {%- set run.polls = run.polls + outcome['polls'] -%}
      {%- do steps_out.update({step['name']: {'outputs': outcome['outputs'], 'response': outcome['response']}}) -%}
      {%- if outcome['ok'] -%}
        {%- do ctx['steps'].update({step['name']: outcome['outputs']}) -%}
        {%- if step['sets_status'] is not none and not outcome.get('skipped') -%}{%- set run.status = step['sets_status'] -%}{%- endif -%}
      {%- else -%}
        {%- set run.failed = true -%}
        {%- set run.error = 'step ' ~ (step['index'] + 1) ~ '/' ~ wf['steps'] | length ~ ' ' ~ step['name'] ~ ': ' ~ outcome['error'] -%}
      {%- endif -%}
    {%- endif -%}
  {%- endfor -%}

  {%- if run.failed -%}
    {%- set run.status = 'error' -%}
    {%- set run.message = 'Workflow failed at ' ~ run.error -%}
    {%- if stateful -%}
      {%- do gen_state_update(wf, run.execution_id, {'status': "'error'", 'error_message': gen_sql_string(run.error),
          'message': gen_sql_string(run.message), 'end_time': gen_current_timestamp()}) -%}
    {%- endif -%}
    {{ log(gen_log_prefix(wf, run.execution_id) ~ 'FAILED: ' ~ run.error, info=true) }}
  {%- else -%}
    {%- set run.status = wf['final_status'] -%}
    {%- set run.message = 'Workflow completed successfully' ~ ('' if stateful else ' - no state persisted') -%}
    {%- if stateful -%}
      {%- do gen_state_update(wf, run.execution_id, {'status': gen_sql_string(run.status), 'completed': 'true',
          'message': gen_sql_string(run.message), 'end_time': gen_current_timestamp()}) -%}
    {%- endif -%}
    {{ log(gen_log_prefix(wf, run.execution_id) ~ 'completed (' ~ run.http_calls ~ ' HTTP calls, ' ~ run.polls ~ ' polls)', info=true) }}
  {%- endif -%}

  {{ return(gen_run_result(wf, mode, started, run.execution_id,
      {'ok': not run.failed, 'status': run.status, 'error': run.error, 'resumed': run.resumed,
       'http_calls': run.http_calls, 'http_attempts': run.attempts, 'polls': run.polls},
      {'message': run.message, 'steps': steps_out})) }}
{% endmacro %}
