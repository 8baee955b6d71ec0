-- The diff of desired against current assignments. Parameters: $1 now,
-- $2 whether the plan covers every territory (no --territory scope), $3
-- whether it runs one kind of rule only (--send-to-crm): then only records of
-- the rules in r_selected_rule are considered.
-- Dates are never set before now: a record that already started keeps its
-- start, and one that is no longer desired ends at now (a record that had not
-- started yet ends at its own start, so it never takes effect).

-- It reads the state's assignments and the desired ones through two views,
-- diff_current and diff_desired (aligned.go): the whole tables, or only the
-- accounts that can differ when the evaluation cache's aligned mark vouches
-- for the others.

-- Current records the plan may change (cur): active or future, of the
-- sources the rules engine owns, in scope. Part of the statement rather
-- than a table of its own: materialising 660k records as a temporary table
-- cost more than the diff's join.
-- rn numbers the records of one key; only keys with several records (after
-- a merge) are sorted, the others are 1 without a window over them all. The
-- keys with several records are found by their hash first (one BIGINT to
-- group instead of four strings), then checked on the keys themselves, so
-- a collision of hashes costs nothing but a few more rows to check.
CREATE OR REPLACE TEMP TABLE change AS
WITH f AS (
    SELECT a.*, hash(a.account, a.territory, a.source, a.origin) AS k FROM diff_current a
    WHERE (a.end_date IS NULL OR a.end_date > $1)
      AND a.source IN ('rule', 'hierarchy_rule', 'manual')
      AND ($2 OR a.territory IN (SELECT territory FROM r_scope))
      AND (NOT $3 OR (a.source IN ('rule', 'hierarchy_rule') AND a.rule IN (SELECT rule_id FROM r_selected_rule)))
), dup AS (
    SELECT account, territory, source, origin FROM f
    SEMI JOIN (SELECT k FROM f GROUP BY k HAVING count(*) > 1) h ON h.k = f.k
    GROUP BY ALL HAVING count(*) > 1
), cur AS (
SELECT f.* EXCLUDE (k), 1::BIGINT AS rn FROM f
ANTI JOIN dup d ON d.account = f.account AND d.territory = f.territory AND d.source = f.source AND d.origin = f.origin
UNION ALL
SELECT f.* EXCLUDE (k), row_number() OVER (PARTITION BY f.account, f.territory, f.source, f.origin ORDER BY f.start_date, f.id) AS rn FROM f
SEMI JOIN dup d ON d.account = f.account AND d.territory = f.territory AND d.source = f.source AND d.origin = f.origin
), joined AS (
    SELECT c.id, c.start_date AS c_start, c.end_date AS c_end, c.send_to_crm AS c_send, c.rn,
           d.account AS d_account, d.start_date AS d_start, d.end_date AS d_end, d.send_to_crm AS d_send,
           coalesce(c.account, d.account) AS account, coalesce(c.territory, d.territory) AS territory,
           coalesce(c.instance, d.instance) AS instance, coalesce(c.source, d.source) AS source,
           coalesce(c.rule, d.rule) AS rule, coalesce(c.origin, d.origin) AS origin
    FROM (SELECT * FROM cur WHERE rn = 1) c
    FULL JOIN diff_desired d
      ON c.account = d.account AND c.territory = d.territory
     AND c.source = d.source AND c.origin = d.origin
    UNION ALL
    -- later records of the same key match nothing desired: they end
    SELECT c.id, c.start_date, c.end_date, c.send_to_crm, c.rn,
           NULL, NULL, NULL, NULL,
           c.account, c.territory, c.instance, c.source, c.rule, c.origin
    FROM cur c WHERE c.rn > 1
), classified AS (
    SELECT *,
           -- an active record whose desired window now starts later is ended and recreated
           (id IS NOT NULL AND d_account IS NOT NULL AND c_start <= $1 AND d_start > $1) AS restart
    FROM joined
)
-- Desired, and no current record: create.
SELECT 'create' AS action, NULL AS id, account, territory, instance, source, rule, origin,
       d_start AS start_date, d_end AS end_date, d_send AS send_to_crm,
       NULL::TIMESTAMPTZ AS before_start, NULL::TIMESTAMPTZ AS before_end,
       CASE source WHEN 'manual' THEN 'manual assignment in config' ELSE 'matches rule ' || rule END AS reason
FROM classified WHERE (id IS NULL OR restart)
UNION ALL
-- Current and no longer desired (or a duplicate of the same key): end now.
SELECT 'end', id, account, territory, instance, source, rule, origin,
       c_start, CASE WHEN c_start > $1 THEN c_start ELSE $1 END, c_send,
       c_start, c_end,
       CASE
         WHEN rn > 1 THEN 'duplicate record of the same assignment'
         WHEN restart THEN 'start date moved to ' || strftime(d_start, '%Y-%m-%dT%H:%M:%SZ')
         WHEN EXISTS (SELECT 1 FROM crm_deletion x WHERE x.object = 'account__v' AND x.id = account) THEN 'account deleted in CRM'
         WHEN NOT EXISTS (SELECT 1 FROM r_territory t WHERE t.territory = classified.territory) THEN 'territory removed from the config'
         WHEN NOT EXISTS (SELECT 1 FROM r_territory t WHERE t.territory = classified.territory AND t.active) THEN 'territory is no longer active'
         WHEN EXISTS (SELECT 1 FROM excluded x WHERE x.account = classified.account AND x.territory = classified.territory AND x.origin = classified.origin)
           THEN 'account excluded from the territory'
         WHEN EXISTS (SELECT 1 FROM conflict c WHERE c.account = classified.account AND list_contains(c.territories, classified.territory))
           THEN 'exclusive field force: another territory also wants the account'
         WHEN EXISTS (SELECT 1 FROM r_binding b WHERE b.territory = classified.territory AND b.instance <> classified.instance)
           THEN 'territory moved to another CRM instance'
         WHEN source = 'manual' AND EXISTS (SELECT 1 FROM r_manual m WHERE m.account = classified.account AND m.territory = classified.territory AND m.origin = classified.origin)
           THEN 'account not in the territory''s CRM instance'
         WHEN source = 'manual' THEN 'manual assignment removed from config'
         WHEN NOT EXISTS (SELECT 1 FROM r_binding b WHERE b.territory = classified.territory AND b.rule_id = classified.rule)
           THEN 'rule ' || rule || ' no longer applies to the territory (ended, removed or moved)'
         ELSE 'no longer matches rule ' || rule
       END
FROM classified WHERE id IS NOT NULL AND (d_account IS NULL OR rn > 1 OR restart)
UNION ALL
-- Both, with other dates: update (a started record keeps its start).
SELECT 'update', id, account, territory, instance, source, rule, origin,
       CASE WHEN c_start > $1 THEN d_start ELSE c_start END, d_end, d_send,
       c_start, c_end,
       'dates changed'
FROM classified
WHERE id IS NOT NULL AND d_account IS NOT NULL AND rn = 1 AND NOT restart
  AND (c_end IS DISTINCT FROM d_end OR (c_start > $1 AND c_start <> d_start) OR c_send <> d_send)
UNION ALL
-- Records of any other source (crm) follow their territory: they end when it
-- ends, and end now when it is no longer active.
SELECT CASE WHEN t.active THEN 'update' ELSE 'end' END, a.id, a.account, a.territory, a.instance, a.source, a.rule, a.origin,
       a.start_date, CASE WHEN t.active THEN t.end_date WHEN a.start_date > $1 THEN a.start_date ELSE $1 END, a.send_to_crm,
       a.start_date, a.end_date,
       CASE WHEN t.active THEN 'territory ends' ELSE 'territory is no longer active' END
FROM account_territory a
JOIN r_territory t ON t.territory = a.territory
WHERE a.source NOT IN ('rule', 'hierarchy_rule', 'manual')
  AND NOT $3
  AND (a.end_date IS NULL OR a.end_date > $1)
  AND ($2 OR a.territory IN (SELECT territory FROM r_scope))
  AND (NOT t.active OR (t.end_date IS NOT NULL AND (a.end_date IS NULL OR a.end_date > t.end_date)));
