-- The state database: imported CRM rows, Align's assignments, and the logs of
-- imports and pushes. Every statement is idempotent; Open runs them all.

-- One row: the serial bumped by every write, and what was last applied.
CREATE TABLE IF NOT EXISTS state (
    serial          BIGINT NOT NULL,
    schema_version  INTEGER NOT NULL,
    applied_config  VARCHAR,       -- config commit or content hash of the last apply
    applied_at      TIMESTAMPTZ
);
INSERT INTO state SELECT 0, 2, NULL, NULL WHERE NOT EXISTS (SELECT 1 FROM state);

-- The state's identity, made once: the evaluation cache keys on it, so that a
-- state made again from scratch never takes another's entries.
CREATE TABLE IF NOT EXISTS state_identity (id VARCHAR NOT NULL);
INSERT INTO state_identity SELECT uuid()::VARCHAR WHERE NOT EXISTS (SELECT 1 FROM state_identity);

-- Every write of the state: the serial it made, the command, its execution
-- time, and the territories it may have changed (NULL: any). A saved plan
-- whose serial is behind is stale unless every later write was an apply
-- scoped to territories the plan does not touch.
CREATE TABLE IF NOT EXISTS write_log (
    serial  BIGINT NOT NULL,
    command VARCHAR NOT NULL,
    executed_at TIMESTAMPTZ NOT NULL,
    scope   VARCHAR[]
);
-- Whether an import may have changed the CRM data rules read (NULL, in a
-- state older than the column: yes). The evaluation cache keys on it.
ALTER TABLE write_log ADD COLUMN IF NOT EXISTS crm_data BOOLEAN;
-- Whether an import was a push's read-back of what it wrote (NULL: no).
-- The plan's drift check waits for an import that read the CRM anew.
ALTER TABLE write_log ADD COLUMN IF NOT EXISTS read_back BOOLEAN;

-- Align's process monitor: per instance and object, the start time of the last
-- import that did not abort (the incremental watermark) and that run's counts.
CREATE TABLE IF NOT EXISTS process_monitor (
    instance    VARCHAR NOT NULL,
    object      VARCHAR NOT NULL,
    last_import TIMESTAMPTZ NOT NULL,
    started_at  TIMESTAMPTZ NOT NULL,
    ended_at    TIMESTAMPTZ NOT NULL,
    successes   BIGINT NOT NULL,
    errors      BIGINT NOT NULL,
    -- what shaped the last full import: the object's inbound field mappings
    -- and the instance's country filter; a plan asks for --full when it moved
    import_hash VARCHAR
);

-- Every import run of every object, for `show imports`.
CREATE TABLE IF NOT EXISTS import_log (
    instance    VARCHAR NOT NULL,
    object      VARCHAR NOT NULL,
    started_at  TIMESTAMPTZ NOT NULL,
    full_import BOOLEAN NOT NULL,
    read_rows   BIGINT NOT NULL,
    successes   BIGINT NOT NULL,
    errors      BIGINT NOT NULL,
    first_error VARCHAR
);

-- Schema version 2: watermarks from the CRM (docs/reliability.md,
-- "Watermarks"). process_monitor.watermark is the next import's lower bound,
-- taken from the records read or the CRM's clock, never from alignctl's;
-- watermark_source says which (records, server_clock, kept). A row of an
-- older state has neither: its last_import (that import's --now) is read as
-- the watermark, as the older version did. countries is the country filter
-- the import applied (sorted; empty: everything), so that the next import
-- notices a change; NULL in an older state, where it is not known.
ALTER TABLE process_monitor ADD COLUMN IF NOT EXISTS watermark TIMESTAMPTZ;
ALTER TABLE process_monitor ADD COLUMN IF NOT EXISTS watermark_source VARCHAR;
ALTER TABLE process_monitor ADD COLUMN IF NOT EXISTS countries VARCHAR[];
ALTER TABLE import_log ADD COLUMN IF NOT EXISTS watermark TIMESTAMPTZ;
ALTER TABLE import_log ADD COLUMN IF NOT EXISTS watermark_source VARCHAR;

-- Records the country filter left out, with their modified date: the
-- watermark's overlap reads them again, and unchanged they are no change.
CREATE TABLE IF NOT EXISTS crm_filtered_record (
    instance VARCHAR NOT NULL,
    object   VARCHAR NOT NULL,
    id       VARCHAR NOT NULL,
    modified VARCHAR
);
UPDATE state SET schema_version = 2 WHERE schema_version < 2;

-- Deleted CRM records, from deletions.csv or the Vault deletions endpoint.
CREATE TABLE IF NOT EXISTS crm_deletion (
    instance     VARCHAR NOT NULL,
    object       VARCHAR NOT NULL,
    id           VARCHAR NOT NULL,
    deleted_date TIMESTAMPTZ,
    merged_into  VARCHAR
);

-- Align's aln_account_territory__v. origin tells records of one source apart:
-- the rule id for rule and hierarchy_rule, "manual@<config start date>" for
-- manual, the CRM record id for crm. [start_date, end_date) is half-open.
CREATE SEQUENCE IF NOT EXISTS account_territory_seq START 1;
CREATE TABLE IF NOT EXISTS account_territory (
    id             VARCHAR NOT NULL,
    instance       VARCHAR NOT NULL,
    account        VARCHAR NOT NULL,
    territory      VARCHAR NOT NULL,
    source         VARCHAR NOT NULL,
    rule           VARCHAR,
    origin         VARCHAR NOT NULL,
    start_date     TIMESTAMPTZ NOT NULL,
    end_date       TIMESTAMPTZ,
    send_to_crm    BOOLEAN NOT NULL,
    crm_record_id  VARCHAR,       -- the account_territory__v record, once pushed or matched
    crm_deleted_at TIMESTAMPTZ,   -- when the push deleted that record
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);

-- Territories as last applied from the config, and their territory__v records.
CREATE TABLE IF NOT EXISTS territory (
    id            VARCHAR NOT NULL,
    instance      VARCHAR NOT NULL,
    name          VARCHAR NOT NULL,
    parent        VARCHAR,
    field_force   VARCHAR NOT NULL,
    country       VARCHAR NOT NULL,
    start_date    TIMESTAMPTZ,
    end_date      TIMESTAMPTZ,
    send_to_crm   BOOLEAN NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,  -- last apply that changed it
    crm_record_id VARCHAR,
    pushed_at     TIMESTAMPTZ,           -- last push that wrote it
    crm_deleted_at TIMESTAMPTZ,          -- when the push deleted its territory__v record
    pushed_parent VARCHAR                -- the parent_territory__v the last push wrote
);
-- States made before pushed_parent existed.
ALTER TABLE territory ADD COLUMN IF NOT EXISTS pushed_parent VARCHAR;
-- The attributes outbound field mappings write, as a JSON object with sorted
-- keys (NULL: none): a change moves updated_at, so the next push updates the
-- territory__v record. States made before it read as having none.
ALTER TABLE territory ADD COLUMN IF NOT EXISTS attributes VARCHAR;

-- territory__v records left in a CRM instance by a territory that moved to
-- another instance: the next push of the old instance deletes them.
CREATE TABLE IF NOT EXISTS territory_retired (
    instance      VARCHAR NOT NULL,
    territory     VARCHAR NOT NULL,
    crm_record_id VARCHAR NOT NULL,
    retired_at    TIMESTAMPTZ NOT NULL,
    deleted_at    TIMESTAMPTZ
);

-- Pushes: one row per instance and run; failed records are kept for the next.
CREATE TABLE IF NOT EXISTS push_log (
    instance   VARCHAR NOT NULL,
    started_at TIMESTAMPTZ NOT NULL,
    scope      VARCHAR,
    created    BIGINT NOT NULL,
    updated    BIGINT NOT NULL,
    deleted    BIGINT NOT NULL,
    failed     BIGINT NOT NULL,
    success    BOOLEAN NOT NULL
);
CREATE TABLE IF NOT EXISTS push_failure (
    instance   VARCHAR NOT NULL,
    object     VARCHAR NOT NULL,
    record     VARCHAR NOT NULL,   -- Align record id (assignment or territory)
    action     VARCHAR NOT NULL,
    message    VARCHAR NOT NULL,
    failed_at  TIMESTAMPTZ NOT NULL
);

-- Accounts the country filter left out, so that their addresses and
-- affiliations count as filtered rather than as errors.
CREATE TABLE IF NOT EXISTS crm_filtered_account (
    instance VARCHAR NOT NULL,
    id       VARCHAR NOT NULL
);

-- CRM records of assignments that a merge folded into the winner's: their
-- account_territory__v rows, re-parented by the CRM, are not new assignments.
CREATE TABLE IF NOT EXISTS merged_record (
    instance      VARCHAR NOT NULL,
    crm_record_id VARCHAR NOT NULL
);

-- Roster member territories and territory products as last applied from the
-- config; pushes make user_territory__v and my_setup_products__v match them.
CREATE TABLE IF NOT EXISTS roster_territory (
    member      VARCHAR NOT NULL,
    username    VARCHAR NOT NULL,
    territory   VARCHAR NOT NULL,
    start_date  TIMESTAMPTZ,
    end_date    TIMESTAMPTZ,
    send_to_crm BOOLEAN NOT NULL,
    mastered    BOOLEAN NOT NULL
);
CREATE TABLE IF NOT EXISTS territory_product (
    territory   VARCHAR NOT NULL,
    product     VARCHAR NOT NULL,
    start_date  TIMESTAMPTZ,
    end_date    TIMESTAMPTZ,
    send_to_crm BOOLEAN NOT NULL
);

-- Soft policies that an apply went past: which policy, why, who said so
-- (the CI actor or user named by the environment) and when (the apply's
-- execution time), with the serial that apply made.
CREATE TABLE IF NOT EXISTS policy_override (
    serial      BIGINT NOT NULL,
    policy      VARCHAR NOT NULL,
    reason      VARCHAR NOT NULL,
    actor       VARCHAR NOT NULL,
    applied_at  TIMESTAMPTZ NOT NULL,
    config      VARCHAR,        -- the config commit or content hash applied
    violations  INTEGER NOT NULL -- territories or accounts it was violated by
);
