-- Callers: what the worker-built caller document ({"sub", "workspaces": {ws: role},
-- "roles": [...]}) says about the caller's workspace roles and platform roles. Every
-- authorization check of the api functions goes through these.

/**
 * The caller's role in a workspace (owner, admin, member or viewer), or null when it has none.
 * caller is the worker-built {"sub", "workspaces": {ws: role}, "roles": [...]}; anything
 * malformed in it reads as "no role" rather than failing.
 */
create or replace function core.caller_role(caller jsonb, workspace_id text) returns text
language sql immutable parallel safe
as $$
    select case
        when caller -> 'workspaces' ->> workspace_id in ('owner', 'admin', 'member', 'viewer')
        then caller -> 'workspaces' ->> workspace_id
    end
$$;

/**
 * The workspaces in which the caller holds a role; none when caller is malformed.
 */
create or replace function core.caller_workspaces(caller jsonb) returns setof text
language sql immutable parallel safe
as $$
    select w
    from jsonb_object_keys(case when jsonb_typeof(caller -> 'workspaces') = 'object'
                                then caller -> 'workspaces' end) as w
    where core.caller_role(caller, w) is not null
$$;

/**
 * Whether the caller holds one of roles in the workspace.
 */
create or replace function core.caller_has_role(caller jsonb, workspace_id text, variadic roles text[])
returns boolean
language sql immutable parallel safe
as $$
    select coalesce(core.caller_role(caller, workspace_id) = any (roles), false)
$$;

/**
 * Whether the caller holds a platform-wide role (platform_admin, platform_reviewer), granted
 * by the token's roles array independently of any workspace.
 */
create or replace function core.caller_has_platform_role(caller jsonb, role text) returns boolean
language sql immutable parallel safe
as $$
    select coalesce(jsonb_typeof(caller -> 'roles') = 'array' and caller -> 'roles' ? role, false)
$$;
