-- The match step, run for the account rules and again for the hierarchy
-- rules: which criteria each candidate satisfies, and the match logic over
-- candidates only. Parameters: $1 now. Reads `cand` (aid, rule_key), and
-- the criteria the drivers decided (`drive_sat`, `drive_known`; empty for
-- the hierarchy rules), writes `sat` (aid, rule_key, pos) and `matched`
-- (aid, instance, account, rule_key).

-- Satisfied criteria. Positive operators: the account satisfies the
-- criterion when any of its rows of that object does (any address, any call).
-- Negative operators (not_equals, not_in, is_null) are the complements: no row
-- of the account has a value in the list (or any value, for is_null).
--
-- The fields of account__v (most criteria) are read from the candidate's own
-- row: one join of the candidates on the integer aid, then one row per
-- criterion with its value (account_value(k.fkey) is replaced by a CASE over
-- the columns of `account_row`, see rules.go). An account has one value per
-- field there, so a negative criterion holds exactly when its positive
-- counterpart does not. Fields of objects with several rows per account join
-- `attr_rows` on the account's (instance, account), for the few candidates
-- whose rules have such criteria.
CREATE OR REPLACE TEMP TABLE sat AS
WITH checked AS MATERIALIZED (
    -- the criteria to check: those the drivers did not decide
    SELECT * FROM r_crit ANTI JOIN drive_known USING (rule_key, pos)
), rv AS (
    -- the values of eq and neq criteria, once each: a join on them makes at
    -- most one row per criterion
    SELECT DISTINCT rule_key, pos, value FROM r_value SEMI JOIN checked USING (rule_key, pos)
), ca AS (
    SELECT c.rule_key, a.*
    FROM cand c JOIN account_row a ON a.aid = c.aid
), acct AS (
    SELECT a.aid, a.rule_key, k.pos, k.operator, k.family, account_value(k.fkey) AS value
    FROM ca a JOIN checked k ON k.rule_key = a.rule_key AND k.on_account
), acct_sat AS (
    SELECT x.aid, x.rule_key, x.pos FROM acct x
    SEMI JOIN rv v ON v.rule_key = x.rule_key AND v.pos = x.pos AND v.value = x.value
    WHERE x.family = 'eq'
    UNION ALL
    SELECT x.aid, x.rule_key, x.pos FROM acct x
    ANTI JOIN rv v ON v.rule_key = x.rule_key AND v.pos = x.pos AND v.value = x.value
    WHERE x.family = 'neq'
    UNION ALL
    SELECT x.aid, x.rule_key, x.pos FROM acct x
    WHERE x.family = 'null' AND x.value IS NULL
    UNION ALL
    SELECT DISTINCT x.aid, x.rule_key, x.pos FROM acct x
    LEFT JOIN r_value v ON v.rule_key = x.rule_key AND v.pos = x.pos
    WHERE x.family = 'other' AND crit_hit(x.operator, x.value, v.value, v.num, v.ts, $1)
), mk AS MATERIALIZED (
    -- candidates' criteria on objects with several rows per account
    SELECT c.aid, c.rule_key, k.pos, k.fkey, k.operator, k.family, a.instance, a.account
    FROM cand c
    JOIN checked k ON k.rule_key = c.rule_key AND NOT k.on_account
    JOIN account_row a ON a.aid = c.aid
), mrow AS MATERIALIZED (
    SELECT mk.aid, mk.rule_key, mk.pos, mk.operator, mk.family, r.value
    FROM mk JOIN attr_rows r ON r.instance = mk.instance AND r.account = mk.account AND r.fkey = mk.fkey
), mhit AS (
    -- rows that satisfy the positive criterion (for neq and null: the one
    -- the criterion is the complement of)
    SELECT x.aid, x.rule_key, x.pos, x.family FROM mrow x
    SEMI JOIN rv v ON v.rule_key = x.rule_key AND v.pos = x.pos AND v.value = x.value
    WHERE x.family IN ('eq', 'neq')
    UNION ALL
    SELECT x.aid, x.rule_key, x.pos, x.family FROM mrow x
    WHERE x.family = 'null' AND x.value IS NOT NULL
    UNION ALL
    SELECT x.aid, x.rule_key, x.pos, x.family FROM mrow x
    LEFT JOIN r_value v ON v.rule_key = x.rule_key AND v.pos = x.pos
    WHERE x.family = 'other' AND crit_hit(x.operator, x.value, v.value, v.num, v.ts, $1)
)
SELECT * FROM acct_sat
UNION ALL
SELECT * FROM drive_sat
UNION ALL
SELECT DISTINCT aid, rule_key, pos FROM mhit WHERE family IN ('eq', 'other')
UNION ALL
SELECT mk.aid, mk.rule_key, mk.pos FROM mk
ANTI JOIN mhit h ON h.aid = mk.aid AND h.rule_key = mk.rule_key AND h.pos = mk.pos
WHERE mk.family IN ('neq', 'null');

-- Match logic: all criteria, any criterion, or an expression given as the set
-- of satisfied-criteria masks that make it true. One row per account and
-- rule. The satisfied criteria are grouped per (aid, rule_key); a candidate
-- with none satisfied matches only a rule without criteria or an expression
-- true of the empty set (`NOT 1`), which are taken from `cand` apart.
-- The account's strings come back here: `pairs` joins on them.
CREATE OR REPLACE TEMP TABLE matched AS
WITH per AS (
    SELECT aid, rule_key, count(*) AS n, sum(1::BIGINT << (pos - 1))::BIGINT AS mask
    FROM sat
    GROUP BY aid, rule_key
), empty_match AS (
    SELECT r.rule_key FROM r_rule r
    WHERE (r.match = 'all' AND r.n_crit = 0)
       OR (r.match = 'expr' AND EXISTS (SELECT 1 FROM r_mask m WHERE m.rule_key = r.rule_key AND m.mask = 0))
), m AS (
    SELECT p.aid, p.rule_key
    FROM per p JOIN r_rule r USING (rule_key)
    WHERE (r.match = 'all' AND p.n = r.n_crit)
       OR r.match = 'any'
       OR (r.match = 'expr' AND EXISTS (SELECT 1 FROM r_mask m WHERE m.rule_key = p.rule_key AND m.mask = p.mask))
    UNION ALL
    SELECT c.aid, c.rule_key
    FROM cand c
    SEMI JOIN empty_match e USING (rule_key)
    ANTI JOIN sat s ON s.aid = c.aid AND s.rule_key = c.rule_key
)
SELECT m.aid, a.instance, a.account, m.rule_key
FROM m JOIN account_row a ON a.aid = m.aid;
