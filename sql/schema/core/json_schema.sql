-- JSON Schema subset: filling in defaults and checking an instance against the subset of
-- JSON Schema that variables schemas may use (type, enum, minimum, maximum, minLength,
-- maxLength, pattern, items, required, properties), with JSON pointers to each problem; and
-- the rules a variables schema itself must follow (variable names a placeholder can have,
-- bounded-cost patterns, at most 32 of them: docs/sql.md, "Install hardening"), checked by
-- triggers wherever one is written (integrations' drafts, versions' snapshots).

/**
 * An object member name as one JSON pointer token (RFC 6901: ~ → ~0, / → ~1).
 */
create or replace function core.json_pointer_token(name text) returns text
language sql immutable strict parallel safe
as $$
    select replace(replace(name, '~', '~0'), '/', '~1')
$$;

/**
 * instance with the defaults of schema filled in: every property of an object that the
 * schema's properties give a default for and the instance lacks gets that default (itself
 * completed the same way), at any depth, array items included. Anything that is not an
 * object schema leaves the instance as it is.
 */
create or replace function core.json_schema_defaults(schema jsonb, instance jsonb) returns jsonb
language plpgsql immutable parallel safe
as $$
declare
    name text;
    sub jsonb;
begin
    if jsonb_typeof(schema) is distinct from 'object' then
        return instance;
    end if;
    if jsonb_typeof(instance) = 'object' and jsonb_typeof(schema -> 'properties') = 'object' then
        for name, sub in select p.key, p.value from jsonb_each(schema -> 'properties') as p loop
            if instance ? name then
                instance := jsonb_set(instance, array[name], core.json_schema_defaults(sub, instance -> name));
            elsif jsonb_typeof(sub) = 'object' and sub ? 'default' then
                instance := instance || jsonb_build_object(name, core.json_schema_defaults(sub, sub -> 'default'));
            end if;
        end loop;
    elsif jsonb_typeof(instance) = 'array' and jsonb_typeof(schema -> 'items') = 'object' then
        select coalesce(jsonb_agg(core.json_schema_defaults(schema -> 'items', e.value) order by e.n), '[]')
        into instance
        from jsonb_array_elements(instance) with ordinality as e (value, n);
    end if;
    return instance;
end
$$;

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
 * Checks instance against schema, a JSON Schema restricted to type (a name or an array of
 * names), enum, minimum, maximum, minLength, maxLength, pattern, items (one schema for every
 * element, or an array of schemas by position), required and properties; other keywords, and
 * keywords whose value has the wrong type, are ignored. Returns one row per problem: the
 * JSON pointer of the offending value (pointer is the instance's own) and a sentence.
 * A value of the wrong type gets that one problem and no others. Lengths count characters.
 * A pattern that core.regex_pattern_problem refuses (too costly, or not a valid regular
 * expression) is never run: it is reported as a problem of the value (the schema is the
 * publisher's, the install request cannot fix it, but it must neither fail nor stall).
 * Since the variables-schema rules (core.variables_schema_check) no such pattern can be
 * written or published; versions published before them may still hold one.
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
                -- Never compiled: it could cost seconds (a snapshot from before the rules).
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
 * many), IN422 (422 validation_failed) otherwise; detail: the problems as the errors array.
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
