{#- The input of one run: the spec's input as defaults, then the values this run gives, each key replacing the
    spec's: `--vars '{<workflow>: {<name>: value}}'`, then the `input` argument of run-operation run_<workflow>
    (`--args '{input: {<name>: value}}'`). Only the defaults are templates (${env.X} and ${var.X}, resolved
    here, and only for keys the run does not give); a value given per run is data, never resolved, so a
    `${secret.X}` in it stays that text. When the spec's input is not a mapping, a value given replaces it. -#}
{% macro gen_workflow_input(wf, inputs=none) %}
  {%- set given = {} -%}
  {%- set whole = namespace(value=none, set=false) -%}
  {%- for source in [var(wf['name'], none), inputs] if source is not none -%}
    {%- if source is mapping -%}
      {%- do given.update(source) -%}
    {%- else -%}
      {%- set whole.value = source -%}{%- set whole.set = true -%}
    {%- endif -%}
  {%- endfor -%}
  {%- set template = wf['input'] -%}
  {%- set declared = template['object'] | map(attribute=0) | list if 'object' in template
      else (template['literal'].keys() | list if template.get('literal') is mapping else none) -%}
  {%- if declared is none -%}
    {#- the input is not a mapping: a run gives it whole -#}
    {%- if whole.set -%}{{ return(whole.value) }}{%- endif -%}
    {%- if given | length > 0 -%}{{ return(given) }}{%- endif -%}
    {{ return(gen_resolve_value(template, {})) }}
  {%- endif -%}
  {%- if whole.set -%}
    {{ exceptions.raise_compiler_error("gen: the input of workflow " ~ wf['name'] ~ " is a mapping: give its values as {name: value}") }}
  {%- endif -%}
  {%- for name in given if name not in declared -%}
    {{ exceptions.raise_compiler_error("gen: workflow " ~ wf['name'] ~ " has no input '" ~ name ~ "' (its inputs: "
        ~ declared | join(', ') ~ ")") }}
  {%- endfor -%}
  {%- set out = {} -%}
  {%- if 'object' in template -%}
    {%- for entry in template['object'] -%}
      {%- do out.update({entry[0]: given[entry[0]] if entry[0] in given else gen_resolve_value(entry[1], {})}) -%}
    {%- endfor -%}
  {%- else -%}
    {%- for name, value in template['literal'].items() -%}
      {%- do out.update({name: given[name] if name in given else value}) -%}
    {%- endfor -%}
  {%- endif -%}
  {{ return(out) }}
{% endmacro %}
