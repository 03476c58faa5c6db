/**
 * The spec `gen init` writes: the policy flow (create a policy, poll it until it is ready,
 * trigger the circuit breaker), with a comment on every section. It must parse with zero
 * diagnostics (tested).
 */
export const STARTER_SPEC = `# yaml-language-server: $schema=https://gen.dev/schema/gen-spec.schema.json
#
# A gen spec: \`gen build\` compiles it into a dbt project that calls an HTTP API during
# \`dbt run\`. Values may use references: \${input.x}, \${steps.<step>.<output>},
# \${execution.id}, \${now}, \${env.NAME:-default} and \${secret.NAME}. Inside { ... } or
# [ ... ] write them in quotes: { id: "\${steps.create_policy.policy_id}" }.

# Format version of this file.
version: 1

# The generated dbt project.
project:
  name: policy_workflows            # dbt project name: letters, digits and _
  description: Create a policy, wait until it is ready, then trigger the circuit breaker.
  targets: [duckdb, snowflake]      # duckdb runs on this machine; snowflake is production
  duckdb:
    path: gen.duckdb                # database file, relative to the generated project
  snowflake:                        # used by the snowflake target only
    warehouse: COMPUTE_WH           # warehouse, database, schema and role are required there
    database: EDW
    schema: O2C_AUDIT
    role: DBT_RUNNER                # the role that runs dbt; the setup SQL grants it what it needs
    external_access_integration: POLICY_API_ACCESS
    dbt_project_object: EDW.O2C_AUDIT.DBT_O2C_ENHANCED

# The HTTP APIs that steps call, by name.
connections:
  policy_api:
    # \`gen run --mock-api\` serves a policy API on 127.0.0.1:8787.
    base_url: \${env.POLICY_API_ENDPOINT:-http://127.0.0.1:8787}
    headers: { Accept: application/json }
    auth:                           # bearer | basic | header | none
      type: bearer
      token: \${secret.POLICY_API_KEY}   # from an env var locally, a Snowflake SECRET in production
    timeout_s: 30                   # per HTTP request
    retry:                          # retries of one request, with exponential backoff
      max_attempts: 3
      backoff_s: 1
      max_backoff_s: 30
      on: [connect, timeout, 429, 5xx]

# The workflows: each one is a chain of steps, run in order.
workflows:
  - name: policy_execution
    description: Policy creation, status polling and circuit breaker.
    modes: [stateful, stateless]    # stateful keeps a state table; stateless only returns a row
    tags: [policy]
    # The workflow input, available as \${input}.
    input:
      policy_name: sample_policy
      policy_type: data_governance
      priority: high
    steps:
      # Step 1: create the policy; its id is kept for the next steps.
      - name: create_policy
        request:
          connection: policy_api
          method: POST
          path: /createpolicy
          body: \${input}                  # a whole reference keeps the value's type (here an object)
          idempotency_key: \${execution.id}
        outputs:                            # JSONPaths into the response; each is a state column
          policy_id: $.policy_id
          api_execution_id: $.execution_id
        sets_status: policy_created         # workflow status once this step succeeds
        response_column: api_response       # state column with the last response

      # Step 2: poll the policy until its status is a success or a failure.
      - name: poll_policy_status
        request:
          connection: policy_api
          method: GET
          path: /policy/\${steps.create_policy.policy_id}
        poll:
          status: $.status
          success: [success, completed, active, ready]
          pending: [pending, processing]
          failure: [failed, error]
          max_attempts: 3
          interval_s: 2
          backoff: exponential              # fixed | exponential (with jitter, capped)
          max_interval_s: 60
          timeout_s: 300
        sets_status: policy_ready
        response_column: policy_status_response
        flags:                              # boolean state columns set by this step
          on_success: [requires_circuit_breaker]

      # Step 3: trigger the circuit breaker for the policy.
      - name: trigger_circuit_breaker
        request:
          connection: policy_api
          method: POST
          path: /circuit
          body:
            policy_id: \${steps.create_policy.policy_id}
            trigger_reason: policy_execution_completed
        sets_status: completed
        response_column: circuit_breaker_response
        flags:
          on_start: [circuit_breaker_initiated]
          on_success: [circuit_breaker_completed]

    # The state table of the stateful mode (one row per execution) and its attempt log.
    state:
      table: policy_execution_state
      attempt_log_table: policy_execution_attempts
      input_column: policy_data         # column holding the input
      retention_days: 7                 # completed rows older than this are deleted
      stuck_after_hours: 1              # active executions older than this count as stuck

# Retry failed models on the next run (Snowflake tasks and \`gen restart\`).
auto_restart:
  max_retries: 3                        # consecutive selective retries before a full build
  max_age_hours: 24                     # older failures are not retried
  tasks:
    - { name: O2C_DAILY_BUILD, schedule: "USING CRON 0 6 * * * UTC", args: build }
    - { name: O2C_HOURLY_INCREMENTAL, schedule: "60 MINUTE", args: "run --select tag:hourly" }
`;
