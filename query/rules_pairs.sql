-- Stage 1 pairs: account-rule matches bound to their territories (a field
-- force rule to each of its territories), restricted to the territory's
-- geographies when the rule says so, plus the manual assignments of accounts
-- that exist. Parameters: $1 now, $2 explain's focus account.

-- The window of each pair is the latest start and earliest end of the
-- binding (rule, territory, field force, already clipped to now) and the
-- geography.
CREATE OR REPLACE TEMP TABLE pairs AS
WITH geo_binding AS MATERIALIZED (
    SELECT * FROM r_binding WHERE geography
), geo_matched AS MATERIALIZED (
    SELECT m.instance, m.account, m.rule_key, g.territory, g.start_date, g.end_date
    FROM matched m
    SEMI JOIN (SELECT DISTINCT rule_key FROM geo_binding) r ON r.rule_key = m.rule_key
    JOIN acct_geo g ON g.aid = m.aid
)
SELECT m.account, b.territory, b.instance, 'rule' AS source, b.rule_id AS rule, b.rule_id AS origin,
       b.start_date, b.end_date, b.send_to_crm
FROM matched m
JOIN r_binding b ON b.rule_key = m.rule_key AND b.src_instance = m.instance
WHERE NOT b.geography
UNION ALL
-- geography bindings: each matched account's own geographies (a few per
-- account), then the bindings of its rule among them; starting from the
-- bindings joins every territory of a field force rule to its accounts.
SELECT mg.account, b.territory, b.instance, 'rule', b.rule_id, b.rule_id,
       greatest(b.start_date, mg.start_date), least(b.end_date, mg.end_date), b.send_to_crm
FROM geo_matched mg
JOIN geo_binding b ON b.rule_key = mg.rule_key AND b.territory = mg.territory AND b.src_instance = mg.instance
UNION ALL
-- a manual assignment of a merged-away account applies to the winner
SELECT coalesce(w.merged_into, mn.account), mn.territory, mn.instance, 'manual', NULL, mn.origin, mn.start_date, mn.end_date, mn.send_to_crm
FROM r_manual mn
LEFT JOIN crm_deletion w ON w.instance = mn.instance AND w.object = 'account__v' AND w.id = mn.account AND w.merged_into IS NOT NULL
WHERE EXISTS (SELECT 1 FROM crm_account__v a WHERE a.id = coalesce(w.merged_into, mn.account) AND a._instance IN (mn.instance, '@data_loader'));

-- explain keeps what stage 1 decided for its one account; a plan keeps nothing.
CREATE OR REPLACE TEMP TABLE explain_sat AS
SELECT a.instance, a.account, s.rule_key, s.pos
FROM sat s JOIN account_row a USING (aid)
WHERE $2::VARCHAR IS NOT NULL;
CREATE OR REPLACE TEMP TABLE explain_matched AS SELECT * FROM matched WHERE $2::VARCHAR IS NOT NULL;

-- Stage 1's sizes, for tests and benchmarks: stage 2 reuses cand and sat.
CREATE OR REPLACE TEMP TABLE engine_stats AS
SELECT (SELECT count(*) FROM cand) AS candidates,
       (SELECT count(*) FROM sat) AS satisfied,
       (SELECT count(*) FROM matched) AS matched;
