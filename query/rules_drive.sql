-- Glossary of the engine's tables (rules_*.sql), in the seeds' words:
--   r_*                       the rule set as rows (ruletables.go): r_rule,
--                             r_crit (criteria), r_value, r_binding (a rule
--                             bound to a territory), r_geo, r_exclusion, ...
--   account_row               one row per account, with account_key: the
--                             integer key of the account (its row id)
--   account_postal_code       each account's primary postal codes
--   postal_code_territory     the territories whose geographies hold a code
--   account_geography         an account's territories by geography (explain)
--   streamed_rule             rules matched straight from their drivers' rows
--   masked_rule               rules matched from their drivers' rows and
--                             the accounts' signatures
--   drive_row                 the attribute rows holding a driver's value
--   drive_satisfied           criteria the drivers found satisfied
--   candidate                 (account, rule) pairs worth checking
--   satisfied                 the criteria each candidate satisfies
--   matched                   (account, rule): the rule's match logic holds
--   pairs                     (account, territory) a rule or manual
--                             assignment makes, with its window
--   related                   accounts a hierarchy rule reaches by affiliation
--   excluded                  pairs an exclusion removed
--   desired_before_exclusive  one record per (account, territory, source,
--                             origin), before exclusive field forces
--   desired                   the desired assignments (rules_conflict.sql)
--   change                    the diff against the state (diff.sql)

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

-- Primary-address geography of each account, in three parts so that the
-- (account, territory) rows are never all made: an account's postal code
-- lies in several territories' geographies (a row per field force), and
-- only the matched accounts of geography rules and the territories that
-- drive need them.
--
-- account_postal_code: the primary postal codes of the accounts the state holds,
-- keyed on the account's `account_key` (addresses of other accounts never match).
-- Only geography bindings and explain read it: rules that list postal codes
-- as criteria, or an incremental evaluation of such rules, leave it empty.
CREATE OR REPLACE TEMP TABLE account_postal_code AS
SELECT acc.account_key, acc.instance, ad.postal_code__v AS code,
       count(*) OVER (PARTITION BY acc.account_key) AS n
FROM crm_address__v ad
JOIN account_row acc ON acc.instance = ad._instance AND acc.account = ad.account__v
WHERE lower(coalesce(ad.primary__v, '')) IN ('true', '1', 'yes', 'y')
  AND ad.postal_code__v IS NOT NULL
  AND (EXISTS (SELECT 1 FROM r_binding WHERE geography) OR $2::VARCHAR IS NOT NULL);

-- postal_code_territory: the territories of each distinct postal code, the geographies a
-- code matches in one territory merged. The keys are made per code (exact
-- codes join on '=' || code, prefixes on '*' || left(code, len), all hash
-- joins).
CREATE OR REPLACE TEMP TABLE postal_code_territory AS
WITH codes AS (
    SELECT DISTINCT code FROM account_postal_code
), code_lookup AS (
    SELECT code, '=' || code AS key FROM codes
    UNION ALL
    SELECT c.code, '*' || left(c.code, l.len)
    FROM codes c JOIN (SELECT DISTINCT plen AS len FROM r_geo WHERE plen > 0) l ON length(c.code) >= l.len
)
SELECT k.code, g.territory,
       min(g.start_date) AS start_date,
       CASE WHEN bool_or(g.end_date IS NULL) THEN NULL ELSE max(g.end_date) END AS end_date
FROM code_lookup k JOIN r_geo g ON g.key = k.key
GROUP BY k.code, g.territory;

-- The accounts with several primary postal codes (few), merged per
-- territory.
CREATE OR REPLACE TEMP TABLE multi_code_territory AS
SELECT a.account_key, any_value(a.instance) AS instance, c.territory,
       min(c.start_date) AS start_date,
       CASE WHEN bool_or(c.end_date IS NULL) THEN NULL ELSE max(c.end_date) END AS end_date
FROM account_postal_code a JOIN postal_code_territory c USING (code)
WHERE a.n > 1
GROUP BY a.account_key, c.territory;

-- account_geography: (account_key, instance, territory, start_date, end_date), for explain.
-- The engine's statements join account_postal_code and postal_code_territory themselves, from the
-- side that holds few rows (the matched accounts, the driving
-- territories): DuckDB does not push a join into the branches of a UNION.
CREATE OR REPLACE TEMP VIEW account_geography AS
SELECT a.account_key, a.instance, c.territory, c.start_date, c.end_date
FROM account_postal_code a JOIN postal_code_territory c USING (code)
WHERE a.n = 1
UNION ALL
SELECT account_key, instance, territory, start_date, end_date FROM multi_code_territory;

-- Value counts: how many attribute rows each equality value matches, counted
-- once per distinct (field, value) however many rules share it, summed per
-- criterion of a drive set.
CREATE OR REPLACE TEMP TABLE criterion_count AS
WITH opt_crit AS (
    SELECT DISTINCT rule_key, pos FROM r_drive_option
), vals AS (
    SELECT DISTINCT k.fkey, v.value
    FROM opt_crit o JOIN r_crit k USING (rule_key, pos) JOIN r_value v USING (rule_key, pos)
    WHERE k.family = 'eq'
), counts AS (
    SELECT a.fkey, a.value, count(*) AS n
    FROM attr_eq a SEMI JOIN vals ON a.fkey = vals.fkey AND a.value = vals.value
    GROUP BY a.fkey, a.value
)
SELECT k.rule_key, k.pos, sum(coalesce(c.n, 0)) AS n
FROM opt_crit o
JOIN r_crit k USING (rule_key, pos)
JOIN r_value v USING (rule_key, pos)
LEFT JOIN counts c ON c.fkey = k.fkey AND c.value = v.value
WHERE k.family = 'eq'
GROUP BY k.rule_key, k.pos;

-- Geography as a driver: a rule whose every binding has `geography: true`
-- only assigns accounts in its territories' geographies, so those accounts
-- are candidates enough; their count competes with the drive sets. The
-- accounts are counted per territory once (per postal code, then per
-- territory of the code) and the counts summed per rule: joining the
-- bindings to `account_geography` makes a row per account and rule.
CREATE OR REPLACE TEMP TABLE geography_count AS
WITH geo_rules AS (
    SELECT rule_key FROM r_binding GROUP BY rule_key HAVING bool_and(geography)
), per_code AS (
    SELECT code, instance, count(*) AS n FROM account_postal_code WHERE n = 1 GROUP BY code, instance
), per_territory AS (
    SELECT territory, instance, sum(n) AS n FROM (
        SELECT c.territory, p.instance, p.n FROM per_code p JOIN postal_code_territory c USING (code)
        UNION ALL
        SELECT territory, instance, 1 FROM multi_code_territory
    ) GROUP BY territory, instance
)
SELECT b.rule_key, coalesce(sum(t.n), 0) AS n
FROM r_binding b
SEMI JOIN geo_rules USING (rule_key)
LEFT JOIN per_territory t ON t.territory = b.territory AND t.instance = b.src_instance
GROUP BY b.rule_key;

-- Drivers: each rule is driven by its drive set with the fewest matching
-- rows (a set of equality criteria only has a count; one with another
-- operator comes after those, the smallest first), or by its geography
-- when that is smaller than a counted set; a rule only a scan could drive
-- is driven by its geography when it has one.
CREATE OR REPLACE TEMP TABLE best_drive AS
SELECT rule_key, opt, n, known FROM (
    SELECT rule_key, opt, n, known,
           row_number() OVER (PARTITION BY rule_key ORDER BY known DESC, CASE WHEN known THEN n END, size, opt) AS rn
    FROM (
        SELECT o.rule_key, o.opt, sum(c.n) AS n, bool_and(c.n IS NOT NULL) AS known, count(*) AS size
        FROM r_drive_option o LEFT JOIN criterion_count c USING (rule_key, pos)
        GROUP BY o.rule_key, o.opt
    )
) WHERE rn = 1;

-- The bindings of the geography-driven rules, apart: joined to `account_geography`
-- before this filter, every binding would fan out.
CREATE OR REPLACE TEMP TABLE geo_drive AS
SELECT DISTINCT b.rule_key, b.territory, b.src_instance
FROM r_binding b
SEMI JOIN (
    SELECT g.rule_key FROM geography_count g JOIN best_drive e USING (rule_key) WHERE e.known AND g.n < e.n
    UNION ALL
    SELECT g.rule_key FROM geography_count g JOIN r_rule r USING (rule_key) WHERE r.drive = 'all'
) d USING (rule_key);

CREATE OR REPLACE TEMP TABLE r_drive AS
SELECT o.rule_key, o.pos
FROM best_drive e JOIN r_drive_option o USING (rule_key, opt)
ANTI JOIN geo_drive g USING (rule_key);

-- Streamed rules: `match: all` rules driven by one equality criterion
-- whose other criterion, if any, is an equality or inequality on a field
-- of the account (a ZIP list, and a specialty list). The match step takes
-- their matches from the drivers' rows in one statement, the hits never
-- stored (streamed_match in rules_match.sql): such a rule's hits are the
-- largest set the engine meets, tens of millions of rows at 1M accounts
-- where ZIP lists drive and over a billion at 5M. Not for explain, which
-- reports every criterion of every rule.
CREATE OR REPLACE TEMP TABLE streamed_rule AS
SELECT d.rule_key, d.pos AS drive_pos, c.pos AS check_pos
FROM r_drive d
JOIN r_rule r ON r.rule_key = d.rule_key
JOIN r_crit k ON k.rule_key = d.rule_key AND k.pos = d.pos
LEFT JOIN r_crit c ON c.rule_key = d.rule_key AND c.pos <> d.pos
WHERE $2 IS NULL AND r.match = 'all' AND NOT r.hierarchy AND r.n_crit <= 2 AND k.family = 'eq'
  AND (c.pos IS NULL OR (c.on_account AND c.family IN ('eq', 'neq')))
  AND d.rule_key NOT IN (SELECT rule_key FROM r_drive GROUP BY rule_key HAVING count(*) > 1);

-- Masked rules: the other rules driven by equality criteria only (a ZIP
-- list with a specialty, eight account criteria, a call and a product
-- metric, an expression). The match step computes the mask of satisfied
-- criteria of each driver's hit as it streams by, from the account's
-- signatures (masked_match in rules_match.sql), and keeps only the
-- matches: as candidates, their hits were stored, then again once per
-- candidate and checked criterion (`satisfied`, 74M rows at 1M accounts
-- on the many-criteria mix), then grouped. One row per rule and driver.
-- Not for explain.
CREATE OR REPLACE TEMP TABLE masked_rule AS
SELECT d.rule_key, d.pos AS drive_pos, count(*) OVER (PARTITION BY d.rule_key) AS drivers
FROM r_drive d
JOIN r_rule r ON r.rule_key = d.rule_key
WHERE $2 IS NULL AND NOT r.hierarchy
  AND d.rule_key NOT IN (SELECT rule_key FROM streamed_rule)
  AND d.rule_key NOT IN (SELECT rule_key FROM r_drive JOIN r_crit USING (rule_key, pos) WHERE family <> 'eq');

-- Drive criteria with the same field, operator and value are evaluated once.
CREATE OR REPLACE TEMP TABLE drive_signature AS
SELECT DISTINCT k.fkey, k.operator, v.value, v.num, v.ts
FROM r_drive d JOIN r_crit k USING (rule_key, pos) LEFT JOIN r_value v USING (rule_key, pos)
WHERE k.family <> 'eq';

-- The hits of the drive criteria: one hash join of the attribute rows
-- against the values of all equality drivers, one filter per operator
-- family for the other drivers. A hit is a satisfied criterion: the match
-- step takes these as they are and checks only the rules' other criteria
-- (a rule's candidates all come from its one drive set, so an account
-- satisfies a criterion of that set exactly when it has a hit of it).
-- explain (a $2 focus) checks every criterion of every rule instead.
--
-- The attribute rows are keyed on their account's integer key before they
-- meet the drivers: the hits are tens of millions of rows where ZIP lists
-- drive (every address in every list that names its code), the rows a few
-- million. An account meets a criterion once per row of its that holds one
-- of the values (two addresses in one ZIP list): the hits keep those
-- repeats, which the match step's masks (bit_or) and its last DISTINCT
-- absorb, rather than sort them out here, where they are the most rows.
--
-- drive_row: the attribute rows of the equality drivers' values, once per
-- account and value; the rows name their account, and deleted accounts
-- never match.
CREATE OR REPLACE TEMP TABLE drive_row AS
SELECT DISTINCT acc.account_key, a.fkey, a.value
FROM attr_eq a
SEMI JOIN (
    SELECT DISTINCT k.fkey, v.value
    FROM r_drive d JOIN r_crit k USING (rule_key, pos) JOIN r_value v USING (rule_key, pos)
    WHERE k.family = 'eq'
) e ON e.fkey = a.fkey AND e.value = a.value
JOIN account_row acc ON acc.instance = a.instance AND acc.account = a.account
WHERE $2 IS NULL;

CREATE OR REPLACE TEMP TABLE drive_satisfied AS
WITH eq_driver AS (
    SELECT k.fkey, v.value, d.rule_key, d.pos
    FROM r_drive d
    JOIN r_crit k USING (rule_key, pos)
    JOIN r_value v USING (rule_key, pos)
    ANTI JOIN streamed_rule s ON s.rule_key = d.rule_key
    ANTI JOIN masked_rule m ON m.rule_key = d.rule_key
    WHERE k.family = 'eq'
), eq_hits AS (
    SELECT r.account_key, d.rule_key, d.pos
    FROM drive_row r JOIN eq_driver d ON d.fkey = r.fkey AND d.value = r.value
), sig_hits AS (
    SELECT DISTINCT a.instance, a.account, s.fkey, s.operator, s.value
    FROM drive_signature s JOIN attr a ON a.fkey = s.fkey
    WHERE crit_hit(s.operator, a.value, s.value, s.num, s.ts, $1)
), other_hits AS (
    SELECT DISTINCT acc.account_key, d.rule_key, d.pos
    FROM r_drive d
    JOIN r_crit k USING (rule_key, pos)
    LEFT JOIN r_value v USING (rule_key, pos)
    JOIN sig_hits h ON h.fkey = k.fkey AND h.operator = k.operator AND h.value IS NOT DISTINCT FROM v.value
    JOIN account_row acc ON acc.instance = h.instance AND acc.account = h.account
    WHERE k.family <> 'eq'
)
SELECT * FROM eq_hits WHERE $2 IS NULL
UNION ALL
SELECT * FROM other_hits WHERE $2 IS NULL;

-- The criteria the drivers decided, which the match step does not check.
CREATE OR REPLACE TEMP TABLE drive_decided AS
SELECT rule_key, pos FROM r_drive WHERE $2 IS NULL;

-- Candidates: the drive hits, the accounts of geography-driven rules'
-- territories, every account for rules that only a full scan can drive
-- (criteria that are all negative, or none), or every rule for explain's
-- one account.
CREATE OR REPLACE TEMP TABLE candidate AS
WITH geo_hits AS (
    -- the postal codes of each geography-driven rule's territories, then
    -- the accounts of those codes: one row per account and rule, as an
    -- account of one primary postal code meets each (rule, code) once
    SELECT a.account_key, d.rule_key
    FROM (
        SELECT DISTINCT d.rule_key, d.src_instance, c.code
        FROM geo_drive d JOIN postal_code_territory c ON c.territory = d.territory
    ) d
    JOIN account_postal_code a ON a.code = d.code AND a.instance = d.src_instance AND a.n = 1
), geo_multi_hits AS (
    SELECT g.account_key, d.rule_key
    FROM geo_drive d
    JOIN multi_code_territory g ON g.territory = d.territory AND g.instance = d.src_instance
), scan_hits AS (
    SELECT acc.account_key, r.rule_key
    FROM r_rule r
    JOIN (SELECT DISTINCT rule_key, src_instance FROM r_binding) b ON b.rule_key = r.rule_key
    JOIN account_row acc ON acc.instance = b.src_instance
    WHERE r.drive = 'all' AND r.rule_key NOT IN (SELECT rule_key FROM geo_drive)
), focus_hits AS (
    SELECT acc.account_key, r.rule_key
    FROM r_rule r JOIN account_row acc ON acc.account = $2
    WHERE NOT r.hierarchy
), hits AS (
    -- Each rule is driven one way only (its drive set, its geography, or a
    -- scan). The hits of a drive set of several criteria, and of several
    -- primary postal codes, are gathered per account and rule; a drive set
    -- of one criterion keeps its hits as they are, an account met by two
    -- rows of it twice (the match step's DISTINCT makes one match of it).
    SELECT DISTINCT * FROM (
        SELECT account_key, rule_key FROM drive_satisfied
        SEMI JOIN (SELECT rule_key FROM r_drive GROUP BY rule_key HAVING count(*) > 1) m USING (rule_key)
        UNION ALL SELECT * FROM geo_multi_hits
    ) WHERE $2 IS NULL
    UNION ALL
    SELECT account_key, rule_key FROM drive_satisfied
    ANTI JOIN (SELECT rule_key FROM r_drive GROUP BY rule_key HAVING count(*) > 1) m USING (rule_key)
    UNION ALL SELECT * FROM geo_hits WHERE $2 IS NULL
    UNION ALL SELECT * FROM scan_hits WHERE $2 IS NULL
    UNION ALL SELECT * FROM focus_hits
)
-- The candidates are keyed on the account's integer `account_key` from here on: the
-- match step joins and groups them on (account_key, rule_key) rather than on
-- (instance, account, rule_key).
SELECT h.account_key, h.rule_key
FROM hits h
SEMI JOIN r_rule r ON r.rule_key = h.rule_key AND NOT r.hierarchy;
