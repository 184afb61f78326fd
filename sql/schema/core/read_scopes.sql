-- Read scopes: who may read what, written once. Each is a single-expression SQL predicate
-- (stable, not strict, no security definer, no set clause) so that PostgreSQL inlines it into
-- the statement that calls it: the plan shows the expanded condition and uses the same partial
-- indexes as if it were written out. Every reader calls these, in SQL and in the workers' list
-- queries; C passes only values (the caller's workspaces, ids) as parameters, never the rule.
-- workspaces is the caller's workspaces (core.caller_workspaces; $1 of every list query).

/**
 * Integrations of the caller's own workspaces: any role reads them, soft-deleted ones too.
 */
create or replace function core.integration_in_own_scope(i core.integrations, workspaces text[])
returns boolean
language sql stable parallel safe
as $$
    select i.workspace_id = any (workspaces)
$$;

/**
 * Live public integrations (visibility becomes public only after review): everyone reads
 * them, and they appear in every list.
 */
create or replace function core.integration_in_public_scope(i core.integrations)
returns boolean
language sql stable parallel safe
as $$
    select i.visibility = 'public' and i.deleted_at is null
$$;

/**
 * Live unlisted integrations: anyone with the id reads them; another workspace's appears in a
 * list only when named in ids.
 */
create or replace function core.integration_in_unlisted_scope(i core.integrations)
returns boolean
language sql stable parallel safe
as $$
    select i.visibility = 'unlisted' and i.deleted_at is null
$$;

/**
 * The ids of the integrations granted to one of workspaces. Set-returning, so that it is
 * inlined where it is read in FROM: array(select g from core.integration_grants_to(ws) as g)
 * is one array computed once (an InitPlan), not a correlated EXISTS per row. (A scalar SQL
 * function holding that sub-select would not be inlined: PostgreSQL inlines no sub-select.)
 */
create or replace function core.integration_grants_to(workspaces text[])
returns setof text
language sql stable parallel safe
as $$
    select g.integration_id
    from core.integration_grants as g
    where g.workspace_id = any (workspaces)
$$;

/**
 * Live integrations granted to one of the caller's workspaces, whatever their visibility.
 * granted_ids is array(select g from core.integration_grants_to(workspaces) as g).
 */
create or replace function core.integration_in_granted_scope(i core.integrations, granted_ids text[])
returns boolean
language sql stable parallel safe
as $$
    select i.deleted_at is null and i.id = any (granted_ids)
$$;

/**
 * The by-id read rule of an integration (PRODUCT §3): own, public, unlisted or granted. A list
 * narrows it further (unlisted only when named in ids): see the scopes above. granted_ids as
 * for core.integration_in_granted_scope; it is computed only when the row is not own, public
 * or unlisted.
 */
create or replace function core.integration_in_read_scope(i core.integrations, workspaces text[],
                                                          granted_ids text[])
returns boolean
language sql stable parallel safe
as $$
    select core.integration_in_own_scope(i, workspaces)
        or core.integration_in_public_scope(i)
        or core.integration_in_unlisted_scope(i)
        or core.integration_in_granted_scope(i, granted_ids)
$$;

/**
 * Rows owned by a workspace (entities, installs and their history): readable by any role in
 * that workspace; soft-deleted (uninstalled) ones only when include_deleted. Takes the row's
 * columns so that every workspace-owned resource uses it; pass include_deleted as a constant
 * so that the planner folds it and the partial indexes on live rows still apply.
 */
create or replace function core.owned_in_scope(workspace_id text, deleted_at timestamptz,
                                               workspaces text[], include_deleted boolean)
returns boolean
language sql stable parallel safe
as $$
    select workspace_id = any (workspaces) and (include_deleted or deleted_at is null)
$$;
