-- The match step, run for the account rules and again for the hierarchy
-- rules: which criteria each candidate satisfies, and the match logic over
-- candidates only. Parameters: $1 now. Reads `cand`, writes `sat`, `matched`.

-- Satisfied criteria. Positive operators: the account satisfies the
-- criterion when any of its rows of that object does (any address, any call).
-- Negative operators (not_equals, not_in, is_null) are the complements: no row
-- of the account has a value in the list (or any value, for is_null).
CREATE OR REPLACE TEMP TABLE sat AS
WITH eq AS (
    SELECT c.instance, c.account, c.rule_key, k.pos
    FROM cand c
    JOIN r_crit k ON k.rule_key = c.rule_key AND k.family = 'eq'
    JOIN attr a ON a.instance = c.instance AND a.account = c.account AND a.fkey = k.fkey
    JOIN r_value v ON v.rule_key = k.rule_key AND v.pos = k.pos AND v.value = a.value
), other AS (
    SELECT c.instance, c.account, c.rule_key, k.pos
    FROM cand c
    JOIN r_crit k ON k.rule_key = c.rule_key AND k.family = 'other'
    JOIN attr a ON a.instance = c.instance AND a.account = c.account AND a.fkey = k.fkey
    LEFT JOIN r_value v ON v.rule_key = k.rule_key AND v.pos = k.pos
    WHERE crit_hit(k.operator, a.value, v.value, v.num, v.ts, $1)
), neg_hit AS (
    SELECT c.instance, c.account, c.rule_key, k.pos
    FROM cand c
    JOIN r_crit k ON k.rule_key = c.rule_key AND k.family = 'neq'
    JOIN attr a ON a.instance = c.instance AND a.account = c.account AND a.fkey = k.fkey
    JOIN r_value v ON v.rule_key = k.rule_key AND v.pos = k.pos AND v.value = a.value
    UNION ALL
    SELECT c.instance, c.account, c.rule_key, k.pos
    FROM cand c
    JOIN r_crit k ON k.rule_key = c.rule_key AND k.family = 'null'
    JOIN attr a ON a.instance = c.instance AND a.account = c.account AND a.fkey = k.fkey
    WHERE a.value IS NOT NULL
), neg AS (
    SELECT c.instance, c.account, c.rule_key, k.pos
    FROM cand c
    JOIN r_crit k ON k.rule_key = c.rule_key AND k.family IN ('neq', 'null')
    ANTI JOIN neg_hit h ON h.instance = c.instance AND h.account = c.account AND h.rule_key = c.rule_key AND h.pos = k.pos
)
SELECT DISTINCT * FROM (SELECT * FROM eq UNION ALL SELECT * FROM other UNION ALL SELECT * FROM neg);

-- Match logic: all criteria, any criterion, or an expression given as the set
-- of satisfied-criteria masks that make it true. Rules without criteria match
-- every candidate. One row per account and rule.
CREATE OR REPLACE TEMP TABLE matched AS
WITH per AS (
    SELECT c.instance, c.account, c.rule_key,
           count(s.pos) AS n,
           coalesce(sum(1::BIGINT << (s.pos - 1)), 0)::BIGINT AS mask
    FROM cand c
    LEFT JOIN sat s ON s.instance = c.instance AND s.account = c.account AND s.rule_key = c.rule_key
    GROUP BY c.instance, c.account, c.rule_key
)
SELECT p.instance, p.account, p.rule_key
FROM per p JOIN r_rule r USING (rule_key)
WHERE (r.match = 'all' AND p.n = r.n_crit)
   OR (r.match = 'any' AND p.n > 0)
   OR (r.match = 'expr' AND EXISTS (SELECT 1 FROM r_mask m WHERE m.rule_key = p.rule_key AND m.mask = p.mask));
