-- The match step, run for the account rules and again for the hierarchy
-- rules: which criteria each candidate satisfies, and the match logic over
-- candidates only. Parameters: $1 now. Reads `candidate` (account_key, rule_key),
-- the criteria the drivers decided (`drive_satisfied`, `drive_decided`) and
-- the streamed rules with the drivers' rows (`streamed_rule`, `drive_row`),
-- all but `candidate` empty for the hierarchy rules; writes the streamed
-- rules' matches (`streamed_match`), `satisfied` (account_key, rule_key, pos)
-- and `matched` (account_key, instance, account, rule_key).

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
-- The streamed rules' matches (streamed_rule in rules_drive.sql), in one
-- statement from the drivers' rows: each hit meets its rule's one check
-- as it streams by, through a hash table of the accounts' answers to the
-- checks' signatures (one row per account and signature its value is in:
-- a few per account), and only the matches are kept. An inequality holds
-- where its list's signature misses, a missing value included, as in
-- `satisfied` below.
CREATE OR REPLACE TEMP TABLE streamed_check AS
WITH value_list AS (
    SELECT s.rule_key, list(v.value ORDER BY v.value) AS vals
    FROM streamed_rule s JOIN r_value v ON v.rule_key = s.rule_key AND v.pos = s.check_pos
    GROUP BY s.rule_key
)
SELECT s.rule_key, k.fkey, k.family = 'neq' AS negate,
       dense_rank() OVER (ORDER BY k.fkey, l.vals) AS sig
FROM streamed_rule s
JOIN r_crit k ON k.rule_key = s.rule_key AND k.pos = s.check_pos
LEFT JOIN value_list l ON l.rule_key = s.rule_key;

CREATE OR REPLACE TEMP TABLE streamed_signature_hit AS
SELECT a.account_key, v.sig
FROM account_row a
CROSS JOIN (SELECT DISTINCT fkey FROM streamed_check) k
JOIN (
    SELECT DISTINCT c.sig, c.fkey, v.value
    FROM streamed_check c
    JOIN streamed_rule s ON s.rule_key = c.rule_key
    JOIN r_value v ON v.rule_key = s.rule_key AND v.pos = s.check_pos
) v ON v.fkey = k.fkey AND v.value = account_value(k.fkey);

CREATE OR REPLACE TEMP TABLE streamed_match AS
WITH driver AS (
    SELECT k.fkey, v.value, s.rule_key, c.sig, coalesce(c.negate, false) AS negate
    FROM streamed_rule s
    JOIN r_crit k ON k.rule_key = s.rule_key AND k.pos = s.drive_pos
    JOIN r_value v ON v.rule_key = s.rule_key AND v.pos = s.drive_pos
    LEFT JOIN streamed_check c ON c.rule_key = s.rule_key
)
SELECT DISTINCT r.account_key, d.rule_key
FROM drive_row r
JOIN driver d ON d.fkey = r.fkey AND d.value = r.value
LEFT JOIN streamed_signature_hit h ON h.account_key = r.account_key AND h.sig = d.sig
WHERE d.sig IS NULL OR ((h.sig IS NOT NULL) <> d.negate);

-- criterion_signature: the signature of every criterion the match step
-- checks (those the drivers did not decide, of rules with candidates).
CREATE OR REPLACE TEMP TABLE criterion_signature AS
WITH checked AS (
    SELECT * FROM r_crit
    SEMI JOIN (SELECT rule_key FROM candidate UNION SELECT rule_key FROM masked_rule) c USING (rule_key)
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
-- Only the candidates' accounts, and the masked rules' drivers', are read:
-- nearly all of them for a plan, one for explain.
CREATE OR REPLACE TEMP TABLE signature_hit AS
WITH candidate_account AS MATERIALIZED (
    SELECT a.instance, a.account, a.account_key
    FROM account_row a SEMI JOIN (
        SELECT account_key FROM candidate
        UNION ALL
        SELECT account_key FROM drive_row WHERE EXISTS (SELECT 1 FROM masked_rule)
    ) c ON c.account_key = a.account_key
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

-- Each candidate's satisfied criteria among those the match step checks:
-- those whose signature its account hits (positive operators) or misses
-- (neq, null). The criteria the drivers decided are in `drive_satisfied`.
CREATE OR REPLACE TEMP TABLE satisfied AS
SELECT c.account_key, c.rule_key, s.pos
FROM candidate c
JOIN criterion_signature s ON s.rule_key = c.rule_key AND s.family IN ('eq', 'other')
SEMI JOIN signature_hit h ON h.account_key = c.account_key AND h.sig = s.sig
UNION ALL
SELECT c.account_key, c.rule_key, s.pos
FROM candidate c
JOIN criterion_signature s ON s.rule_key = c.rule_key AND s.family IN ('neq', 'null')
ANTI JOIN signature_hit h ON h.account_key = c.account_key AND h.sig = s.sig;

-- The masked rules' matches (masked_rule in rules_drive.sql): each hit of
-- a driver's value gets its mask, the drivers' bits and those of the
-- rule's other criteria that the account's signatures satisfy (a negative
-- one where its signature misses), through a hash table of one row per
-- account. Only the matches are kept: the mask holds every criterion
-- (`all`), any (`any`, which its driver satisfies), or is one of the
-- expression's masks. A hit's repeats (two addresses in one ZIP list) make
-- the same mask, which DISTINCT makes one match.
CREATE OR REPLACE TEMP TABLE account_signature AS
SELECT account_key, list(sig) AS sigs
FROM signature_hit
WHERE EXISTS (SELECT 1 FROM masked_rule)
GROUP BY account_key;

CREATE OR REPLACE TEMP TABLE masked_match AS
WITH rule_check AS (
    SELECT c.rule_key,
           list({'bit': 1::BIGINT << (c.pos - 1), 'sig': c.sig, 'negate': c.family IN ('neq', 'null')}) AS checks
    FROM criterion_signature c SEMI JOIN masked_rule USING (rule_key)
    GROUP BY c.rule_key
), required AS (
    -- the criteria every expression mask holds
    SELECT rule_key, bit_and(mask) AS bits FROM r_mask SEMI JOIN masked_rule USING (rule_key) GROUP BY rule_key
), sig_rows AS (
    SELECT sig, count(*) AS n FROM signature_hit GROUP BY sig
), rule_filter AS (
    -- the rarest signature a match needs, if any: a hit without it is
    -- dropped by a hash join on (account, signature) before its mask
    SELECT c.rule_key, arg_min(c.sig, coalesce(n.n, 0)) AS sig
    FROM criterion_signature c
    JOIN masked_rule m ON m.rule_key = c.rule_key
    JOIN r_rule r ON r.rule_key = c.rule_key
    LEFT JOIN required q ON q.rule_key = c.rule_key
    LEFT JOIN sig_rows n ON n.sig = c.sig
    WHERE c.family IN ('eq', 'other')
      AND (r.match = 'all' OR (r.match = 'expr' AND q.bits & (1::BIGINT << (c.pos - 1)) <> 0))
    GROUP BY c.rule_key
), driver AS (
    -- everything the mask needs but the lists, so that no join after the
    -- hits' makes the optimizer take them for few
    SELECT k.fkey, v.value, m.rule_key, m.drivers, f.sig AS filter, r.match, r.n_crit,
           1::BIGINT << (m.drive_pos - 1) AS drive_bit
    FROM masked_rule m
    JOIN r_rule r ON r.rule_key = m.rule_key
    JOIN r_crit k ON k.rule_key = m.rule_key AND k.pos = m.drive_pos
    JOIN r_value v ON v.rule_key = m.rule_key AND v.pos = m.drive_pos
    LEFT JOIN rule_filter f ON f.rule_key = m.rule_key
), drive_hit AS (
    -- a rule of one driver: each hit as it is
    SELECT r.account_key, d.rule_key, d.match, d.n_crit, d.drive_bit
    FROM drive_row r
    JOIN driver d ON d.fkey = r.fkey AND d.value = r.value
    LEFT JOIN signature_hit h ON h.account_key = r.account_key AND h.sig = d.filter
    WHERE d.drivers = 1 AND (d.filter IS NULL OR h.sig IS NOT NULL)
    UNION ALL
    -- a rule of several (an expression's drive set): an account satisfies
    -- each driver it has a hit of, its bits gathered
    SELECT r.account_key, d.rule_key, any_value(d.match), any_value(d.n_crit), bit_or(d.drive_bit)
    FROM drive_row r
    JOIN driver d ON d.fkey = r.fkey AND d.value = r.value
    LEFT JOIN signature_hit h ON h.account_key = r.account_key AND h.sig = d.filter
    WHERE d.drivers > 1 AND (d.filter IS NULL OR h.sig IS NOT NULL)
    GROUP BY r.account_key, d.rule_key
), hit AS (
    SELECT h.account_key, h.rule_key, h.match, h.n_crit,
           h.drive_bit + coalesce(list_sum([x.bit FOR x IN c.checks
               IF coalesce(list_contains(s.sigs, x.sig), false) <> x.negate])::BIGINT, 0) AS mask
    FROM drive_hit h
    LEFT JOIN rule_check c ON c.rule_key = h.rule_key
    LEFT JOIN account_signature s ON s.account_key = h.account_key
)
-- r_mask by a hash join: EXISTS made a delim join, which holds every hit
SELECT DISTINCT h.account_key, h.rule_key
FROM hit h
LEFT JOIN r_mask e ON e.rule_key = h.rule_key AND e.mask = h.mask
WHERE h.match = 'any'
   OR (h.match = 'all' AND bit_count(h.mask) = h.n_crit)
   OR (h.match = 'expr' AND e.rule_key IS NOT NULL);

-- Match logic: all criteria, any criterion, or an expression given as the
-- set of satisfied-criteria masks that make it true. One row per account
-- and rule; the account's strings come back here (`pairs` joins on them).
--
-- A candidate of a `match: all` rule satisfies the criterion that drove it
-- (an all-rule is driven by one criterion, its geography or a scan), so it
-- matches when it satisfies each criterion the match step checked: every
-- candidate when there is none (a rule of one ZIP list), each row of
-- `satisfied` when there is one (a ZIP list and a specialty list), a mask
-- per candidate only when there are more. The drivers' hits, at least one
-- per candidate and as many rows as the candidates, are so never grouped
-- for them. `any` and expression rules group every satisfied criterion,
-- the decided ones too, into a mask; a candidate with none satisfied
-- matches only an expression true of the empty set (`NOT 1`). A candidate
-- met twice by its driver (two addresses in one ZIP list) stands twice in
-- `candidate` and `satisfied`: the masks are bit_or, and the last DISTINCT
-- makes one row of it.
CREATE OR REPLACE TEMP TABLE matched AS
WITH checks AS (
    SELECT r.rule_key, r.match, r.n_crit - (SELECT count(*) FROM drive_decided d WHERE d.rule_key = r.rule_key) AS n
    FROM r_rule r
), all_checked AS (
    SELECT s.account_key, s.rule_key, bit_count(bit_or(1::BIGINT << (s.pos - 1))) AS n
    FROM satisfied s SEMI JOIN checks k ON k.rule_key = s.rule_key AND k.match = 'all' AND k.n > 1
    GROUP BY s.account_key, s.rule_key
), mask_rule AS (
    SELECT rule_key FROM r_rule WHERE match <> 'all'
), mask_satisfied AS (
    SELECT account_key, rule_key, pos FROM satisfied SEMI JOIN mask_rule USING (rule_key)
    UNION ALL
    SELECT account_key, rule_key, pos FROM drive_satisfied SEMI JOIN mask_rule USING (rule_key)
), satisfied_mask AS (
    SELECT account_key, rule_key, bit_or(1::BIGINT << (pos - 1)) AS mask
    FROM mask_satisfied
    GROUP BY account_key, rule_key
), m AS (
    SELECT c.account_key, c.rule_key
    FROM candidate c SEMI JOIN checks k ON k.rule_key = c.rule_key AND k.match = 'all' AND k.n = 0
    UNION ALL
    SELECT s.account_key, s.rule_key
    FROM satisfied s SEMI JOIN checks k ON k.rule_key = s.rule_key AND k.match = 'all' AND k.n = 1
    UNION ALL
    SELECT a.account_key, a.rule_key
    FROM all_checked a JOIN checks k USING (rule_key)
    WHERE a.n = k.n
    UNION ALL
    SELECT p.account_key, p.rule_key
    FROM satisfied_mask p JOIN r_rule r USING (rule_key)
    WHERE r.match = 'any'
       OR (r.match = 'expr' AND EXISTS (SELECT 1 FROM r_mask m WHERE m.rule_key = p.rule_key AND m.mask = p.mask))
    UNION ALL
    SELECT account_key, rule_key FROM streamed_match
    UNION ALL
    SELECT account_key, rule_key FROM masked_match
    UNION ALL
    SELECT c.account_key, c.rule_key
    FROM candidate c
    SEMI JOIN r_mask e ON e.rule_key = c.rule_key AND e.mask = 0
    SEMI JOIN r_rule r ON r.rule_key = c.rule_key AND r.match = 'expr'
    ANTI JOIN satisfied_mask s ON s.account_key = c.account_key AND s.rule_key = c.rule_key
)
SELECT m.account_key, a.instance, a.account, m.rule_key
FROM (SELECT DISTINCT account_key, rule_key FROM m) m JOIN account_row a ON a.account_key = m.account_key;
