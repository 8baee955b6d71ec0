-- The account rules engine: every active rule of the plan at once, whatever
-- their number. Inputs are the r_* tables that EvaluateRules loads (criteria as
-- rows), and the `attr` view of (instance, account, fkey, value) rows that
-- exposes just the CRM fields the criteria name. Parameters: $1 now.

-- 1. Value counts: how many attribute rows each equality value matches,
--    counted once per distinct (field, value) however many rules share it.
CREATE OR REPLACE TEMP TABLE crit_count AS
WITH vals AS (
    SELECT DISTINCT k.fkey, v.value
    FROM r_crit k JOIN r_value v USING (rule_key, pos)
    WHERE k.family = 'eq'
), counts AS (
    SELECT a.fkey, a.value, count(*) AS n
    FROM attr a SEMI JOIN vals ON a.fkey = vals.fkey AND a.value = vals.value
    GROUP BY a.fkey, a.value
)
SELECT k.rule_key, k.pos, sum(coalesce(c.n, 0)) AS n
FROM r_crit k
JOIN r_value v USING (rule_key, pos)
LEFT JOIN counts c ON c.fkey = k.fkey AND c.value = v.value
WHERE k.family = 'eq'
GROUP BY k.rule_key, k.pos;

-- 2. Drivers: a `match: all` rule is driven by its most selective equality
--    criterion; a `match: any` rule by every criterion (its matches are the
--    union of its criteria's).
CREATE OR REPLACE TEMP TABLE r_drive AS
SELECT rule_key, pos FROM (
    SELECT c.rule_key, c.pos,
           row_number() OVER (PARTITION BY c.rule_key ORDER BY c.n, c.pos) AS rn
    FROM crit_count c JOIN r_rule r USING (rule_key)
    WHERE r.match = 'all'
) WHERE rn = 1
UNION ALL
SELECT k.rule_key, k.pos FROM r_crit k JOIN r_rule r USING (rule_key) WHERE r.match = 'any';

-- 3. Candidates: one hash join of the attribute rows against the values of
--    all driving criteria yields (account, rule) pairs.
CREATE OR REPLACE TEMP TABLE cand AS
SELECT DISTINCT a.instance, a.account, d.rule_key
FROM r_drive d
JOIN r_crit k USING (rule_key, pos)
JOIN r_value v USING (rule_key, pos)
JOIN attr a ON a.fkey = k.fkey AND a.value = v.value;

-- 4. Satisfied criteria of each candidate: a join on (rule, value) per
--    candidate's attribute rows. An account satisfies a criterion when any of
--    its rows of that object does (any address, any call).
CREATE OR REPLACE TEMP TABLE sat AS
SELECT DISTINCT c.instance, c.account, c.rule_key, k.pos
FROM cand c
JOIN r_crit k ON k.rule_key = c.rule_key
JOIN attr a ON a.instance = c.instance AND a.account = c.account AND a.fkey = k.fkey
JOIN r_value v ON v.rule_key = k.rule_key AND v.pos = k.pos AND v.value = a.value
WHERE k.family = 'eq';

-- 5. Match logic over candidates only; accounts must exist (deleted accounts
--    never match). DISTINCT by construction: one row per account and rule.
CREATE OR REPLACE TEMP TABLE matched AS
SELECT s.instance, s.account, s.rule_key
FROM sat s
JOIN r_rule r USING (rule_key)
SEMI JOIN crm_account__v acc ON acc._instance = s.instance AND acc.id = s.account
GROUP BY s.instance, s.account, s.rule_key, r.match, r.n_crit
HAVING CASE r.match WHEN 'any' THEN count(*) > 0 ELSE count(*) = r.n_crit END;

-- 6. Primary-address geography of each account, for rules with geography:
--    exact codes join on '=' || code, prefixes on '*' || left(code, len).
CREATE OR REPLACE TEMP TABLE acct_geo AS
WITH addr AS (
    SELECT _instance AS instance, account__v AS account, postal_code__v AS code
    FROM crm_address__v
    WHERE lower(coalesce(primary__v, '')) IN ('true', '1', 'yes', 'y')
      AND postal_code__v IS NOT NULL
), acct_key AS (
    SELECT instance, account, '=' || code AS key FROM addr
    UNION ALL
    SELECT a.instance, a.account, '*' || left(a.code, l.len)
    FROM addr a JOIN (SELECT DISTINCT plen AS len FROM r_geo WHERE plen > 0) l ON length(a.code) >= l.len
)
SELECT k.instance, k.account, g.territory,
       min(g.start_date) AS start_date,
       CASE WHEN bool_or(g.end_date IS NULL) THEN NULL ELSE max(g.end_date) END AS end_date
FROM acct_key k JOIN r_geo g ON g.key = k.key
GROUP BY k.instance, k.account, g.territory;

-- 7. Desired assignments: rule matches bound to their territories (a field
--    force rule to each of its territories), restricted to the territory's
--    geographies when the rule says so, plus manual assignments of accounts
--    that exist; active exclusions removed; one record per key, its window the
--    latest start and earliest end of everything involved.
CREATE OR REPLACE TEMP TABLE desired AS
WITH rule_pairs AS (
    SELECT m.account, b.territory, b.instance, 'rule' AS source, b.rule_id AS rule, b.rule_id AS origin,
           greatest(b.start_date, g.start_date) AS start_date,
           least(b.end_date, g.end_date) AS end_date,
           b.send_to_crm
    FROM matched m
    JOIN r_binding b ON b.rule_key = m.rule_key AND b.src_instance = m.instance
    LEFT JOIN acct_geo g ON b.geography AND g.instance = m.instance AND g.account = m.account AND g.territory = b.territory
    WHERE NOT b.geography OR g.account IS NOT NULL
), manual_pairs AS (
    SELECT mn.account, mn.territory, mn.instance, 'manual' AS source, NULL AS rule, mn.origin,
           mn.start_date, mn.end_date, mn.send_to_crm
    FROM r_manual mn
    WHERE EXISTS (SELECT 1 FROM crm_account__v a WHERE a.id = mn.account AND a._instance IN (mn.instance, '@data_loader'))
), pairs AS (
    SELECT * FROM rule_pairs UNION ALL SELECT * FROM manual_pairs
)
SELECT account, territory, any_value(instance) AS instance, source, any_value(rule) AS rule, origin,
       min(start_date) AS start_date,
       CASE WHEN bool_or(end_date IS NULL) THEN NULL ELSE max(end_date) END AS end_date,
       bool_or(send_to_crm) AS send_to_crm
FROM pairs p
WHERE (end_date IS NULL OR end_date > start_date)
  AND NOT EXISTS (SELECT 1 FROM r_exclusion x WHERE x.territory = p.territory AND x.account = p.account)
GROUP BY account, territory, source, origin;
