-- Resolves exclusive field forces in `desired_before_exclusive` into `desired`. It reads
-- the assignments in effect, so it runs on every plan, also when
-- `desired_before_exclusive` comes from the evaluation cache. Parameters: $1 now.

-- Exclusive field forces: an account several territories of one want is a
-- conflict; the assignment that already exists is kept when there is exactly
-- one, otherwise none is created.
CREATE OR REPLACE TEMP TABLE conflict AS
WITH p AS (
    SELECT DISTINCT d.account, d.territory, t.field_force
    FROM desired_before_exclusive d JOIN r_territory t ON t.territory = d.territory
    WHERE t.exclusive
), multi AS (
    SELECT field_force, account FROM p GROUP BY field_force, account HAVING count(*) > 1
), mp AS (
    SELECT p.* FROM p SEMI JOIN multi m ON m.field_force = p.field_force AND m.account = p.account
), existing AS (
    -- the assignments in effect of the conflicting pairs only: the state
    -- holds millions, the conflicts a few hundred
    SELECT DISTINCT a.account, a.territory FROM account_territory a
    SEMI JOIN mp ON mp.account = a.account AND mp.territory = a.territory
    WHERE a.start_date <= $1 AND (a.end_date IS NULL OR a.end_date > $1)
)
SELECT p.field_force, p.account,
       list(p.territory ORDER BY p.territory) AS territories,
       CASE WHEN count(e.territory) = 1 THEN any_value(e.territory) END AS kept
FROM mp p
LEFT JOIN existing e ON e.account = p.account AND e.territory = p.territory
GROUP BY p.field_force, p.account;

-- One anti join on (account, territory): a correlated NOT EXISTS cost a
-- scan of the conflicts per desired row. The pairs dropped are the
-- conflict's own territories but the one kept: the other territories of the
-- field force are not in `desired_before_exclusive` for the account anyway, and joining
-- them all made a row per territory of the field force and conflict. A
-- view: the diff reads it once.
CREATE OR REPLACE TEMP VIEW desired AS
SELECT d.* FROM desired_before_exclusive d
ANTI JOIN (
    SELECT account, territory FROM (SELECT account, kept, unnest(territories) AS territory FROM conflict)
    WHERE territory IS DISTINCT FROM kept
) x ON x.account = d.account AND x.territory = d.territory;
