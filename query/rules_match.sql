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
-- Criteria are checked per signature (field, operator and list of values),
-- from the values' side, as the drivers do: the rows of each field are
-- joined once to the values of its signatures, and the answer is shared by
-- every candidate rule with a criterion of that signature. Rules of one
-- field force repeat the same product list, specialty list or "a call in
-- the last 120 days"; checking per (account, rule) made a row per candidate
-- and criterion with its value (7.4M at 300k accounts on the expressions
-- mix) and joined each candidate's calls and metrics once per rule (6M rows
-- on the multi-row mix).
--
-- criterion_signature: the signature of every criterion the match step
-- checks (those the drivers did not decide, of rules with candidates).
CREATE OR REPLACE TEMP TABLE criterion_signature AS
WITH checked AS (
    SELECT * FROM r_crit
    SEMI JOIN (SELECT DISTINCT rule_key FROM candidate) c USING (rule_key)
    ANTI JOIN drive_decided USING (rule_key, pos)
), value_list AS (
    SELECT rule_key, pos, list((value, num, ts) ORDER BY value, num, ts) AS vals
    FROM r_value SEMI JOIN checked USING (rule_key, pos)
    GROUP BY rule_key, pos
)
SELECT k.rule_key, k.pos, k.fkey, k.operator, k.family, k.on_account,
       dense_rank() OVER (ORDER BY k.fkey, k.operator, v.vals) AS sig
FROM checked k LEFT JOIN value_list v USING (rule_key, pos);

-- Each signature's field and operator, and its values once each (every
-- criterion of a signature has the same ones).
CREATE OR REPLACE TEMP TABLE signature AS
SELECT DISTINCT sig, fkey, operator, family, on_account FROM criterion_signature;
CREATE OR REPLACE TEMP TABLE signature_value AS
SELECT DISTINCT s.sig, v.value, v.num, v.ts
FROM criterion_signature s JOIN r_value v USING (rule_key, pos);

-- signature_hit: (account_key, sig) where a row of the account satisfies
-- the signature's positive criterion (for neq and null: the one the
-- criterion is the complement of). The fields of account__v (most
-- criteria) are read from `account_row`, one row per account and field
-- (account_value(k.fkey) is replaced by a CASE over its columns, see
-- rules.go): an account has one value per field there, so a negative
-- criterion holds exactly when its positive counterpart does not. Fields of
-- objects with several rows per account come from `attr_rows`, keyed on the
-- account's integer key after the hits are found.
--
-- Only the candidates' accounts are read: nearly all of them for a plan,
-- one for explain.
CREATE OR REPLACE TEMP TABLE signature_hit AS
WITH candidate_account AS MATERIALIZED (
    SELECT a.instance, a.account, a.account_key
    FROM account_row a SEMI JOIN candidate c ON c.account_key = a.account_key
), account_field AS (
    SELECT a.account_key, k.fkey, account_value(k.fkey) AS value
    FROM account_row a
    SEMI JOIN candidate_account c ON c.account_key = a.account_key
    CROSS JOIN (SELECT DISTINCT fkey FROM signature WHERE on_account) k
), multi_field AS (
    SELECT r.instance, r.account, r.fkey, r.value
    FROM attr_rows r
    SEMI JOIN (SELECT DISTINCT fkey FROM signature WHERE NOT on_account) k USING (fkey)
    SEMI JOIN candidate_account c ON c.instance = r.instance AND c.account = r.account
), account_hit AS (
    SELECT x.account_key, s.sig
    FROM account_field x
    JOIN signature s ON s.fkey = x.fkey AND s.on_account AND s.family IN ('eq', 'neq')
    JOIN signature_value v ON v.sig = s.sig AND v.value = x.value
    UNION ALL
    SELECT x.account_key, s.sig
    FROM account_field x JOIN signature s ON s.fkey = x.fkey AND s.on_account AND s.family = 'null'
    WHERE x.value IS NOT NULL
    UNION ALL
    SELECT x.account_key, s.sig
    FROM account_field x
    JOIN signature s ON s.fkey = x.fkey AND s.on_account AND s.family = 'other'
    LEFT JOIN signature_value v ON v.sig = s.sig
    WHERE crit_hit(s.operator, x.value, v.value, v.num, v.ts, $1)
), multi_hit AS (
    SELECT x.instance, x.account, s.sig
    FROM multi_field x
    JOIN signature s ON s.fkey = x.fkey AND NOT s.on_account AND s.family IN ('eq', 'neq')
    JOIN signature_value v ON v.sig = s.sig AND v.value = x.value
    UNION ALL
    SELECT x.instance, x.account, s.sig
    FROM multi_field x JOIN signature s ON s.fkey = x.fkey AND NOT s.on_account AND s.family = 'null'
    WHERE x.value IS NOT NULL
    UNION ALL
    SELECT x.instance, x.account, s.sig
    FROM multi_field x
    JOIN signature s ON s.fkey = x.fkey AND NOT s.on_account AND s.family = 'other'
    LEFT JOIN signature_value v ON v.sig = s.sig
    WHERE crit_hit(s.operator, x.value, v.value, v.num, v.ts, $1)
)
SELECT DISTINCT account_key, sig FROM account_hit
UNION ALL
-- several rows or values of an account can hit: DISTINCT; the rows name
-- their account, and deleted accounts never match
SELECT DISTINCT a.account_key, h.sig
FROM multi_hit h JOIN account_row a ON a.instance = h.instance AND a.account = h.account;

-- Each candidate's satisfied criteria: those whose signature its account
-- hits (positive operators) or misses (neq, null), and those the drivers
-- found.
CREATE OR REPLACE TEMP TABLE satisfied AS
SELECT c.account_key, c.rule_key, s.pos
FROM candidate c
JOIN criterion_signature s ON s.rule_key = c.rule_key AND s.family IN ('eq', 'other')
SEMI JOIN signature_hit h ON h.account_key = c.account_key AND h.sig = s.sig
UNION ALL
SELECT c.account_key, c.rule_key, s.pos
FROM candidate c
JOIN criterion_signature s ON s.rule_key = c.rule_key AND s.family IN ('neq', 'null')
ANTI JOIN signature_hit h ON h.account_key = c.account_key AND h.sig = s.sig
UNION ALL
SELECT * FROM drive_satisfied;

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
