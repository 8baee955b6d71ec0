-- Stage 1 pairs: account-rule matches bound to their territories (a field
-- force rule to each of its territories), restricted to the territory's
-- geographies when the rule says so, plus the manual assignments of accounts
-- that exist. Parameters: $1 now, $2 explain's focus account.

-- The window of each pair is the latest start and earliest end of the
-- binding (rule, territory, field force, already clipped to now) and the
-- geography.
CREATE OR REPLACE TEMP TABLE pairs AS
WITH geography_binding AS MATERIALIZED (
    SELECT * FROM r_binding WHERE geography
), code_geography_binding AS MATERIALIZED (
    -- the geography bindings that cover each postal code, with the window
    -- of the binding and the code's geographies in that territory
    SELECT c.code, b.rule_key, b.src_instance, b.territory, b.instance, b.rule_id, b.send_to_crm,
           greatest(b.start_date, c.start_date) AS start_date, least(b.end_date, c.end_date) AS end_date
    FROM geography_binding b JOIN postal_code_territory c ON c.territory = b.territory
)
SELECT m.account, b.territory, b.instance, 'rule' AS source, b.rule_id AS rule, b.rule_id AS origin,
       b.start_date, b.end_date, b.send_to_crm
FROM matched m
JOIN r_binding b ON b.rule_key = m.rule_key AND b.src_instance = m.instance
WHERE NOT b.geography
UNION ALL
-- geography bindings: each matched account's postal code, then the
-- bindings of its rule that cover the code. Starting from the bindings
-- joins every territory of a field force rule to its accounts; joining
-- each account's territories first makes a row per field force that has
-- the code, for every matched account.
SELECT m.account, b.territory, b.instance, 'rule', b.rule_id, b.rule_id,
       b.start_date, b.end_date, b.send_to_crm
FROM matched m
JOIN account_postal_code a ON a.account_key = m.account_key AND a.n = 1
JOIN code_geography_binding b ON b.code = a.code AND b.rule_key = m.rule_key AND b.src_instance = m.instance
UNION ALL
-- the accounts with several primary postal codes, through their merged
-- geographies
SELECT m.account, b.territory, b.instance, 'rule', b.rule_id, b.rule_id,
       greatest(b.start_date, g.start_date), least(b.end_date, g.end_date), b.send_to_crm
FROM matched m
JOIN multi_code_territory g ON g.account_key = m.account_key
JOIN geography_binding b ON b.rule_key = m.rule_key AND b.territory = g.territory AND b.src_instance = m.instance
UNION ALL
-- a manual assignment of a merged-away account applies to the winner
SELECT coalesce(w.merged_into, mn.account), mn.territory, mn.instance, 'manual', NULL, mn.origin, mn.start_date, mn.end_date, mn.send_to_crm
FROM r_manual mn
LEFT JOIN crm_deletion w ON w.instance = mn.instance AND w.object = 'account__v' AND w.id = mn.account AND w.merged_into IS NOT NULL
WHERE EXISTS (SELECT 1 FROM crm_account__v a WHERE a.id = coalesce(w.merged_into, mn.account) AND a._instance IN (mn.instance, '@data_loader'));

-- explain keeps what stage 1 decided for its one account; a plan keeps nothing.
CREATE OR REPLACE TEMP TABLE explain_satisfied AS
SELECT a.instance, a.account, s.rule_key, s.pos
FROM satisfied s JOIN account_row a USING (account_key)
WHERE $2::VARCHAR IS NOT NULL;
CREATE OR REPLACE TEMP TABLE explain_matched AS SELECT * FROM matched WHERE $2::VARCHAR IS NOT NULL;

-- Stage 1's sizes, for tests and benchmarks: stage 2 reuses candidate and satisfied.
CREATE OR REPLACE TEMP TABLE engine_stats AS
SELECT (SELECT count(*) FROM streamed_rule) AS streamed_rules,
       (SELECT count(DISTINCT rule_key) FROM masked_rule) AS masked_rules,
       (SELECT count(*) FROM candidate) AS candidates,
       (SELECT count(*) FROM satisfied) AS satisfied,
       (SELECT count(*) FROM matched) AS matched;
