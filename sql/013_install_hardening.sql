-- Install hardening (docs/sql.md, "Install hardening"): what a publisher writes into an
-- integration's variables schema can no longer stall the workers or break an install, an
-- install lands only where its destination workspace may read the integration, and entity
-- creates and installs take slugs of one workspace one at a time.

-- ------------------------------------------------------------------ variables schema rules

/**
 * Why pattern can not be used in a variables schema, or null when it can. PostgreSQL
 * compiles a pattern into an automaton on every call (installs and upgrades check every
 * variable against its pattern), and a bounded repeat is compiled by copying its operand
 * once per count: (((a{1,40}){1,40}){1,40}) takes about half a second to compile here,
 * longer ones seconds, before a single character is matched. The rule keeps the compiled
 * size small and so the cost of a compile and a match bounded, whatever the input:
 *   - at most 256 characters;
 *   - no embedded options other than (?i) / (?c) at the start, no *** director (they change
 *     the syntax this scan reads);
 *   - no back-references (\1 … \9): they make matching backtrack;
 *   - no quantifier (*, +, ?, {m}, {m,}, {m,n}) applied to a group that already holds a
 *     quantifier: (a+)+, (a*)*, (a{2}){3}, ((ab)?c)* are refused; a+b*, (ab|cd){1,9} are
 *     fine;
 *   - bounded repeats cost at most 1,000 in all, a repeat costing its larger count times
 *     the length of the text it repeats: \w{0,255} costs 510, (ab|cd){1,9} 63, and
 *     \w{0,255} four times (3 ms to compile) or (ab|cd|ef|gh|ij|kl|mn|op){0,250} (35 ms)
 *     are refused;
 *   - it compiles (a pattern that does not is refused too: it could never match).
 * The scan reads the pattern once, skipping escapes and bracket expressions; only a
 * pattern it accepts is then compiled, once.
 */
create or replace function core.regex_pattern_problem(pattern text) returns text
language plpgsql immutable strict parallel safe
as $$
declare
    n int := length(pattern);
    pos int := 1;
    c text;
    d text;
    close int;
    -- Per open group (index 1: the whole pattern): whether a quantifier occurs inside it.
    holds_quantifier boolean[] := array[false];
    depth int := 1;
    group_quantified boolean := false; -- the token just read is a group that holds a quantifier
    was_group_quantified boolean;
    after_quantifier boolean := false; -- the token just read is a quantifier
    was_quantifier boolean;
    bound text[];
    cost numeric := 0;
    atom_start int;             -- where the token a quantifier would apply to starts
    group_start int[] := array[1];
begin
    if n > 256 then
        return 'is longer than 256 characters';
    end if;
    if left(pattern, 3) = '***' then
        return 'uses a *** director, which is not supported';
    end if;
    if pattern ~ '^\(\?[a-z]*\)' then
        if substring(pattern from '^\(\?([a-z]*)\)') !~ '^[ci]+$' then
            return 'uses embedded options other than (?i) and (?c), which are not supported';
        end if;
        pos := strpos(pattern, ')') + 1;
    end if;

    while pos <= n loop
        c := substr(pattern, pos, 1);
        was_group_quantified := group_quantified;
        was_quantifier := after_quantifier;
        group_quantified := false;
        after_quantifier := false;
        if c = '\' then
            atom_start := pos;
            d := substr(pattern, pos + 1, 1);
            if d between '1' and '9' then
                return 'uses a back-reference (\' || d || '), which is not supported';
            end if;
            pos := pos + 2;
        elsif c = '[' then
            atom_start := pos;
            pos := pos + 1;
            if substr(pattern, pos, 1) = '^' then
                pos := pos + 1;
            end if;
            if substr(pattern, pos, 1) = ']' then
                pos := pos + 1;
            end if;
            loop
                exit when pos > n;
                if substr(pattern, pos, 2) in ('[:', '[.', '[=') then
                    close := strpos(substr(pattern, pos + 2), substr(pattern, pos + 1, 1) || ']');
                    pos := case when close = 0 then n + 1 else pos + close + 3 end;
                elsif substr(pattern, pos, 1) = '\' then
                    pos := pos + 2;
                elsif substr(pattern, pos, 1) = ']' then
                    pos := pos + 1;
                    exit;
                else
                    pos := pos + 1;
                end if;
            end loop;
        elsif c = '(' then
            group_start[depth + 1] := pos;
            pos := pos + 1;
            if substr(pattern, pos, 1) = '?' then
                -- (?:, (?=, (?!, (?<=, (?<!
                pos := pos + case when substr(pattern, pos + 1, 1) = '<' then 3 else 2 end;
            end if;
            depth := depth + 1;
            holds_quantifier[depth] := false;
        elsif c = ')' then
            pos := pos + 1;
            if depth > 1 then
                atom_start := group_start[depth];
                group_quantified := holds_quantifier[depth];
                depth := depth - 1;
                holds_quantifier[depth] := holds_quantifier[depth] or group_quantified;
            end if;
        elsif c in ('*', '+', '?')
              or (c = '{' and substr(pattern, pos) ~ '^\{[0-9]+(,[0-9]*)?\}') then
            if c = '?' and was_quantifier then
                -- a non-greedy quantifier (a+?, a{2,3}?): one quantifier still
                pos := pos + 1;
                continue;
            end if;
            if was_group_quantified then
                return 'applies a quantifier to a group that already holds one (as in (a+)+ or '
                       || '(a{1,9}){1,9}), which costs too much to compile';
            end if;
            if c = '{' then
                bound := regexp_match(substr(pattern, pos), '^\{([0-9]+)(?:,([0-9]*))?\}');
                cost := cost + greatest(bound[1]::numeric, coalesce(nullif(bound[2], '')::numeric, 0))
                               * (pos - coalesce(atom_start, pos - 1));
                if cost > 1000 then
                    return 'repeats too much: its bounded repeats (count times the length of what '
                           || 'they repeat) add up to more than 1000';
                end if;
                pos := pos + length(bound[1]) + coalesce(length(bound[2]) + 1, 0) + 2;
            else
                pos := pos + 1;
            end if;
            holds_quantifier[depth] := true;
            after_quantifier := true;
        else
            atom_start := pos;
            pos := pos + 1;
        end if;
    end loop;

    begin
        perform '' ~ pattern;
    exception when invalid_regular_expression then
        return 'is not a valid regular expression';
    end;
    return null;
end
$$;

/**
 * The problems of a variables schema (as written on an integration, or snapshotted by
 * publish), as a JSON array of {"path": "/variablesSchema/…", "message"}, in path order;
 * empty when there are none:
 *   - every name of the top-level properties (the variables an install has, and what a
 *     {{name}} placeholder names) must match ^[A-Za-z_][A-Za-z0-9_]{0,63}$: the placeholder
 *     syntax accepts exactly such names (core.json_placeholders, core.placeholders_fill),
 *     so a variable that no placeholder could name, or whose name holds placeholder or
 *     JSON syntax, cannot exist;
 *   - every pattern, at any depth (properties, items), must pass core.regex_pattern_problem,
 *     and there are at most 32 of them: a pattern's compile costs up to a few milliseconds,
 *     and a worker keeps its last 32 compiled patterns, so the installs of one integration
 *     compile them once per worker, and never more than about 0.1 s per install.
 * Other keywords are not checked: core.json_schema_errors ignores what it does not know.
 */
create or replace function core.variables_schema_problems(schema jsonb) returns jsonb
language sql immutable parallel safe
as $$
    with recursive nodes (pointer, node, top) as (
        select '/variablesSchema', schema, true
        where jsonb_typeof(schema) = 'object'
      union all
        select n.pointer || s.pointer, s.node, false
        from nodes as n
        cross join lateral (
            select '/properties/' || core.json_pointer_token(p.key), p.value
            from jsonb_each(case when jsonb_typeof(n.node -> 'properties') = 'object'
                                 then n.node -> 'properties' else '{}' end) as p
            union all
            select '/items', n.node -> 'items'
            where jsonb_typeof(n.node -> 'items') = 'object'
            union all
            select '/items/' || (e.n - 1), e.value
            from jsonb_array_elements(case when jsonb_typeof(n.node -> 'items') = 'array'
                                           then n.node -> 'items' else '[]' end)
                 with ordinality as e (value, n)
        ) as s (pointer, node)
        where jsonb_typeof(s.node) = 'object'
    ), problems (path, message) as (
        select '/variablesSchema/properties/' || core.json_pointer_token(p.key),
               'is not a valid variable name: it must match ^[A-Za-z_][A-Za-z0-9_]{0,63}$ '
               || '(what a {{name}} placeholder can name)'
        from jsonb_each(case when jsonb_typeof(schema -> 'properties') = 'object'
                             then schema -> 'properties' else '{}' end) as p
        where p.key !~ '^[A-Za-z_][A-Za-z0-9_]{0,63}$'
      union all
        select '/variablesSchema', 'holds more than 32 patterns'
        where (select count(*) from nodes as n where jsonb_typeof(n.node -> 'pattern') = 'string') > 32
      union all
        select n.pointer || '/pattern', 'is refused: the pattern ' || x.problem
        from nodes as n
        cross join lateral (select core.regex_pattern_problem(n.node ->> 'pattern') as problem) as x
        where jsonb_typeof(n.node -> 'pattern') = 'string' and x.problem is not null
    )
    select coalesce(jsonb_agg(jsonb_build_object('path', p.path, 'message', p.message)
                              order by p.path), '[]')
    from problems as p
$$;

/**
 * Refuses a variables schema with problems (core.variables_schema_problems) where one is
 * written: an integration's draft (create, patch; an unchanged schema is not checked again,
 * so a row written before this rule can still be edited otherwise) and a version's snapshot
 * (publish: a draft written before the rule cannot be published until it is fixed).
 * Raises INR22 (422 pattern_too_complex) when a pattern is refused (or there are too
 * many), IN422 (422
 * validation_failed) otherwise; detail: the problems as the errors array.
 */
create or replace function core.variables_schema_check() returns trigger
language plpgsql
as $$
declare
    -- tg_argv[0]: the column that holds the schema.
    problems jsonb := core.variables_schema_problems(to_jsonb(new) -> tg_argv[0]);
begin
    if jsonb_array_length(problems) > 0 then
        raise exception using
            errcode = case when exists (select from jsonb_array_elements(problems) as p (value)
                                        where p.value ->> 'path' like '%/pattern'
                                           or p.value ->> 'path' = '/variablesSchema')
                           then 'INR22' else 'IN422' end,
            message = 'The variables schema is refused: see errors for each problem.',
            detail = problems::text;
    end if;
    return new;
end
$$;

create or replace trigger integrations_variables_schema_insert
    before insert on core.integrations
    for each row
    when (new.variables_schema is distinct from '{}'::jsonb)
    execute function core.variables_schema_check('variables_schema');
create or replace trigger integrations_variables_schema_update
    before update of variables_schema on core.integrations
    for each row
    when (new.variables_schema is distinct from old.variables_schema)
    execute function core.variables_schema_check('variables_schema');
create or replace trigger integration_versions_variables_schema_insert
    before insert on core.integration_versions
    for each row
    when (new.variables_schema_snapshot is distinct from '{}'::jsonb)
    execute function core.variables_schema_check('variables_schema_snapshot');

-- ------------------------------------------------------------------ installing and filling

/**
 * Checks instance against schema, a JSON Schema restricted to type (a name or an array of
 * names), enum, minimum, maximum, minLength, maxLength, pattern, items (one schema for every
 * element, or an array of schemas by position), required and properties; other keywords, and
 * keywords whose value has the wrong type, are ignored. Returns one row per problem: the
 * JSON pointer of the offending value (pointer is the instance's own) and a sentence.
 * A value of the wrong type gets that one problem and no others. Lengths count characters.
 * A pattern that core.regex_pattern_problem refuses (too costly, or not a valid regular
 * expression) is never run: it is reported as a problem of the value (the schema is the
 * publisher's, the install request cannot fix it, but it must neither fail nor stall).
 * Since sql/013 no such pattern can be written or published; versions published before
 * may still hold one.
 * (Replaces the definition of sql/005, which compiled every pattern.)
 */
create or replace function core.json_schema_errors(schema jsonb, instance jsonb, pointer text)
returns table (path text, message text)
language plpgsql immutable parallel safe
as $$
declare
    kind text := jsonb_typeof(instance);
    is_integer boolean := case when jsonb_typeof(instance) = 'number'
                               then instance::numeric = trunc(instance::numeric) else false end;
    types text[];
    characters int;
    name text;
    sub jsonb;
    element jsonb;
    n bigint;
    refused text;
begin
    if jsonb_typeof(schema) is distinct from 'object' then
        return;
    end if;

    if jsonb_typeof(schema -> 'type') in ('string', 'array') then
        types := array(select jsonb_array_elements_text(
                           case jsonb_typeof(schema -> 'type')
                               when 'array' then schema -> 'type'
                               else jsonb_build_array(schema -> 'type') end));
        if not exists (select from unnest(types) as t (name)
                       where t.name = kind or (t.name = 'integer' and is_integer)) then
            return query select pointer, 'must be of type ' || array_to_string(types, ' or ');
            return;
        end if;
    end if;

    if jsonb_typeof(schema -> 'enum') = 'array'
       and not exists (select from jsonb_array_elements(schema -> 'enum') as e (value)
                       where e.value = instance) then
        return query
            select pointer,
                   'must be one of ' || (select string_agg(e.value::text, ', ')
                                         from jsonb_array_elements(schema -> 'enum') as e (value));
    end if;

    if kind = 'number' then
        if jsonb_typeof(schema -> 'minimum') = 'number'
           and instance::numeric < (schema -> 'minimum')::numeric then
            return query select pointer, 'must be at least ' || (schema -> 'minimum')::text;
        end if;
        if jsonb_typeof(schema -> 'maximum') = 'number'
           and instance::numeric > (schema -> 'maximum')::numeric then
            return query select pointer, 'must be at most ' || (schema -> 'maximum')::text;
        end if;
    elsif kind = 'string' then
        characters := length(instance #>> '{}');
        if jsonb_typeof(schema -> 'minLength') = 'number'
           and characters < (schema -> 'minLength')::numeric then
            return query
                select pointer, format('must be at least %s characters long', schema -> 'minLength');
        end if;
        if jsonb_typeof(schema -> 'maxLength') = 'number'
           and characters > (schema -> 'maxLength')::numeric then
            return query
                select pointer, format('must be at most %s characters long', schema -> 'maxLength');
        end if;
        if jsonb_typeof(schema -> 'pattern') = 'string' then
            refused := core.regex_pattern_problem(schema ->> 'pattern');
            if refused is not null then
                -- Never compiled: it could cost seconds (a snapshot written before sql/013).
                return query
                    select pointer, 'cannot be checked: the variables schema''s pattern ' || refused;
            elsif (instance #>> '{}') !~ (schema ->> 'pattern') then
                return query select pointer, 'must match the pattern ' || (schema ->> 'pattern');
            end if;
        end if;
    elsif kind = 'array' and jsonb_typeof(schema -> 'items') in ('object', 'array') then
        for element, n in select e.value, e.n - 1 from jsonb_array_elements(instance) with ordinality as e (value, n) loop
            sub := case jsonb_typeof(schema -> 'items')
                       when 'object' then schema -> 'items' else schema -> 'items' -> n::int end;
            return query select * from core.json_schema_errors(sub, element, pointer || '/' || n);
        end loop;
    elsif kind = 'object' then
        if jsonb_typeof(schema -> 'required') = 'array' then
            return query
                select pointer || '/' || core.json_pointer_token(r.name), 'is required'
                from jsonb_array_elements(schema -> 'required') with ordinality as r0 (value, n),
                     lateral (select r0.value #>> '{}' as name) as r
                where jsonb_typeof(r0.value) = 'string' and not instance ? r.name
                order by r0.n;
        end if;
        if jsonb_typeof(schema -> 'properties') = 'object' then
            for name, sub in select p.key, p.value from jsonb_each(schema -> 'properties') as p loop
                if instance ? name then
                    return query
                        select * from core.json_schema_errors(
                            sub, instance -> name, pointer || '/' || core.json_pointer_token(name));
                end if;
            end loop;
        end if;
    end if;
end
$$;

/**
 * A JSON text (jsonb's output form, or several joined into one array) with its {{name}}
 * placeholders replaced by variables, as core.json_placeholders finds them: in string
 * values only, never in object keys. A string that is nothing but one placeholder becomes
 * the variable's JSON value, of whatever type; a placeholder inside a longer string becomes
 * the variable's text (a string as it is, anything else as JSON text). A name without a
 * variable gives null, or the empty string inside a longer string.
 *
 * Works on the text because a walk of the tree costs a PL/pgSQL iteration per node, and
 * installs fill thousands of definitions (callers batch them into one text). It relies on
 * jsonb's output: a string value's closing quote is never followed by ':' (a key's is),
 * a quote inside a string is always escaped (so '"' preceded by ' ' or '[' opens a string
 * and '"' right after a placeholder closes one), '{{' occurs inside strings only, and
 * control characters are always escaped. One regular expression marks the placeholders of
 * string values with E'\x02' name E'\x03', characters the text can hold nowhere else;
 * plain replacements then put in the values, whole strings first. The values are put in
 * after every placeholder has been marked, so a value that holds '{{name}}' stays as it
 * is (never filled again); variables whose name no placeholder can have are ignored.
 * (Replaces the definition of sql/005, which replaced the marker of any variable name.)
 */
create or replace function core.placeholders_fill(doc text, variables jsonb) returns text
language plpgsql immutable parallel safe
as $$
declare
    name text;
    marker text;
    value jsonb;
    inner_text text;
begin
    if strpos(doc, '{{') = 0 then
        return doc;
    end if;
    doc := regexp_replace(
        doc, '\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}(?=(?:[^"\\]|\\.)*"(?!:))', E'\x02\\1\x03', 'g');
    -- Only names a placeholder can have: any other could match text that spans
    -- several markers (a name holding E'\x03", "\x02'), so one value would replace several
    -- strings and the JSON between them. Since sql/013 a variables schema cannot declare
    -- such a name, but an install's variables may hold one from before.
    for name, value in select v.key, v.value from jsonb_each(variables) as v
                       where v.key ~ '^[A-Za-z_][A-Za-z0-9_]*$' loop
        marker := E'\x02' || name || E'\x03';
        if strpos(doc, marker) > 0 then
            inner_text := to_jsonb(case jsonb_typeof(value)
                                       when 'string' then value #>> '{}'
                                       when 'null' then ''
                                       else value::text end)::text;
            doc := replace(doc, ' "' || marker || '"', ' ' || value::text);
            doc := replace(doc, '["' || marker || '"', '[' || value::text);
            doc := replace(doc, marker, substr(inner_text, 2, length(inner_text) - 2));
        end if;
    end loop;
    -- Names without a variable.
    if strpos(doc, E'\x02') > 0 then
        doc := regexp_replace(doc, E'([ [])"\\x02[A-Za-z0-9_]+\\x03"', '\1null', 'g');
        doc := regexp_replace(doc, E'\\x02[A-Za-z0-9_]+\\x03', '', 'g');
    end if;
    return doc;
end
$$;

/**
 * As in sql/005: the problems of an install's variables (defaults already filled in)
 * against a version's variables schema, as a JSON array of {"path": "/variables/…",
 * "message"}, ordered by path; empty when they fit. A version published before sql/013 may
 * hold more patterns than a schema may now (core.variables_schema_problems): checking them
 * all could cost seconds per install, so none is run and the one problem, at /variables,
 * says why (publishing a new version fixes it).
 * (Replaces the definition of sql/005, which checked any number of patterns.)
 */
create or replace function core.install_variables_problems(schema jsonb, variables jsonb) returns jsonb
language sql immutable parallel safe
as $$
    select case
        when jsonb_array_length(jsonb_path_query_array(
                 schema, 'strict $.**.pattern ? (@.type() == "string")')) > 32
            then jsonb_build_array(jsonb_build_object(
                     'path', '/variables',
                     'message', 'cannot be checked: the version''s variables schema holds more '
                                || 'than 32 patterns; a new version must be published'))
        else (select coalesce(jsonb_agg(jsonb_build_object(
                                  'path', e.path,
                                  'message', case when e.message = 'is required'
                                                  then 'is required (the variables schema gives no default)'
                                                  else e.message end)
                              order by e.path, e.message), '[]')
              from core.json_schema_errors(schema, variables, '/variables') as e)
    end
$$;

-- ----------------------------------------------------------------------------- destination

/**
 * Whether workspace_id itself may read integration i, whoever asks: it is i's source
 * workspace, or i is live and public (after review), unlisted, or granted to workspace_id.
 * What an install copies into a workspace, that workspace must be allowed to read: a
 * caller who reads a private integration through a grant to one of their workspaces may
 * not copy it into another one. The by-workspace form of core.integration_readable.
 */
create or replace function core.integration_readable_by_workspace(i core.integrations, workspace_id text)
returns boolean
language plpgsql stable parallel safe
as $$
begin
    if i.workspace_id = integration_readable_by_workspace.workspace_id then
        return true;
    end if;
    if i.deleted_at is not null then
        return false;
    end if;
    return i.visibility in ('public', 'unlisted')
        or exists (select
                   from core.integration_grants as g
                   where g.integration_id = i.id
                     and g.workspace_id = integration_readable_by_workspace.workspace_id);
end
$$;

/**
 * POST /api/integrations/{id}/install: installs the integration into body.workspaceId at
 * body.integrationVersionId, or at its current version, and materializes its members
 * (core.install_reconcile), all in this transaction. body has been shape-checked by the
 * worker (including: selectedMemberSlugs present exactly when memberPolicy is manual).
 * variables get the schema's defaults; a root install (no parentInstallId) gets a new
 * solution id, a child its parent's.
 * Returns 201 with the install.
 * Errors, in this order: IN404 the integration does not exist or the caller could not read
 * it even if it were live; IN403 the caller is not owner, admin or member of the
 * workspace; IN403 the workspace itself may not read the integration
 * (core.integration_readable_by_workspace: a caller who reads it through a grant to one of
 * their workspaces cannot copy it into another); IN410 the integration is soft-deleted; IN422 integrationVersionId is not one
 * of its versions; IN409 no version is published; IN422 with one errors[] entry per
 * problem of: the variables against the version's variables schema (/variables/…), a
 * missing authStateId when the version's auth config type is not none (/authStateId),
 * selectedMemberSlugs naming no member of the version (/selectedMemberSlugs/<n>),
 * parentInstallId not a live install of the workspace (/parentInstallId); INA09 a live root
 * install of the integration exists in the workspace.
 * The integration row is locked (for key share) before deletedAt is read, so a concurrent
 * delete or purge waits for the install, and of two concurrent root installs the second
 * waits for the first and gets INA09.
 * (Replaces the definition of sql/005, which did not check the destination workspace.)
 */
create or replace function api.integration_install(caller jsonb, integration_id text, body jsonb)
returns api.reply
language plpgsql
security definer set search_path = core, api, pg_temp
as $$
-- The ON CONFLICT target names columns; the parameter of the same name is always qualified.
#variable_conflict use_column
declare
    workspace text := body ->> 'workspaceId';
    policy text := coalesce(body ->> 'memberPolicy', 'auto_defaults');
    i core.integrations;
    as_live core.integrations;
    v core.integration_versions;
    parent core.integration_installs;
    variables jsonb;
    selection text[];
    problems jsonb;
    inst core.integration_installs;
begin
    select * into i from core.integrations as t
    where t.id = integration_install.integration_id
    for key share;
    as_live := i;
    as_live.deleted_at := null;
    if not found or not core.integration_readable(caller, as_live) then
        raise exception using errcode = 'IN404', message = 'Integration not found.';
    end if;
    if not core.caller_has_role(caller, workspace, 'owner', 'admin', 'member') then
        raise exception using
            errcode = 'IN403',
            message = 'Only an owner, admin or member of the workspace may install into it.';
    end if;
    if not core.integration_readable_by_workspace(as_live, workspace) then
        raise exception using
            errcode = 'IN403',
            message = format('The workspace %s may not read this integration, so it cannot be installed there: '
                             || 'install it into its source workspace or a workspace it is granted to '
                             || '(any workspace when it is public or unlisted).', workspace);
    end if;
    if i.deleted_at is not null then
        raise exception using
            errcode = 'IN410', message = 'The integration is deleted and cannot be installed.';
    end if;
    v := core.install_target_version(i, body ->> 'integrationVersionId');

    variables := core.json_schema_defaults(v.variables_schema_snapshot,
                                           coalesce(body -> 'variables', '{}'));
    problems := core.install_variables_problems(v.variables_schema_snapshot, variables);
    if coalesce(v.auth_config_snapshot ->> 'type', 'none') <> 'none'
       and body ->> 'authStateId' is null then
        problems := problems || jsonb_build_object(
            'path', '/authStateId',
            'message', format('is required: the integration authenticates with type %s',
                              v.auth_config_snapshot ->> 'type'));
    end if;
    if policy = 'manual' then
        selection := array(select distinct s.slug
                           from jsonb_array_elements_text(body -> 'selectedMemberSlugs') as s (slug)
                           order by 1);
        problems := problems || coalesce(
            (select jsonb_agg(jsonb_build_object(
                                  'path', '/selectedMemberSlugs/' || (s.n - 1),
                                  'message', format('names no member of version %s', v.version))
                              order by s.n)
             from jsonb_array_elements_text(body -> 'selectedMemberSlugs') with ordinality as s (slug, n)
             where not exists (select from core.manifest_members(v.manifest_snapshot) as m
                               where m.slug = s.slug)),
            '[]');
    end if;
    if body ->> 'parentInstallId' is not null then
        select * into parent from core.integration_installs as t
        where t.id = body ->> 'parentInstallId'
        for key share;
        if not found or parent.workspace_id <> workspace or parent.deleted_at is not null then
            parent := null;
            problems := problems || jsonb_build_object(
                'path', '/parentInstallId', 'message', 'is not a live install of the workspace');
        end if;
    end if;
    if jsonb_array_length(problems) > 0 then
        raise exception using
            errcode = 'IN422',
            message = 'The install request does not fit the integration version.',
            detail = problems::text;
    end if;

    insert into core.integration_installs as t
        (integration_id, integration_version_id, workspace_id, variables, auth_state_id,
         member_policy, selected_member_slugs, parent_install_id, solution_id, installed_by)
    values
        (i.id, v.id, workspace, variables, body ->> 'authStateId', policy, selection, parent.id,
         coalesce(parent.solution_id, core.new_id('sol_')), caller ->> 'sub')
    on conflict (workspace_id, integration_id) where deleted_at is null and parent_install_id is null
    do nothing
    returning t.* into inst;
    if not found then
        raise exception using
            errcode = 'INA09',
            message = 'The integration is already installed in the workspace; upgrade that install, or uninstall it first.';
    end if;

    perform core.install_reconcile(inst, v, variables, caller ->> 'sub', false);
    return (201, core.install_json(inst), null)::api.reply;
end
$$;

/**
 * POST /api/integration-installs/{id}/upgrade: reconciles the install with
 * body.integrationVersionId, or the integration's current version (core.install_reconcile;
 * an older version is a rollback, by the same rules). body.variables, when given, replace
 * the install's variables of the same names; the result is checked against the target's
 * variables schema, its defaults filled in. With body.dryRun true nothing changes. body may
 * be null (no body). The install's version, variables and lastUpgradedAt change only when
 * something does, so a second upgrade to the same version writes nothing. The auth state
 * is the install's own: an upgrade keeps it.
 * Runs under the install's row lock: concurrent upgrades of one install run one after the
 * other, and each later one sees the earlier one's result.
 * Returns 200 {"updated", "added", "removed", "skipped"} (slugs).
 * Errors, in this order: IN404 no such install, or no role in its workspace; IN403 a
 * viewer; IN409 the install is uninstalled; IN410 the integration is soft-deleted; IN403
 * the caller may no longer read the integration; IN403 the install's workspace may no
 * longer read it (core.integration_readable_by_workspace), dry runs and rollbacks
 * included; IN422 integrationVersionId is not one of
 * its versions; IN422 the variables do not fit the target's variables schema, one errors[]
 * entry per problem (a new required variable without a default is named by its path).
 * (Replaces the definition of sql/005, which did not check the install's workspace.)
 */
create or replace function api.install_upgrade(caller jsonb, id text, body jsonb) returns api.reply
language plpgsql
security definer set search_path = core, api, pg_temp
as $$
declare
    inst core.integration_installs := core.install_lock_for_writer(caller, id);
    dry_run boolean := coalesce((body ->> 'dryRun')::boolean, false);
    i core.integrations;
    v core.integration_versions;
    merged jsonb;
    problems jsonb;
    result jsonb;
begin
    if inst.deleted_at is not null then
        raise exception using
            errcode = 'IN409', message = 'The install is uninstalled and cannot be upgraded.';
    end if;
    select * into i from core.integrations as t where t.id = inst.integration_id for key share;
    if i.deleted_at is not null then
        raise exception using
            errcode = 'IN410', message = 'The integration is deleted; its installs stay as they are.';
    end if;
    if not core.integration_readable(caller, i) then
        raise exception using
            errcode = 'IN403', message = 'The caller may no longer read the integration.';
    end if;
    if not core.integration_readable_by_workspace(i, inst.workspace_id) then
        raise exception using
            errcode = 'IN403',
            message = format('The workspace %s may no longer read this integration (its grant was revoked, '
                             || 'or it is no longer public or unlisted): the install and its clones stay as '
                             || 'they are, but it cannot be upgraded until the workspace may read it again.',
                             inst.workspace_id);
    end if;
    v := core.install_target_version(i, body ->> 'integrationVersionId');

    merged := core.json_schema_defaults(v.variables_schema_snapshot,
                                        inst.variables || coalesce(body -> 'variables', '{}'));
    problems := core.install_variables_problems(v.variables_schema_snapshot, merged);
    if jsonb_array_length(problems) > 0 then
        raise exception using
            errcode = 'IN422',
            message = format('The install''s variables do not fit version %s; send the missing or corrected ones in variables.',
                             v.version),
            detail = problems::text;
    end if;

    result := core.install_reconcile(inst, v, merged, caller ->> 'sub', dry_run);
    if not dry_run
       and (v.id <> inst.integration_version_id
            or merged <> inst.variables
            or result -> 'updated' <> '[]' or result -> 'added' <> '[]'
            or result -> 'removed' <> '[]') then
        update core.integration_installs as t set
            integration_version_id = v.id,
            variables = merged,
            last_upgraded_at = clock_timestamp()
        where t.id = inst.id;
    end if;
    return (200, result, null)::api.reply;
end
$$;

-- -------------------------------------------------------------------------------- entities

/**
 * POST /api/entities: creates an entity in body.workspaceId with its first version (the
 * definition), created by the caller. body has been shape-checked by the worker.
 * Returns 201 with the entity.
 * Errors: IN403 the caller is not owner, admin or member of the workspace; IN409 a live
 * entity of the workspace has the slug (detail: errors array at /slug).
 * (Replaces the definition of sql/004, which did not take the workspace's slug lock.)
 */
create or replace function api.entity_create(caller jsonb, body jsonb) returns api.reply
language plpgsql
security definer set search_path = core, api, pg_temp
as $$
declare
    entity_id text := core.new_id('ent_');
    version_id text := core.new_id('entv_');
    created timestamptz := clock_timestamp();
    e core.entities;
begin
    if not core.caller_has_role(caller, body ->> 'workspaceId', 'owner', 'admin', 'member') then
        raise exception using
            errcode = 'IN403',
            message = 'Only an owner, admin or member of the workspace may create entities in it.';
    end if;

    -- Installs pick the slugs of new clones under this lock (core.install_reconcile): taken
    -- here too, a create either commits before an install looks for free slugs (which then
    -- sees it and takes the next suffix) or waits for the install (and then finds its slug
    -- taken: 409), so an install never fails on a slug a create took meanwhile.
    perform pg_advisory_xact_lock(hashtextextended('install slugs ' || (body ->> 'workspaceId'), 0));

    -- ON CONFLICT rather than a lookup first: a concurrent create of the same slug waits for
    -- the other transaction and then lands here too.
    insert into core.entities as t
        (id, workspace_id, kind, slug, name, current_version_id, created_by, created_at, updated_at)
    values
        (entity_id, body ->> 'workspaceId', body ->> 'kind', body ->> 'slug', body ->> 'name',
         version_id, caller ->> 'sub', created, created)
    on conflict (workspace_id, slug) where deleted_at is null do nothing
    returning t.* into e;

    if not found then
        raise exception using
            errcode = 'IN409',
            message = 'A live entity with this slug already exists in the workspace.',
            detail = jsonb_build_array(jsonb_build_object(
                'path', '/slug',
                'message', 'This slug is already used by a live entity of the workspace.'))::text;
    end if;

    insert into core.entity_versions (id, entity_id, definition, created_by, created_at)
    values (version_id, entity_id, body -> 'definition', caller ->> 'sub', created);

    return (201, core.entity_json(e), null)::api.reply;
end
$$;

revoke execute on function
    api.integration_install(jsonb, text, jsonb),
    api.install_upgrade(jsonb, text, jsonb),
    api.entity_create(jsonb, jsonb)
from public;

grant execute on function
    api.integration_install(jsonb, text, jsonb),
    api.install_upgrade(jsonb, text, jsonb),
    api.entity_create(jsonb, jsonb)
to integrations_api;
