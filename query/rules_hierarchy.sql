-- Stage 2: hierarchy rules. Each starts from the accounts its territory gets
-- from account rules and from manual and crm assignments (less its
-- ignore_sources), never from another hierarchy rule, and takes their
-- affiliated children (or parents): direct ones, or every level with
-- intermediaries. The related accounts become the candidates of the match
-- step. Parameters: $1 now, $2 explain's focus account.

CREATE OR REPLACE TEMP TABLE hierarchy_start AS
SELECT DISTINCT b.rule_key, b.territory, b.src_instance AS instance, p.account, r.assign, r.intermediaries
FROM r_binding b
JOIN r_rule r ON r.rule_key = b.rule_key AND r.hierarchy
JOIN (
    SELECT account, territory, source FROM pairs
    UNION ALL
    SELECT account, territory, 'crm' FROM account_territory
    WHERE source = 'crm' AND start_date <= $1 AND (end_date IS NULL OR end_date > $1)
) p ON p.territory = b.territory
WHERE p.source = 'rule'
   OR (p.source = 'manual' AND NOT r.ignore_manual)
   OR (p.source = 'crm' AND NOT r.ignore_crm);

-- Affiliations as directed edges: 'child' leads from a parent to its
-- children, 'parent' from a child to its parents. None when no walk starts
-- (no hierarchy rule, or an incremental evaluation without one).
CREATE OR REPLACE TEMP TABLE affiliation_edge AS
SELECT _instance AS instance, parent_account__v AS from_account, child_account__v AS to_account, 'child' AS dir
FROM crm_child_account__v
WHERE EXISTS (SELECT 1 FROM hierarchy_start WHERE assign = 'child')
UNION ALL
SELECT _instance, child_account__v, parent_account__v, 'parent' FROM crm_child_account__v
WHERE EXISTS (SELECT 1 FROM hierarchy_start WHERE assign = 'parent');

-- The walk carries each rule's direction, so that every step is one hash
-- join on (instance, account, direction): joining the rules to the edges on
-- the direction alone first makes rules x edges rows.
CREATE OR REPLACE TEMP TABLE related AS
WITH RECURSIVE walk(rule_key, territory, instance, account, assign, intermediaries, depth) AS (
    SELECT h.rule_key, h.territory, h.instance, e.to_account, h.assign, h.intermediaries, 1
    FROM hierarchy_start h
    JOIN affiliation_edge e ON e.instance = h.instance AND e.from_account = h.account AND e.dir = h.assign
    UNION
    SELECT w.rule_key, w.territory, w.instance, e.to_account, w.assign, w.intermediaries, w.depth + 1
    FROM walk w
    JOIN affiliation_edge e ON e.instance = w.instance AND e.from_account = w.account AND e.dir = w.assign
    WHERE w.intermediaries AND w.depth < 10
)
SELECT DISTINCT rule_key, territory, instance, account FROM walk;

-- The hierarchy rules have no drivers: the match step checks every
-- criterion of theirs.
CREATE OR REPLACE TEMP TABLE drive_satisfied AS SELECT * FROM drive_satisfied WHERE false;
CREATE OR REPLACE TEMP TABLE drive_decided AS SELECT * FROM drive_decided WHERE false;
CREATE OR REPLACE TEMP TABLE streamed_rule AS SELECT * FROM streamed_rule WHERE false;
CREATE OR REPLACE TEMP TABLE masked_rule AS SELECT * FROM masked_rule WHERE false;

-- explain (a $2 focus) evaluates every hierarchy rule's criteria for its
-- one account, related or not; the pairs still need the relation.
CREATE OR REPLACE TEMP TABLE candidate AS
SELECT DISTINCT acc.account_key, r.rule_key
FROM related r
JOIN account_row acc ON acc.instance = r.instance AND acc.account = r.account
WHERE $2::VARCHAR IS NULL
UNION
SELECT acc.account_key, r.rule_key
FROM r_rule r JOIN account_row acc ON acc.account = $2
WHERE r.hierarchy;
