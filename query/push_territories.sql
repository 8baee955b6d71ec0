-- The territory__v writes of a push of one instance.
-- $1 instance, $2 selected countries (empty: all), $3 now,
-- $4 true for every territory, else $5 the territories in scope.
WITH RECURSIVE depth(id, depth) AS (
    SELECT id, 0 FROM territory WHERE instance = $1 AND parent IS NULL
    UNION ALL
    SELECT t.id, depth.depth + 1 FROM territory t JOIN depth ON t.parent = depth.id WHERE t.instance = $1
), ids AS (
    -- each territory's record: the one the state holds while it exists
    -- (neither deleted by a push nor, as an import learnt, in the CRM),
    -- else one of the same name__v in the imported CRM data
    SELECT t.*, dp.depth,
           CASE WHEN t.crm_deleted_at IS NULL
                 AND NOT EXISTS (SELECT 1 FROM crm_deletion x WHERE x.instance = $1 AND x.object = 'territory__v' AND x.id = t.crm_record_id)
                THEN coalesce(t.crm_record_id, c.id) ELSE c.id END AS crm_id,
           (t.start_date IS NULL OR t.start_date <= $3) AND (t.end_date IS NULL OR t.end_date > $3) AS active,
           t.send_to_crm AND (len($2::VARCHAR[]) = 0 OR list_contains($2::VARCHAR[], t.country)) AS pushable
    FROM territory t
    LEFT JOIN (SELECT name__v, min(id) AS id FROM crm_territory__v WHERE _instance = $1 GROUP BY name__v) c ON c.name__v = t.id
    LEFT JOIN depth dp ON dp.id = t.id
    WHERE t.instance = $1
), known AS (
    -- the parent record a write names now: its id, or "pending" when this
    -- push creates the parent first, or '' when the parent has no record
    SELECT k.*,
           CASE WHEN p.crm_id IS NOT NULL THEN p.crm_id
                WHEN p.active AND p.pushable AND ($4 OR list_contains($5::VARCHAR[], p.id)) THEN '(pending)'
                ELSE '' END AS parent_record
    FROM ids k LEFT JOIN ids p ON p.id = k.parent
    WHERE k.pushable AND ($4 OR list_contains($5::VARCHAR[], k.id))
)
-- Every active territory with a record is listed: "changed" says the config
-- changed it since its last push; one that did not is written only when the
-- CRM's record no longer holds what was pushed (drift), which the caller
-- decides against the record as last imported.
SELECT CASE WHEN crm_id IS NULL THEN 'create' ELSE 'update' END AS action, id, coalesce(crm_id, '') AS crm_id,
       name, coalesce(parent, '') AS parent, country, coalesce(depth, 0) AS depth, coalesce(attributes, '') AS attributes,
       (crm_id IS NULL OR pushed_at IS NULL OR updated_at > pushed_at
        OR coalesce(pushed_parent, '') <> parent_record) AS changed
FROM known
WHERE active
UNION ALL
-- past their end date: the record goes
SELECT 'delete', id, crm_id, name, coalesce(parent, ''), country, coalesce(depth, 0), '', true
FROM known
WHERE NOT active AND end_date <= $3 AND crm_id IS NOT NULL
UNION ALL
-- left behind in this instance by a territory that moved to another one
SELECT 'delete', r.territory, r.crm_record_id, '', '', '', 0, '', true
FROM territory_retired r
WHERE r.instance = $1 AND r.deleted_at IS NULL AND ($4 OR list_contains($5::VARCHAR[], r.territory))
ORDER BY depth, id
