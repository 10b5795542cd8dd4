-- queries_erasure.sql -- erasing a child on a legal request (sql/0100).

-- name: child_erase
-- $1 child id, $2 who ("key:NAME", "cli:USER"), $3 the legal reason.  The
-- tombstone's id, or NULL when the id was never a child.
SELECT powermap_erase_child($1::bigint, $2, $3)

-- name: erasure_json
-- $1 tombstone id.
SELECT json_build_object('id', id, 'child_id', child_id, 'erased_at', erased_at,
                         'erased_by', erased_by, 'legal_reason', legal_reason)::text
FROM erasures WHERE id = $1::bigint
