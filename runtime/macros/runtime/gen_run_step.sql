{#- Runs one step: a single call, or a poll loop. Returns {ok, error, outputs, response, calls, attempts, polls}. -#}
{% macro gen_run_step(wf, step, ctx, execution_id, stateful) %}
  {%- set prefix = gen_log_prefix(wf, execution_id) ~ 'step ' ~ (step['index'] + 1) ~ '/' ~ wf['steps'] | length ~ ' ' ~ step['name'] -%}
  {%- set st = namespace(ok=false, error=none, response=none, calls=0, attempts=0, polls=0, done=false, label='', http_status=none) -%}
  {%- set outputs = {} -%}
  {%- set output_sql = {} -%}
  {%- set poll = step['poll'] -%}
  {%- set max_calls = poll['max_attempts'] if poll is not none else 1 -%}
  {%- set step_started = modules.datetime.datetime.now(modules.pytz.utc) -%}

  {%- if stateful -%}
    {%- set assignments = {'current_step': gen_sql_string(step['name']),
                           'message': gen_sql_string('Executing step ' ~ (step['index'] + 1) ~ ': ' ~ step['name'])} -%}
    {%- for f in step['flags_on_start'] -%}{%- do assignments.update({f: 'true'}) -%}{%- endfor -%}
    {%- do gen_state_update(wf, execution_id, assignments) -%}
  {%- endif -%}

  {%- for call_number in range(1, max_calls + 1) -%}
    {%- if not st.done -%}
      {%- set request = gen_build_request(wf, step, ctx) -%}
      {%- set res = gen_http(request) -%}
      {%- set st.calls = st.calls + 1 -%}
      {%- set st.attempts = st.attempts + res['attempts'] | length -%}
      {%- set st.response = res['body'] if res['body'] is not none else res['text'] -%}
      {%- if stateful -%}{%- do gen_log_attempts(wf, execution_id, step, call_number, request, res) -%}{%- endif -%}
      {%- set st.label = request['method'] ~ ' ' ~ request['display_url'] -%}
      {%- set st.http_status = res['status_code'] -%}

      {%- if not res['ok'] -%}
        {%- set st.error = res['error']['message'] if res['error'] is not none else (st.label ~ ': HTTP ' ~ res['status_code']) -%}
        {%- set st.done = true -%}
      {%- elif poll is none -%}
        {%- set st.ok = true -%}
        {%- set st.done = true -%}
      {%- else -%}
        {%- set st.polls = st.polls + 1 -%}
        {%- set found = gen_jsonpath(res['body'], poll['status']) -%}
        {#- the status keeps its JSON type: gen_poll_outcome matches it by type -#}
        {%- set status = found['value'] if found['found'] else none -%}
        {%- set shown = gen_status_text(status) if status is not none else none -%}
        {%- if stateful -%}
          {%- do gen_state_update(wf, execution_id, {'poll_count': 'poll_count + 1', 'last_poll_time': gen_current_timestamp(),
              step['response_column']: gen_json_literal(st.response),
              'message': gen_sql_string('Poll ' ~ call_number ~ '/' ~ max_calls ~ ': status ' ~ (shown if shown is not none else 'missing'))}) -%}
        {%- endif -%}
        {{ log(prefix ~ ': poll ' ~ call_number ~ '/' ~ max_calls ~ ' -> ' ~ (shown if shown is not none else '(no status)'), info=true) }}
        {%- set outcome = gen_poll_outcome(poll, status) -%}
        {%- if outcome == 'missing' -%}
          {%- set st.error = st.label ~ ': HTTP ' ~ st.http_status ~ ': status path ' ~ poll['status_path'] ~ ' not found in the response' -%}
          {%- set st.done = true -%}
        {%- elif outcome == 'success' -%}
          {%- set st.ok = true -%}
          {%- set st.done = true -%}
        {%- elif outcome == 'failure' -%}
          {%- set st.error = st.label ~ ": terminal status '" ~ shown ~ "'" -%}
          {%- set st.done = true -%}
        {%- elif outcome == 'unexpected' -%}
          {%- set st.error = st.label ~ ": unexpected status '" ~ shown ~ "' (expected one of: "
              ~ gen_status_text(poll['success'] + poll['pending'] + poll['failure']) ~ ')' -%}
          {%- set st.done = true -%}
        {%- elif call_number == max_calls -%}
          {%- set st.error = 'still ' ~ shown ~ ' after ' ~ max_calls ~ ' polls (max_attempts ' ~ max_calls ~ ' exhausted)' -%}
          {%- set st.done = true -%}
        {%- else -%}
          {%- set delay = gen_poll_delay(poll, call_number, execution_id ~ step['name']) -%}
          {%- set elapsed = (modules.datetime.datetime.now(modules.pytz.utc) - step_started).total_seconds() -%}
          {%- if elapsed + delay > poll['timeout_s'] -%}
            {%- set st.error = 'still ' ~ shown ~ ' after ' ~ call_number ~ ' polls: the next poll would pass timeout_s ' ~ poll['timeout_s'] -%}
            {%- set st.done = true -%}
          {%- else -%}
            {%- do dbt.run_query(gen_sleep_sql(delay)) -%}
          {%- endif -%}
        {%- endif -%}
      {%- endif -%}
    {%- endif -%}
  {%- endfor -%}

  {%- if st.ok -%}
    {%- for o in step['outputs'] -%}
      {%- set value = gen_output_value(o, st.response) -%}
      {%- if value['error'] is none -%}
        {%- do outputs.update({o[0]: value['text']}) -%}
        {%- do output_sql.update({o[0]: value['sql']}) -%}
      {%- elif st.ok -%}
        {%- set st.ok = false -%}
        {%- set st.error = st.label ~ ': HTTP ' ~ st.http_status ~ ': ' ~ value['error'] -%}
      {%- endif -%}
    {%- endfor -%}
  {%- endif -%}

  {%- if st.ok -%}
    {{ log(prefix ~ ' completed' ~ ((' (' ~ st.polls ~ ' polls)') if poll is not none else ''), info=true) }}
    {%- if stateful -%}
      {%- set assignments = {'steps_completed': (step['index'] + 1) | string, step['response_column']: gen_json_literal(st.response),
                             'message': gen_sql_string('Step ' ~ (step['index'] + 1) ~ ' ' ~ step['name'] ~ ' completed')} -%}
      {%- if step['sets_status'] is not none -%}{%- do assignments.update({'status': gen_sql_string(step['sets_status'])}) -%}{%- endif -%}
      {%- for name, value in output_sql.items() -%}{%- do assignments.update({name: value}) -%}{%- endfor -%}
      {%- for f in step['flags_on_success'] -%}{%- do assignments.update({f: 'true'}) -%}{%- endfor -%}
      {%- do gen_state_update(wf, execution_id, assignments) -%}
    {%- endif -%}
  {%- else -%}
    {%- if stateful and st.response is not none -%}
      {%- do gen_state_update(wf, execution_id, {step['response_column']: gen_json_literal(st.response)}) -%}
    {%- endif -%}
  {%- endif -%}
  {{ return({'ok': st.ok, 'error': st.error, 'outputs': outputs, 'response': st.response,
             'calls': st.calls, 'attempts': st.attempts, 'polls': st.polls}) }}
{% endmacro %}
