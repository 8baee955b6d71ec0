-- Desired assignments before exclusive field forces are resolved: hierarchy
-- pairs joined to the pairs of stage 1, exclusions applied, one record per
-- key (`desired_before_exclusive`, what the evaluation cache keeps).
-- Parameters: $1 now, $2 explain's focus account.

INSERT INTO explain_satisfied
SELECT a.instance, a.account, s.rule_key, s.pos
FROM satisfied s JOIN account_row a USING (account_key)
WHERE $2::VARCHAR IS NOT NULL;
INSERT INTO explain_matched SELECT * FROM matched WHERE $2::VARCHAR IS NOT NULL;

-- The pairs of hierarchy rules with `geography: true` (most configs have
-- none), before the geography: joined to the geographies with every other
-- binding, the insert below made a row per account of every territory.
CREATE OR REPLACE TEMP TABLE hierarchy_geo_pairs AS
SELECT m.account_key, m.account, b.territory, b.instance AS b_instance, b.rule_id, b.start_date, b.end_date, b.send_to_crm
FROM matched m
JOIN related rl ON rl.instance = m.instance AND rl.account = m.account AND rl.rule_key = m.rule_key
JOIN r_binding b ON b.rule_key = m.rule_key AND b.territory = rl.territory AND b.src_instance = m.instance
WHERE b.geography;

INSERT INTO pairs
SELECT m.account, rl.territory, b.instance, 'hierarchy_rule', b.rule_id, b.rule_id,
       b.start_date, b.end_date, b.send_to_crm
FROM matched m
JOIN related rl ON rl.instance = m.instance AND rl.account = m.account AND rl.rule_key = m.rule_key
JOIN r_binding b ON b.rule_key = m.rule_key AND b.territory = rl.territory AND b.src_instance = m.instance
WHERE NOT b.geography
UNION ALL
SELECT h.account, h.territory, h.b_instance, 'hierarchy_rule', h.rule_id, h.rule_id,
       greatest(h.start_date, g.start_date), least(h.end_date, g.end_date), h.send_to_crm
FROM hierarchy_geo_pairs h
JOIN account_postal_code a ON a.account_key = h.account_key AND a.n = 1
JOIN postal_code_territory g ON g.code = a.code AND g.territory = h.territory
UNION ALL
SELECT h.account, h.territory, h.b_instance, 'hierarchy_rule', h.rule_id, h.rule_id,
       greatest(h.start_date, g.start_date), least(h.end_date, g.end_date), h.send_to_crm
FROM hierarchy_geo_pairs h
JOIN multi_code_territory g ON g.account_key = h.account_key AND g.territory = h.territory;

-- Exclusions: one in effect now removes the pair; one that starts later
-- ends the pair when it starts.
CREATE OR REPLACE TEMP TABLE exclusion_start AS
SELECT territory, account, min(start_date) AS x_start, any_value(reason) AS reason
FROM r_exclusion GROUP BY territory, account;

CREATE OR REPLACE TEMP TABLE excluded AS
SELECT DISTINCT p.account, p.territory, p.source, p.origin, x.reason
FROM pairs p JOIN exclusion_start x ON x.territory = p.territory AND x.account = p.account
WHERE x.x_start <= p.start_date;

-- Most keys have one pair: those pass as they are, and only the keys with
-- several (found by a hash of the key first, one BIGINT to group instead of
-- four strings, then checked on the key itself) are merged, the earliest
-- start and the latest end.
CREATE OR REPLACE TEMP TABLE desired_before_exclusive AS
WITH kept AS (
    SELECT p.account, p.territory, p.instance, p.source, p.rule, p.origin, p.start_date,
           least(p.end_date, x.x_start) AS end_date, p.send_to_crm,
           hash(p.account, p.territory, p.source, p.origin) AS k
    FROM pairs p
    LEFT JOIN exclusion_start x ON x.territory = p.territory AND x.account = p.account
    WHERE (x.x_start IS NULL OR x.x_start > p.start_date)
      AND (least(p.end_date, x.x_start) IS NULL OR least(p.end_date, x.x_start) > p.start_date)
), dup AS (
    SELECT account, territory, source, origin FROM kept
    SEMI JOIN (SELECT k FROM kept GROUP BY k HAVING count(*) > 1) h ON h.k = kept.k
    GROUP BY ALL HAVING count(*) > 1
)
SELECT account, territory, instance, source, rule, origin, start_date, end_date, send_to_crm
FROM kept
ANTI JOIN dup d ON d.account = kept.account AND d.territory = kept.territory AND d.source = kept.source AND d.origin = kept.origin
UNION ALL
SELECT account, territory, any_value(instance) AS instance, source, any_value(rule) AS rule, origin,
       min(start_date) AS start_date,
       CASE WHEN bool_or(end_date IS NULL) THEN NULL ELSE max(end_date) END AS end_date,
       bool_or(send_to_crm) AS send_to_crm
FROM kept
SEMI JOIN dup d ON d.account = kept.account AND d.territory = kept.territory AND d.source = kept.source AND d.origin = kept.origin
GROUP BY account, territory, source, origin;
