-- The match step, run for the account rules and again for the hierarchy
-- rules: which criteria each candidate satisfies, and the match logic over
-- candidates only. Parameters: $1 now. Reads `candidate` (account_key, rule_key), and
-- the criteria the drivers decided (`drive_satisfied`, `drive_decided`; empty for
-- the hierarchy rules), writes `satisfied` (account_key, rule_key, pos) and `matched`
-- (account_key, instance, account, rule_key).

-- Satisfied criteria. Positive operators: the account satisfies the
-- criterion when any of its rows of that object does (any address, any call).
-- Negative operators (not_equals, not_in, is_null) are the complements: no row
-- of the account has a value in the list (or any value, for is_null).
--
-- The fields of account__v (most criteria) are read from the candidate's own
-- row: one join of the candidates on the integer account_key, then one row per
-- criterion with its value (account_value(k.fkey) is replaced by a CASE over
-- the columns of `account_row`, see rules.go). An account has one value per
-- field there, so a negative criterion holds exactly when its positive
-- counterpart does not. Fields of objects with several rows per account join
-- `attr_rows` on the account's (instance, account), for the few candidates
-- whose rules have such criteria.
CREATE OR REPLACE TEMP TABLE satisfied AS
WITH checked AS MATERIALIZED (
    -- the criteria to check: those the drivers did not decide
    SELECT * FROM r_crit ANTI JOIN drive_decided USING (rule_key, pos)
), criterion_value AS (
    -- the values of eq and neq criteria, once each: a join on them makes at
    -- most one row per criterion
    SELECT DISTINCT rule_key, pos, value FROM r_value SEMI JOIN checked USING (rule_key, pos)
), candidate_row AS (
    SELECT c.rule_key, a.*
    FROM candidate c JOIN account_row a ON a.account_key = c.account_key
), account_criterion AS (
    SELECT a.account_key, a.rule_key, k.pos, k.operator, k.family, account_value(k.fkey) AS value
    FROM candidate_row a JOIN checked k ON k.rule_key = a.rule_key AND k.on_account
), account_satisfied AS (
    SELECT x.account_key, x.rule_key, x.pos FROM account_criterion x
    SEMI JOIN criterion_value v ON v.rule_key = x.rule_key AND v.pos = x.pos AND v.value = x.value
    WHERE x.family = 'eq'
    UNION ALL
    SELECT x.account_key, x.rule_key, x.pos FROM account_criterion x
    ANTI JOIN criterion_value v ON v.rule_key = x.rule_key AND v.pos = x.pos AND v.value = x.value
    WHERE x.family = 'neq'
    UNION ALL
    SELECT x.account_key, x.rule_key, x.pos FROM account_criterion x
    WHERE x.family = 'null' AND x.value IS NULL
    UNION ALL
    SELECT DISTINCT x.account_key, x.rule_key, x.pos FROM account_criterion x
    LEFT JOIN r_value v ON v.rule_key = x.rule_key AND v.pos = x.pos
    WHERE x.family = 'other' AND crit_hit(x.operator, x.value, v.value, v.num, v.ts, $1)
), multi_criterion AS MATERIALIZED (
    -- candidates' criteria on objects with several rows per account
    SELECT c.account_key, c.rule_key, k.pos, k.fkey, k.operator, k.family, a.instance, a.account
    FROM candidate c
    JOIN checked k ON k.rule_key = c.rule_key AND NOT k.on_account
    JOIN account_row a ON a.account_key = c.account_key
), multi_row AS MATERIALIZED (
    SELECT m.account_key, m.rule_key, m.pos, m.operator, m.family, r.value
    FROM multi_criterion m JOIN attr_rows r ON r.instance = m.instance AND r.account = m.account AND r.fkey = m.fkey
), multi_hit AS (
    -- rows that satisfy the positive criterion (for neq and null: the one
    -- the criterion is the complement of)
    SELECT x.account_key, x.rule_key, x.pos, x.family FROM multi_row x
    SEMI JOIN criterion_value v ON v.rule_key = x.rule_key AND v.pos = x.pos AND v.value = x.value
    WHERE x.family IN ('eq', 'neq')
    UNION ALL
    SELECT x.account_key, x.rule_key, x.pos, x.family FROM multi_row x
    WHERE x.family = 'null' AND x.value IS NOT NULL
    UNION ALL
    SELECT x.account_key, x.rule_key, x.pos, x.family FROM multi_row x
    LEFT JOIN r_value v ON v.rule_key = x.rule_key AND v.pos = x.pos
    WHERE x.family = 'other' AND crit_hit(x.operator, x.value, v.value, v.num, v.ts, $1)
)
SELECT * FROM account_satisfied
UNION ALL
SELECT * FROM drive_satisfied
UNION ALL
SELECT DISTINCT account_key, rule_key, pos FROM multi_hit WHERE family IN ('eq', 'other')
UNION ALL
SELECT m.account_key, m.rule_key, m.pos FROM multi_criterion m
ANTI JOIN multi_hit h ON h.account_key = m.account_key AND h.rule_key = m.rule_key AND h.pos = m.pos
WHERE m.family IN ('neq', 'null');

-- Match logic: all criteria, any criterion, or an expression given as the set
-- of satisfied-criteria masks that make it true. One row per account and
-- rule. The satisfied criteria are grouped per (account_key, rule_key); a candidate
-- with none satisfied matches only a rule without criteria or an expression
-- true of the empty set (`NOT 1`), which are taken from `candidate` apart.
-- The account's strings come back here: `pairs` joins on them.
CREATE OR REPLACE TEMP TABLE matched AS
WITH satisfied_per_candidate AS (
    SELECT account_key, rule_key, count(*) AS n, sum(1::BIGINT << (pos - 1))::BIGINT AS mask
    FROM satisfied
    GROUP BY account_key, rule_key
), empty_match AS (
    SELECT r.rule_key FROM r_rule r
    WHERE (r.match = 'all' AND r.n_crit = 0)
       OR (r.match = 'expr' AND EXISTS (SELECT 1 FROM r_mask m WHERE m.rule_key = r.rule_key AND m.mask = 0))
), m AS (
    SELECT p.account_key, p.rule_key
    FROM satisfied_per_candidate p JOIN r_rule r USING (rule_key)
    WHERE (r.match = 'all' AND p.n = r.n_crit)
       OR r.match = 'any'
       OR (r.match = 'expr' AND EXISTS (SELECT 1 FROM r_mask m WHERE m.rule_key = p.rule_key AND m.mask = p.mask))
    UNION ALL
    SELECT c.account_key, c.rule_key
    FROM candidate c
    SEMI JOIN empty_match e USING (rule_key)
    ANTI JOIN satisfied s ON s.account_key = c.account_key AND s.rule_key = c.rule_key
)
SELECT m.account_key, a.instance, a.account, m.rule_key
FROM m JOIN account_row a ON a.account_key = m.account_key;
