-- Stage 1 of the rules engine: candidate (account, rule) pairs for the
-- account rules, from their driving criteria. Parameters: $1 now, $2 the
-- account explain focuses on (NULL for a plan).

-- The predicate of the operator families that are not plain equality; NULL
-- (a value that does not parse) never matches.
CREATE OR REPLACE TEMP MACRO crit_hit(op, val, v, vnum, vts, now) AS coalesce(CASE op
    WHEN 'contains' THEN contains(val, v)
    WHEN 'starts_with' THEN starts_with(val, v)
    WHEN 'greater_than' THEN CASE
        WHEN vnum IS NOT NULL THEN try_cast(val AS DOUBLE) > vnum
        WHEN vts IS NOT NULL THEN try_cast(val AS TIMESTAMPTZ) > vts
        ELSE val > v END
    WHEN 'less_than' THEN CASE
        WHEN vnum IS NOT NULL THEN try_cast(val AS DOUBLE) < vnum
        WHEN vts IS NOT NULL THEN try_cast(val AS TIMESTAMPTZ) < vts
        ELSE val < v END
    WHEN 'more_than_days' THEN try_cast(val AS TIMESTAMPTZ) < now - to_days(CAST(vnum AS INTEGER))
    WHEN 'less_than_days' THEN try_cast(val AS TIMESTAMPTZ) > now - to_days(CAST(vnum AS INTEGER))
    WHEN 'is_not_null' THEN val IS NOT NULL
    ELSE false END, false);

-- Value counts: how many attribute rows each equality value matches, counted
-- once per distinct (field, value) however many rules share it.
CREATE OR REPLACE TEMP TABLE crit_count AS
WITH vals AS (
    SELECT DISTINCT k.fkey, v.value
    FROM r_crit k JOIN r_rule r USING (rule_key) JOIN r_value v USING (rule_key, pos)
    WHERE k.family = 'eq' AND r.drive = 'best_eq'
), counts AS (
    SELECT a.fkey, a.value, count(*) AS n
    FROM attr a SEMI JOIN vals ON a.fkey = vals.fkey AND a.value = vals.value
    GROUP BY a.fkey, a.value
)
SELECT k.rule_key, k.pos, sum(coalesce(c.n, 0)) AS n
FROM r_crit k
JOIN r_rule r USING (rule_key)
JOIN r_value v USING (rule_key, pos)
LEFT JOIN counts c ON c.fkey = k.fkey AND c.value = v.value
WHERE k.family = 'eq' AND r.drive = 'best_eq'
GROUP BY k.rule_key, k.pos;

-- Drivers: a `match: all` rule with equality criteria is driven by the most
-- selective one; other rules by the criteria the compiler marked.
CREATE OR REPLACE TEMP TABLE r_drive AS
SELECT rule_key, pos FROM (
    SELECT rule_key, pos, row_number() OVER (PARTITION BY rule_key ORDER BY n, pos) AS rn FROM crit_count
) WHERE rn = 1
UNION ALL
SELECT k.rule_key, k.pos FROM r_crit k JOIN r_rule r USING (rule_key) WHERE r.drive = 'criteria' AND k.drive;

-- Drive criteria with the same field, operator and value are evaluated once.
CREATE OR REPLACE TEMP TABLE drive_sig AS
SELECT DISTINCT k.fkey, k.operator, v.value, v.num, v.ts
FROM r_drive d JOIN r_crit k USING (rule_key, pos) LEFT JOIN r_value v USING (rule_key, pos)
WHERE k.family <> 'eq';

-- Candidates: one hash join of the attribute rows against the values of all
-- equality drivers; one filter per operator family for the other drivers;
-- every account for rules that only a full scan can drive (criteria that
-- are all negative, or none). explain (a $2 focus) takes every rule for one
-- account instead.
CREATE OR REPLACE TEMP TABLE cand AS
WITH eq_hits AS (
    SELECT a.instance, a.account, d.rule_key
    FROM r_drive d
    JOIN r_crit k USING (rule_key, pos)
    JOIN r_value v USING (rule_key, pos)
    JOIN attr a ON a.fkey = k.fkey AND a.value = v.value
    WHERE k.family = 'eq'
), sig_hits AS (
    SELECT DISTINCT a.instance, a.account, s.fkey, s.operator, s.value
    FROM drive_sig s JOIN attr a ON a.fkey = s.fkey
    WHERE crit_hit(s.operator, a.value, s.value, s.num, s.ts, $1)
), other_hits AS (
    SELECT h.instance, h.account, d.rule_key
    FROM r_drive d
    JOIN r_crit k USING (rule_key, pos)
    LEFT JOIN r_value v USING (rule_key, pos)
    JOIN sig_hits h ON h.fkey = k.fkey AND h.operator = k.operator AND h.value IS NOT DISTINCT FROM v.value
    WHERE k.family <> 'eq'
), scan_hits AS (
    SELECT acc._instance AS instance, acc.id AS account, r.rule_key
    FROM r_rule r
    JOIN (SELECT DISTINCT rule_key, src_instance FROM r_binding) b ON b.rule_key = r.rule_key
    JOIN crm_account__v acc ON acc._instance = b.src_instance
    WHERE r.drive = 'all'
), focus_hits AS (
    SELECT acc._instance AS instance, acc.id AS account, r.rule_key
    FROM r_rule r JOIN crm_account__v acc ON acc.id = $2
    WHERE NOT r.hierarchy
), hits AS (
    SELECT * FROM eq_hits WHERE $2 IS NULL
    UNION ALL SELECT * FROM other_hits WHERE $2 IS NULL
    UNION ALL SELECT * FROM scan_hits WHERE $2 IS NULL
    UNION ALL SELECT * FROM focus_hits
)
SELECT DISTINCT h.instance, h.account, h.rule_key
FROM hits h
JOIN r_rule r ON r.rule_key = h.rule_key AND NOT r.hierarchy
-- deleted accounts never match
SEMI JOIN crm_account__v acc ON acc._instance = h.instance AND acc.id = h.account;
