-- The targets of the cycle plans that count, each with whether its
-- territory holds the target's account before and after the plan.
-- Glossary:
--   counted         the cycle plans that count at now (decided in Go from
--                   their cycle's status and dates), with the config
--                   territory and the cycle of each
--   target          their mc_cycle_plan_target__v records whose account
--                   the instance has
--   held_before     (account, territory) pairs in effect at now or later
--                   in {{before}}, for the targets' pairs only
--   held_after      the same in {{after}}: the state as the apply leaves it
--   gained_in_cycle an account a territory gains (held after, not before)
--                   where that territory has a counted plan of the cycle
-- Parameters: $1 instances, $2 cycle plan ids, $3 territories, $4 cycles
-- (parallel lists, one element per counted plan), $5 now.
WITH counted AS MATERIALIZED (
    SELECT unnest($1::VARCHAR[]) AS instance, unnest($2::VARCHAR[]) AS cycle_plan,
           unnest($3::VARCHAR[]) AS territory, unnest($4::VARCHAR[]) AS cycle
),
target AS MATERIALIZED (
    SELECT c.instance, c.territory, c.cycle, c.cycle_plan, t.id AS target, t.target__v AS account,
           {{channel_goal}} AS channel_goal, {{product_goal}} AS product_goal
    FROM counted c
    JOIN crm_mc_cycle_plan_target__v t ON t._instance = c.instance AND t.cycle_plan__v = c.cycle_plan
    -- A target whose account the instance does not have is warned about.
    WHERE EXISTS (SELECT 1 FROM crm_account__v a WHERE a._instance = c.instance AND a.id = t.target__v)
),
-- Pairs held before and after, for the accounts of targets only.
held_before AS MATERIALIZED (
    SELECT DISTINCT h.account, h.territory FROM {{before}} h
    WHERE (h.end_date IS NULL OR h.end_date > $5)
      AND h.account IN (SELECT account FROM target)
),
held_after AS MATERIALIZED (
    SELECT DISTINCT h.account, h.territory FROM {{after}} h
    WHERE (h.end_date IS NULL OR h.end_date > $5)
      AND h.account IN (SELECT account FROM target)
),
gained_in_cycle AS (
    SELECT g.account, c.cycle, list(DISTINCT g.territory ORDER BY g.territory) AS territories
    FROM (SELECT account, territory FROM held_after EXCEPT SELECT account, territory FROM held_before) g
    JOIN (SELECT DISTINCT territory, cycle FROM counted) c ON c.territory = g.territory
    GROUP BY g.account, c.cycle
)
SELECT t.territory, t.cycle, t.cycle_plan, t.target, t.account,
       coalesce(t.channel_goal, ''), coalesce(t.product_goal, ''),
       b.account IS NOT NULL AS held_before, a.account IS NOT NULL AS held_after,
       -- the territories that gain the account in this cycle, other than
       -- the target's own
       array_to_string(list_filter(coalesce(g.territories, []::VARCHAR[]), lambda x: x <> t.territory), ',')
FROM target t
LEFT JOIN held_before b ON b.account = t.account AND b.territory = t.territory
LEFT JOIN held_after a ON a.account = t.account AND a.territory = t.territory
LEFT JOIN gained_in_cycle g ON g.account = t.account AND g.cycle = t.cycle
-- A target the territory holds neither before nor after is not at stake.
WHERE b.account IS NOT NULL OR a.account IS NOT NULL
ORDER BY t.territory, t.cycle_plan, t.account, t.target
