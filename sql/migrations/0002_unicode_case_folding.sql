-- Unicode case folding for mode insensitive and the name shorthands (docs/api-conventions.md,
-- "Lists"). The cluster's ctype is C (initdb --no-locale), where lower() and ilike fold
-- ASCII letters only: "ärger" did not find "Ärger". ICU's root collation ("und-x-icu", built
-- into PostgreSQL 15 from Debian, deterministic) folds every script, so the list engine now
-- compares
--
--     lower(<column> collate "und-x-icu") collate "C"
--
-- with the operand folded the same way (app/list_filter.c, LIST_FOLD_*). The outer collate
-- "C" compares the folded text bytewise, as before, so LIKE prefixes (startsWith) and ranges
-- can still use a btree index; the index below is of exactly that expression (the planner
-- matches an index expression only when it is the same expression, in the same collation).
-- An index only: no function changes (docs/sql.md, "Rules").

drop index core.integrations_public_live_lower_name_idx;

-- name with mode insensitive: eq, in, startsWith, ranges over the public part of the scope
-- (replaces the baseline's integrations_public_live_lower_name_idx, from the old sql/011).
create index integrations_public_live_fold_name_idx
    on core.integrations ((lower(name collate "und-x-icu")) collate "C")
    where visibility = 'public' and deleted_at is null;
