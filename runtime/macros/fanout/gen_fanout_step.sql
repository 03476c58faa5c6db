{#- Runs one step for every execution of `items` at it, as a batch. A step with `when:` first checks its condition
    for each row (gen_step_condition, as a single execution does): the rows where it does not hold are recorded
    as skipped (gen_skip_record: state message and an attempt-log row with outcome 'skipped'), two statements
    for all of them, and move past the step. For the others, each call round is one HTTP batch (up to
    wf.for_each.concurrency in flight), one attempt-log insert and, for a poll, one state update; a poll round
    waits once for all rows still pending. Then one update moves the rows that succeeded and one the rows that
    failed. An item is {execution_id, key, ctx, failed, error, position, calls, attempts, polls}; this macro
    updates it (position + 1 on success or skip; failed and error on failure). One row's failure never stops
    the others. -#}
{% macro gen_fanout_step(wf, step, items) %}
  {%- set total = wf['steps'] | length -%}
  {%- set label = 'step ' ~ (step['index'] + 1) ~ '/' ~ total ~ ' ' ~ step['name'] -%}
  {%- set poll = step['poll'] -%}
  {%- set max_calls = poll['max_attempts'] if poll is not none else 1 -%}
  {%- set step_started = modules.datetime.datetime.now(modules.pytz.utc) -%}

  {%- set to_run = [] -%}
  {%- set when = step['when'] -%}
  {%- if when is none -%}
    {%- set to_run = items -%}
  {%- else -%}
    {#- a flag condition reads the flag from the state rows: a resumed row keeps the flags of its earlier steps -#}
    {%- if when.get('flag') is not none -%}
      {%- set flag_ids = [] -%}
      {%- for it in items -%}{%- do flag_ids.append(gen_sql_string(it['execution_id'])) -%}{%- endfor -%}
      {%- set flagged = {} -%}
      {%- for row in dbt.run_query("select 's:' || execution_id from " ~ gen_relation(wf['state']['table'])
          ~ ' where ' ~ when['flag'] ~ ' and execution_id in (' ~ flag_ids | join(', ') ~ ')').rows -%}
        {%- do flagged.update({row[0][2:]: true}) -%}
      {%- endfor -%}
      {%- for it in items -%}
        {%- do it['ctx'].update({'flags': {when['flag']: it['execution_id'] in flagged}}) -%}
      {%- endfor -%}
    {%- endif -%}
    {%- set skipped = {} -%}
    {%- set skip_attempts = [] -%}
    {%- set first_reason = namespace(text=none) -%}
    {%- for it in items -%}
      {%- set condition = gen_step_condition(step, it['ctx']) -%}
      {%- if condition['run'] -%}
        {%- do to_run.append(it) -%}
      {%- else -%}
        {%- set record = gen_skip_record(wf, step, it['execution_id'], condition['reason']) -%}
        {%- do skipped.update({it['execution_id']: record['state']}) -%}
        {%- do skip_attempts.append(record['attempt']) -%}
        {%- do it['ctx']['steps'].update({step['name']: {}}) -%}
        {%- do it.update({'position': step['index'] + 1}) -%}
        {%- if first_reason.text is none -%}{%- set first_reason.text = wf['for_each']['key'] ~ ' ' ~ it['key'] ~ ': ' ~ condition['reason'] -%}{%- endif -%}
      {%- endif -%}
    {%- endfor -%}
    {%- do gen_insert_attempt_rows(wf, skip_attempts, gen_skip_shared(wf, step)) -%}
    {%- do gen_state_update_batch(wf, skipped.keys() | list, {}, skipped) -%}
    {%- if skipped | length > 0 -%}
      {{ log(gen_log_prefix(wf, 'for_each') ~ label ~ ': ' ~ skipped | length ~ ' row(s) skipped (first: '
             ~ first_reason.text ~ '), ' ~ to_run | length ~ ' to run', info=true) }}
    {%- endif -%}
  {%- endif -%}
  {%- if to_run | length == 0 -%}{{ return(none) }}{%- endif -%}
  {%- set ids = to_run | map(attribute='execution_id') | list -%}

  {%- set on_start = {'current_step': gen_sql_string(step['name']),
                      'message': gen_sql_string('Executing step ' ~ (step['index'] + 1) ~ ': ' ~ step['name'])} -%}
  {%- for f in step['flags_on_start'] -%}{%- do on_start.update({f: 'true'}) -%}{%- endfor -%}
  {%- do gen_state_update_batch(wf, ids, on_start) -%}

  {%- set succeeded = [] -%}
  {%- set failed = [] -%}
  {%- set pending = namespace(items=to_run) -%}
  {%- set connection = gen_resolve_connection(wf['connections'][step['connection']], to_run[0]['ctx']) -%}
  {%- for call_number in range(1, max_calls + 1) -%}
    {%- if pending.items | length > 0 -%}
      {%- set requests = [] -%}
      {%- for it in pending.items -%}{%- do requests.append(gen_build_request(wf, step, it['ctx'], connection)) -%}{%- endfor -%}
      {%- set results = gen_http_batch(requests, wf['for_each']['concurrency']) -%}
      {%- set entries = [] -%}
      {%- set still_pending = [] -%}
      {%- set poll_rows = {} -%}
      {%- for it in pending.items -%}
        {%- set request = requests[loop.index0] -%}
        {%- set res = results[loop.index0] -%}
        {%- do entries.append({'execution_id': it['execution_id'], 'call_number': call_number, 'request': request, 'result': res}) -%}
        {%- set call_label = request['method'] ~ ' ' ~ request['display_url'] -%}
        {%- do it.update({'calls': it['calls'] + 1, 'attempts': it['attempts'] + res['attempts'] | length,
                          'response': res['body'] if res['body'] is not none else res['text'],
                          'label': call_label, 'http_status': res['status_code']}) -%}
        {%- if not res['ok'] -%}
          {%- do it.update({'error': res['error']['message'] if res['error'] is not none else (call_label ~ ': HTTP ' ~ res['status_code'])}) -%}
          {%- do failed.append(it) -%}
        {%- elif poll is none -%}
          {%- do succeeded.append(it) -%}
        {%- else -%}
          {%- do it.update({'polls': it['polls'] + 1}) -%}
          {%- set found = gen_jsonpath(res['body'], poll['status']) -%}
          {#- the status keeps its JSON type: gen_poll_outcome matches it by type, as for a single execution -#}
          {%- set status = found['value'] if found['found'] else none -%}
          {%- set shown = gen_status_text(status) if status is not none else none -%}
          {%- do poll_rows.update({it['execution_id']: {
              step['response_column']: it['response'],
              'message': 'Poll ' ~ call_number ~ '/' ~ max_calls ~ ': status ' ~ (shown if shown is not none else 'missing')}}) -%}
          {%- set outcome = gen_poll_outcome(poll, status) -%}
          {%- if outcome == 'success' -%}
            {%- do succeeded.append(it) -%}
          {%- elif outcome == 'pending' and call_number < max_calls -%}
            {%- do still_pending.append(it) -%}
          {%- else -%}
            {%- if outcome == 'missing' -%}
              {%- do it.update({'error': call_label ~ ': HTTP ' ~ res['status_code'] ~ ': status path ' ~ poll['status_path'] ~ ' not found in the response'}) -%}
            {%- elif outcome == 'failure' -%}
              {%- do it.update({'error': call_label ~ ": terminal status '" ~ shown ~ "'"}) -%}
            {%- elif outcome == 'unexpected' -%}
              {%- do it.update({'error': call_label ~ ": unexpected status '" ~ shown ~ "' (expected one of: "
                  ~ gen_status_text(poll['success'] + poll['pending'] + poll['failure']) ~ ')'}) -%}
            {%- else -%}
              {%- do it.update({'error': 'still ' ~ shown ~ ' after ' ~ max_calls ~ ' polls (max_attempts ' ~ max_calls ~ ' exhausted)'}) -%}
            {%- endif -%}
            {%- do failed.append(it) -%}
          {%- endif -%}
        {%- endif -%}
      {%- endfor -%}
      {%- do gen_log_attempts_batch(wf, step, entries) -%}
      {%- if poll_rows | length > 0 -%}
        {%- do gen_state_update_batch(wf, poll_rows.keys() | list,
            {'poll_count': 'poll_count + 1', 'last_poll_time': gen_current_timestamp()}, poll_rows) -%}
      {%- endif -%}
      {{ log(gen_log_prefix(wf, 'for_each') ~ label ~ ': call ' ~ call_number ~ '/' ~ max_calls ~ ' for ' ~ pending.items | length
             ~ ' row(s): ' ~ still_pending | length ~ ' pending', info=true) }}
      {%- set pending.items = still_pending -%}
      {%- if still_pending | length > 0 -%}
        {%- set delay = gen_poll_delay(poll, call_number, invocation_id ~ step['name']) -%}
        {%- set elapsed = (modules.datetime.datetime.now(modules.pytz.utc) - step_started).total_seconds() -%}
        {%- if elapsed + delay > poll['timeout_s'] -%}
          {%- for it in still_pending -%}
            {%- do it.update({'error': 'still pending after ' ~ call_number ~ ' polls: the next poll would pass timeout_s ' ~ poll['timeout_s']}) -%}
            {%- do failed.append(it) -%}
          {%- endfor -%}
          {%- set pending.items = [] -%}
        {%- else -%}
          {%- do dbt.run_query(gen_sleep_sql(delay)) -%}
        {%- endif -%}
      {%- endif -%}
    {%- endif -%}
  {%- endfor -%}

  {#- outputs of the rows that succeeded, converted to their columns' types (gen_output_value); a missing one, or
      one that does not convert, fails its row. Which values convert is checked for the whole batch at once. -#}
  {%- set converted = {} -%}
  {%- set checks = [] -%}
  {%- for it in succeeded -%}
    {%- set values = {} -%}
    {%- for o in step['outputs'] -%}
      {%- set v = gen_output_value(o, it['response'], check=false) -%}
      {%- do values.update({o[0]: v}) -%}
      {%- if v.get('unchecked') -%}{%- do checks.append({'execution_id': it['execution_id'], 'output': o, 'sql': v['sql']}) -%}{%- endif -%}
    {%- endfor -%}
    {%- do converted.update({it['execution_id']: values}) -%}
  {%- endfor -%}
  {%- set refused = {} -%}
  {%- if checks | length > 0 -%}
    {%- set probes = [] -%}
    {%- for c in checks -%}
      {%- do probes.append('select ' ~ loop.index0 ~ ' as gen_i, case when ' ~ c['sql'] ~ ' is null then 1 else 0 end as gen_refused') -%}
    {%- endfor -%}
    {%- for row in dbt.run_query('select gen_i from (' ~ probes | join(' union all ') ~ ') as gen_p where gen_refused = 1').rows -%}
      {%- set c = checks[row[0] | int] -%}
      {%- if c['execution_id'] not in refused -%}{%- do refused.update({c['execution_id']: c['output']}) -%}{%- endif -%}
    {%- endfor -%}
  {%- endif -%}
  {%- set moved = {} -%}
  {%- for it in succeeded -%}
    {%- set values = converted[it['execution_id']] -%}
    {%- set missing = namespace(error=none) -%}
    {%- for o in step['outputs'] if missing.error is none and values[o[0]]['error'] is not none -%}
      {%- set missing.error = values[o[0]]['error'] -%}
    {%- endfor -%}
    {%- if missing.error is none and it['execution_id'] in refused -%}
      {%- set o = refused[it['execution_id']] -%}
      {%- set missing.error = gen_output_conversion_error(o, gen_jsonpath(it['response'], o[1])['value']) -%}
    {%- endif -%}
    {%- if missing.error is none -%}
      {%- set outputs = {} -%}
      {%- set row_values = {step['response_column']: it['response']} -%}
      {%- for o in step['outputs'] -%}
        {%- do outputs.update({o[0]: values[o[0]]['text']}) -%}
        {#- the state table converts it to the output's column type (gen_json_rows_sql), from its text -#}
        {%- do row_values.update({o[0]: values[o[0]]['value'] if o[3] == 'json' else values[o[0]]['text']}) -%}
      {%- endfor -%}
      {%- do it['ctx']['steps'].update({step['name']: outputs}) -%}
      {%- do it.update({'position': step['index'] + 1}) -%}
      {%- do moved.update({it['execution_id']: row_values}) -%}
    {%- else -%}
      {%- do it.update({'error': it['label'] ~ ': HTTP ' ~ it['http_status'] ~ ': ' ~ missing.error}) -%}
      {%- do failed.append(it) -%}
    {%- endif -%}
  {%- endfor -%}
  {%- set on_success = {'steps_completed': (step['index'] + 1) | string,
                        'message': gen_sql_string('Step ' ~ (step['index'] + 1) ~ ' ' ~ step['name'] ~ ' completed')} -%}
  {%- if step['sets_status'] is not none -%}{%- do on_success.update({'status': gen_sql_string(step['sets_status'])}) -%}{%- endif -%}
  {%- for f in step['flags_on_success'] -%}{%- do on_success.update({f: 'true'}) -%}{%- endfor -%}
  {%- do gen_state_update_batch(wf, moved.keys() | list, on_success, moved) -%}

  {%- set errors = {} -%}
  {%- for it in failed -%}
    {%- set error = label ~ ': ' ~ it['error'] -%}
    {%- do it.update({'failed': true, 'error': error}) -%}
    {%- do errors.update({it['execution_id']: {
        step['response_column']: it.get('response'),
        'error_message': error,
        'message': 'Workflow failed at ' ~ error}}) -%}
  {%- endfor -%}
  {%- do gen_state_update_batch(wf, errors.keys() | list, {'status': "'error'", 'end_time': gen_current_timestamp()}, errors) -%}
  {{ log(gen_log_prefix(wf, 'for_each') ~ label ~ ': ' ~ moved | length ~ ' row(s) completed, ' ~ failed | length ~ ' failed', info=true) }}
{% endmacro %}
