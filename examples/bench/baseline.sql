-- The baseline: accounts matched to territories by one hand-written query
-- (baseline.go). Its input: the CRM tables loaded with read_csv (account,
-- numbered by the account key aid; address, affiliation, call, metric
-- keyed on aid), the rules as rows (baseline_rules.go: r_rule, r_drive,
-- r_geo_drive, r_sig, r_sig_value, r_mask, r_binding, r_geo), and attr, the
-- (aid, fkey, val) rows of the fields the rules read.
--
-- The joins run in the order written, the right side of each the hash
-- table (baseline.go turns DuckDB's join order optimizer off): the
-- candidates, tens of millions of rows on the ZIP-list mixes at 1M
-- accounts, stream through hash tables of rules, values and accounts, and
-- are never a hash table themselves, which the optimizer, unable to tell
-- how many there are, made them.
CREATE TABLE pairs AS
WITH geo AS NOT MATERIALIZED (
    -- the territories whose geographies hold the account's primary ZIP
    SELECT p.aid, g.territory FROM address p JOIN r_geo g ON g.key = '=' || p.postal_code__v
    WHERE p.primary__v = 'true'
    UNION ALL
    SELECT p.aid, g.territory FROM address p JOIN r_geo g ON g.key = '*' || left(p.postal_code__v, 3)
    WHERE p.primary__v = 'true'
), account_sig AS MATERIALIZED (
    -- the checks each account satisfies, as bits: a check is a signature
    -- (field, operator, values) shared by every rule that has it, so each
    -- attribute row meets each signature once (once per word that holds
    -- it), and a candidate's checks are one lookup of its account and its
    -- rule's word
    SELECT aid, word, bit_or(sig) AS sigs FROM (
        SELECT a.aid, s.word, s.sig FROM attr a JOIN r_sig_value s ON s.fkey = a.fkey AND s.value = a.val
        UNION ALL
        SELECT a.aid, s.word, s.sig FROM attr a JOIN r_sig s ON s.fkey = a.fkey
        WHERE CASE s.op
            WHEN 'gt' THEN try_cast(a.val AS DOUBLE) > s.num
            WHEN 'lt' THEN try_cast(a.val AS DOUBLE) < s.num
            WHEN 'after' THEN try_cast(a.val AS TIMESTAMP) > s.cut
            WHEN 'before' THEN try_cast(a.val AS TIMESTAMP) < s.cut
            ELSE false END
    )
    GROUP BY aid, word
), hit AS NOT MATERIALIZED (
    -- candidates: the drive criteria each account satisfies, one hash join
    -- of the attribute rows to the drivers' (field, value) rows; and the
    -- accounts of the territories' geographies for the rules driven so
    SELECT a.aid, d.rule, d.bit, d.single
    FROM attr a JOIN r_drive d ON d.fkey = a.fkey AND d.value = a.val
    UNION ALL
    SELECT g.aid, d.rule, 0::UBIGINT, d.single
    FROM geo g JOIN r_geo_drive d ON d.territory = g.territory
), candidate AS (
    -- a rule of one drive criterion: each hit is a candidate; a rule of
    -- several: the drive criteria a candidate hits, gathered
    SELECT aid, rule, bit AS drive_mask FROM hit WHERE single
    UNION ALL
    SELECT aid, rule, bit_or(bit) FROM hit WHERE NOT single GROUP BY aid, rule
), matched AS (
    -- the candidate's drive criteria and its account's checks of the rule
    -- are one of the rule's satisfying masks
    SELECT c.aid, c.rule
    FROM candidate c JOIN r_rule r ON r.rule = c.rule LEFT JOIN account_sig s ON s.aid = c.aid AND s.word = r.word
    SEMI JOIN r_mask m ON m.rule = c.rule AND m.drive_mask = c.drive_mask AND m.sig_mask = coalesce(s.sigs, 0) & r.check_sigs
)
-- each match to the rule's territories; a geography rule's only to those
-- whose geography holds the account's primary ZIP
SELECT m.aid, b.territory
FROM matched m JOIN r_rule r USING (rule) JOIN r_binding b USING (rule)
WHERE NOT r.geography
UNION
SELECT g.aid, g.territory
FROM geo g JOIN (SELECT m.aid, m.rule FROM matched m JOIN r_rule r USING (rule) WHERE r.geography) m ON m.aid = g.aid
SEMI JOIN r_binding b ON b.rule = m.rule AND b.territory = g.territory
