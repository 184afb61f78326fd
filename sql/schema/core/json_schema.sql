-- JSON Schema subset: filling in defaults and checking an instance against the subset of
-- JSON Schema that variables schemas may use (type, enum, minimum, maximum, minLength,
-- maxLength, pattern, items, required, properties), with JSON pointers to each problem.

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
 * Checks instance against schema, a JSON Schema restricted to type (a name or an array of
 * names), enum, minimum, maximum, minLength, maxLength, pattern, items (one schema for every
 * element, or an array of schemas by position), required and properties; other keywords, and
 * keywords whose value has the wrong type, are ignored. Returns one row per problem: the
 * JSON pointer of the offending value (pointer is the instance's own) and a sentence.
 * A value of the wrong type gets that one problem and no others. Lengths count characters.
 * A pattern that is not a valid regular expression is reported as a problem of the value
 * (the schema is the publisher's, the install request cannot fix it, but it must not fail).
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
            begin
                if (instance #>> '{}') !~ (schema ->> 'pattern') then
                    return query select pointer, 'must match the pattern ' || (schema ->> 'pattern');
                end if;
            exception when invalid_regular_expression then
                return query
                    select pointer,
                           'cannot be checked: the variables schema''s pattern is not a valid '
                           || 'regular expression';
            end;
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
