{#- Delay before poll number n+1: fixed, or exponential capped at max_interval_s with equal jitter.
    The jitter is derived from a hash, so it differs across executions without needing a random module. -#}
{% macro gen_poll_delay(poll, n, seed) %}
  {%- if poll['backoff'] == 'exponential' -%}
    {%- set base = [poll['interval_s'] * (2 ** (n - 1)), poll['max_interval_s']] | min -%}
    {%- set fraction = (local_md5(seed ~ n)[:8] | int(base=16)) / 4294967295.0 -%}
    {{ return(base / 2.0 + base / 2.0 * fraction) }}
  {%- endif -%}
  {{ return([poll['interval_s'], poll['max_interval_s']] | min) }}
{% endmacro %}
