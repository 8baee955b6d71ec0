-- Desired assignments: hierarchy pairs joined to the pairs of stage 1,
-- exclusions applied, exclusive field forces resolved, one record per key.
-- Parameters: $1 now, $2 explain's focus account.

INSERT INTO explain_sat SELECT * FROM sat WHERE $2::VARCHAR IS NOT NULL;
INSERT INTO explain_matched SELECT * FROM matched WHERE $2::VARCHAR IS NOT NULL;

INSERT INTO pairs
SELECT m.account, rl.territory, b.instance, 'hierarchy_rule', b.rule_id, b.rule_id,
       b.start_date, b.end_date, b.send_to_crm
FROM matched m
JOIN related rl ON rl.instance = m.instance AND rl.account = m.account AND rl.rule_key = m.rule_key
JOIN r_binding b ON b.rule_key = m.rule_key AND b.territory = rl.territory AND b.src_instance = m.instance
WHERE NOT b.geography
UNION ALL
SELECT m.account, rl.territory, b.instance, 'hierarchy_rule', b.rule_id, b.rule_id,
       greatest(b.start_date, g.start_date), least(b.end_date, g.end_date), b.send_to_crm
FROM matched m
JOIN related rl ON rl.instance = m.instance AND rl.account = m.account AND rl.rule_key = m.rule_key
JOIN r_binding b ON b.rule_key = m.rule_key AND b.territory = rl.territory AND b.src_instance = m.instance
JOIN acct_geo g ON g.instance = m.instance AND g.account = m.account AND g.territory = b.territory
WHERE b.geography;

-- Exclusions: one in effect now removes the pair; one that starts later
-- ends the pair when it starts.
CREATE OR REPLACE TEMP TABLE excl AS
SELECT territory, account, min(start_date) AS x_start, any_value(reason) AS reason
FROM r_exclusion GROUP BY territory, account;

CREATE OR REPLACE TEMP TABLE excluded AS
SELECT DISTINCT p.account, p.territory, p.source, p.origin, x.reason
FROM pairs p JOIN excl x ON x.territory = p.territory AND x.account = p.account
WHERE x.x_start <= p.start_date;

CREATE OR REPLACE TEMP TABLE desired_all AS
SELECT account, territory, any_value(instance) AS instance, source, any_value(rule) AS rule, origin,
       min(start_date) AS start_date,
       CASE WHEN bool_or(end_date IS NULL) THEN NULL ELSE max(end_date) END AS end_date,
       bool_or(send_to_crm) AS send_to_crm
FROM (
    SELECT p.account, p.territory, p.instance, p.source, p.rule, p.origin, p.start_date,
           least(p.end_date, x.x_start) AS end_date, p.send_to_crm
    FROM pairs p
    LEFT JOIN excl x ON x.territory = p.territory AND x.account = p.account
    WHERE x.x_start IS NULL OR x.x_start > p.start_date
)
WHERE end_date IS NULL OR end_date > start_date
GROUP BY account, territory, source, origin;

-- Exclusive field forces: an account several territories of one want is a
-- conflict; the assignment that already exists is kept when there is exactly
-- one, otherwise none is created.
CREATE OR REPLACE TEMP TABLE conflict AS
WITH p AS (
    SELECT DISTINCT d.account, d.territory, t.field_force
    FROM desired_all d JOIN r_territory t ON t.territory = d.territory
    WHERE t.exclusive
), multi AS (
    SELECT field_force, account FROM p GROUP BY field_force, account HAVING count(*) > 1
), existing AS (
    SELECT DISTINCT account, territory FROM account_territory
    WHERE start_date <= $1 AND (end_date IS NULL OR end_date > $1)
)
SELECT m.field_force, m.account,
       list(p.territory ORDER BY p.territory) AS territories,
       CASE WHEN count(e.territory) = 1 THEN any_value(e.territory) END AS kept
FROM multi m
JOIN p ON p.field_force = m.field_force AND p.account = m.account
LEFT JOIN existing e ON e.account = p.account AND e.territory = p.territory
GROUP BY m.field_force, m.account;

CREATE OR REPLACE TEMP TABLE desired AS
SELECT d.* FROM desired_all d
WHERE NOT EXISTS (
    SELECT 1 FROM conflict c JOIN r_territory t ON t.field_force = c.field_force
    WHERE c.account = d.account AND t.territory = d.territory AND d.territory IS DISTINCT FROM c.kept
);
