{#- Fails with every case whose actual value differs from the expected one, or that is on one side only. -#}
{% test matches_expected(model, expected) %}
select coalesce(a.case_id, e.case_id) as case_id, a.actual, e.expected
from (select case_id, actual from {{ model }}) as a
full outer join (select case_id, expected from {{ expected }}) as e on a.case_id = e.case_id
where a.case_id is null or e.case_id is null or a.actual is distinct from e.expected
{% endtest %}
