-- JSON merge and diff: JSON Pointers (RFC 6901), the three-way merge of definitions that
-- upgrades use to keep the subscriber's edits (PRODUCT §12), RFC 6902 patches between two
-- documents and their application (diffs, dry-run previews). Pure functions, no tables.
-- Absent (a key or element that is not there) is SQL NULL throughout; JSON null is a value.

/**
 * The JSON Pointer (RFC 6901) of a list of reference tokens: '' for none, else '/' before
 * each token, each escaped (~ → ~0, / → ~1, core.json_pointer_token). NULL when a token is.
 */
create or replace function core.json_pointer(tokens text[]) returns text
language sql immutable strict parallel safe
as $$
    select case when array_position(tokens, null) is null
                then coalesce(string_agg('/' || core.json_pointer_token(t.token), '' order by t.n), '') end
    from unnest(tokens) with ordinality as t (token, n)
$$;

/**
 * The reference tokens of a JSON Pointer (RFC 6901), unescaped (~1 → /, then ~0 → ~):
 * '' → '{}', '/' → '{""}', '/a~1b/~0' → '{a/b,~}'. A pointer that is neither empty nor
 * starts with '/', or holds a '~' not followed by 0 or 1, is refused: IN422.
 */
create or replace function core.json_pointer_tokens(pointer text) returns text[]
language plpgsql immutable strict parallel safe
as $$
begin
    if pointer = '' then
        return '{}';
    end if;
    if pointer !~ '^(/([^~/]|~[01])*)+$' then
        raise exception using errcode = 'IN422',
            message = format('Malformed JSON pointer %s.', to_jsonb(pointer)),
            detail = jsonb_build_array(jsonb_build_object(
                'path', '', 'message', 'Must be empty or start with "/", "~" only as "~0" or "~1".'))::text;
    end if;
    return array(select replace(replace(t, '~1', '/'), '~0', '~')
                 from unnest(regexp_split_to_array(substr(pointer, 2), '/')) with ordinality as s (t, n)
                 order by n);
end
$$;

/**
 * Whether an array merges element by element (core.json_merge3): every element an object
 * with a string "id", no id twice. An empty array qualifies; so does an absent side (NULL).
 */
create or replace function core.json_merge3_keyed(doc jsonb) returns boolean
language sql immutable parallel safe
as $$
    select doc is null
        or (jsonb_typeof(doc) = 'array'
            and (select coalesce(bool_and(jsonb_typeof(e -> 'id') = 'string'), true)
                        and count(distinct e ->> 'id') = count(*)
                 from jsonb_array_elements(doc) as e))
$$;

/**
 * One conflict of core.json_merge3 at path: its entry in `conflicts` and the value it
 * resolves to (NULL: absent). The entry of resolutions with that path wins, else
 * on_conflict (take_upstream → upstream; keep_local and fail → local).
 */
create or replace function core.json_merge3_conflict(
    path text, base jsonb, local jsonb, upstream jsonb, on_conflict text, resolutions jsonb,
    out merged jsonb, out conflicts jsonb)
language plpgsql immutable parallel safe
as $$
declare
    chosen jsonb;
    taken text;
begin
    if resolutions <> '[]' then
        select r into chosen from jsonb_array_elements(resolutions) as r where r ->> 'path' = path limit 1;
    end if;
    taken := coalesce(chosen ->> 'take', case on_conflict when 'take_upstream' then 'upstream' else 'local' end);
    merged := case taken when 'local' then local when 'upstream' then upstream else chosen -> 'value' end;
    conflicts := jsonb_build_array(
        jsonb_build_object('path', path, 'resolution', taken)
        || case when base is null then '{}' else jsonb_build_object('base', base) end
        || case when local is null then '{}' else jsonb_build_object('local', local) end
        || case when upstream is null then '{}' else jsonb_build_object('upstream', upstream) end);
end
$$;

/**
 * The three-way merge of one node of core.json_merge3 (its path a JSON pointer, an absent
 * side NULL): merged (NULL: absent) and the conflicts under it, in document order. Equal
 * sides are settled by one comparison; only the keys and elements that differ are walked.
 */
create or replace function core.json_merge3_walk(
    path text, base jsonb, local jsonb, upstream jsonb, on_conflict text, resolutions jsonb,
    out merged jsonb, out conflicts jsonb)
language plpgsql immutable parallel safe
as $$
declare
    r record;
    m jsonb;
    c jsonb;
    elems jsonb;
begin
    conflicts := '[]';
    if local is not distinct from upstream or base is not distinct from upstream then
        merged := local;
        return;
    end if;
    if base is not distinct from local then
        merged := upstream;
        return;
    end if;
    -- The three differ pairwise.
    if local is not null and upstream is not null
       and jsonb_typeof(local) = 'object' and jsonb_typeof(upstream) = 'object'
       and (base is null or jsonb_typeof(base) = 'object') then
        merged := local;
        -- Keys only local has (or changed alone) keep local's value: only the keys upstream
        -- changed, and differently from local, are looked at.
        for r in select k.key, base -> k.key as b, local -> k.key as l, upstream -> k.key as u
                 from (select jsonb_object_keys(base) union select jsonb_object_keys(upstream)) as k (key)
                 where (base -> k.key) is distinct from (upstream -> k.key)
                   and (local -> k.key) is distinct from (upstream -> k.key)
                 order by k.key collate "C"
        loop
            if r.b is not distinct from r.l then
                m := r.u;
            else
                select w.merged, w.conflicts into m, c
                from core.json_merge3_walk(path || '/' || core.json_pointer_token(r.key),
                                           r.b, r.l, r.u, on_conflict, resolutions) as w;
                if c <> '[]' then
                    conflicts := conflicts || c;
                end if;
            end if;
            merged := case when m is null then merged - r.key else merged || jsonb_build_object(r.key, m) end;
        end loop;
        return;
    end if;
    if jsonb_typeof(local) = 'array' and jsonb_typeof(upstream) = 'array'
       and (base is null or jsonb_typeof(base) = 'array')
       and core.json_merge3_keyed(local) and core.json_merge3_keyed(upstream)
       and core.json_merge3_keyed(base) then
        elems := '[]';
        -- upstream's order, then the elements only local has in local's order; elements only
        -- base has were deleted on both sides.
        for r in select coalesce(u.id, l.id) as id, b.e as b, l.e as l, u.e as u
                 from (select e ->> 'id' as id, e, n
                       from jsonb_array_elements(upstream) with ordinality as x (e, n)) as u
                 full join (select e ->> 'id' as id, e, n
                            from jsonb_array_elements(local) with ordinality as x (e, n)) as l
                        on l.id = u.id
                 left join (select e ->> 'id' as id, e from jsonb_array_elements(base) as e) as b
                        on b.id = coalesce(u.id, l.id)
                 order by u.n is null, coalesce(u.n, l.n)
        loop
            if r.l is not distinct from r.u or r.b is not distinct from r.u then
                m := r.l;
            elsif r.b is not distinct from r.l then
                m := r.u;
            else
                select w.merged, w.conflicts into m, c
                from core.json_merge3_walk(path || '/' || core.json_pointer_token(r.id),
                                           r.b, r.l, r.u, on_conflict, resolutions) as w;
                if c <> '[]' then
                    conflicts := conflicts || c;
                end if;
            end if;
            if m is not null then
                elems := elems || jsonb_build_array(m);
            end if;
        end loop;
        merged := elems;
        return;
    end if;
    -- An atomic value (scalar, other array, a type that differs, a side deleted): changed
    -- differently on both sides, deleted on one and changed on the other, or added twice.
    select x.merged, x.conflicts into merged, conflicts
    from core.json_merge3_conflict(path, base, local, upstream, on_conflict, resolutions) as x;
end
$$;

/**
 * Three-way merge of JSON values (PRODUCT §12): base (what was last applied), local (the
 * subscriber's current value), upstream (the new version's value). Never raises for a
 * conflict: it returns it.
 *
 * - Objects merge key by key, recursively; a key absent on a side was deleted (or not added)
 *   there. A node present on local and upstream as objects, and on base as an object or
 *   absent (added on both sides), is merged key by key (absent base = no key).
 * - An array whose elements are all objects with a unique string "id", on every side where
 *   it exists (an empty array qualifies), merges element by element by id: result order is
 *   upstream's order, then the elements only local has, in local's order; each element
 *   merges recursively; deleted on one side and unchanged on the other → deleted; added on
 *   one side only → added. One duplicate id or one non-object element makes it atomic.
 * - Any other array and any scalar is one atomic value; so is a node whose type differs
 *   between the sides (object on one, array/scalar on another).
 * - Changed the same way on both sides: no conflict. Changed differently on both sides,
 *   deleted on one and changed on the other, added on both with different values (not both
 *   objects): a conflict at that node (its descendants are not looked at).
 *
 * Paths are JSON Pointers (RFC 6901) into the document, '' for the root, with one
 * exception: inside an id-keyed array an element's token is its "id" (escaped per RFC 6901),
 * not its index, which may differ between the sides: '/steps/send~1mail/retries' is key
 * "retries" of the element with id "send/mail" of key "steps".
 *
 * conflicts: jsonb array in document order (depth first, object keys in byte order,
 * keyed-array elements in result order) of {"path", "base", "local", "upstream",
 * "resolution"}, a side that is absent omitted; resolution "local", "upstream" or "value".
 * Each conflict resolves by the entry of resolutions ([{"path", "take":
 * "local"|"upstream"|"value", "value"?}], other keys ignored) with its path, else by
 * on_conflict: keep_local → local's value (absent when local deleted it), take_upstream →
 * upstream's, fail → as keep_local (the caller refuses the upgrade when outcome is
 * conflict). take "value" puts "value" at the path.
 *
 * outcome: unchanged (upstream = base: merged = local, local edits included; also when all
 * three are equal), fast_forward (local = base ≠ upstream: merged = upstream), merged (both
 * changed, no conflict; local = upstream is merged, with merged = local), conflict (at
 * least one conflict; merged = the resolved result).
 *
 * IN422: on_conflict not one of keep_local, take_upstream, fail; resolutions not an array
 * of objects with a valid pointer "path", "take" one of the three and "value" exactly when
 * take is "value"; two entries with one path; an entry whose path is no conflict of this
 * merge. detail: [{"path": "/resolutions/<i>[/path|/take|/value]", "message"}], i the
 * entry's index in resolutions (a caller that filtered them maps it back). 22004: a null
 * document.
 */
create or replace function core.json_merge3(
    base jsonb, local jsonb, upstream jsonb,
    on_conflict text default 'keep_local', resolutions jsonb default '[]')
returns table (outcome text, merged jsonb, conflicts jsonb)
language plpgsql immutable parallel safe
as $$
declare
    problems jsonb := '[]';
    e record;
    w record;
begin
    if base is null or local is null or upstream is null then
        raise exception using errcode = '22004', message = 'json_merge3: base, local and upstream are required.';
    end if;
    if on_conflict is null or on_conflict not in ('keep_local', 'take_upstream', 'fail') then
        raise exception using errcode = 'IN422',
            message = 'onConflict must be one of keep_local, take_upstream, fail.',
            detail = jsonb_build_array(jsonb_build_object(
                'path', '/onConflict', 'message', 'Must be one of keep_local, take_upstream, fail.'))::text;
    end if;
    resolutions := coalesce(resolutions, '[]');
    if jsonb_typeof(resolutions) <> 'array' then
        raise exception using errcode = 'IN422', message = 'resolutions must be an array.',
            detail = jsonb_build_array(jsonb_build_object('path', '/resolutions', 'message', 'Must be an array.'))::text;
    end if;
    if resolutions <> '[]' then
        for e in select x.r, x.n - 1 as i from jsonb_array_elements(resolutions) with ordinality as x (r, n) loop
            if jsonb_typeof(e.r) <> 'object' then
                problems := problems || jsonb_build_object('path', format('/resolutions/%s', e.i), 'message', 'Must be an object.');
                continue;
            end if;
            if jsonb_typeof(e.r -> 'path') is distinct from 'string'
               or (e.r ->> 'path' <> '' and e.r ->> 'path' !~ '^(/([^~/]|~[01])*)+$') then
                problems := problems || jsonb_build_object('path', format('/resolutions/%s/path', e.i),
                                                           'message', 'Must be a JSON pointer.');
            elsif (select count(*) from jsonb_array_elements(resolutions) as o where o ->> 'path' = e.r ->> 'path') > 1 then
                problems := problems || jsonb_build_object('path', format('/resolutions/%s/path', e.i),
                                                           'message', 'Another resolution has the same path.');
            end if;
            if jsonb_typeof(e.r -> 'take') is distinct from 'string' or e.r ->> 'take' not in ('local', 'upstream', 'value') then
                problems := problems || jsonb_build_object('path', format('/resolutions/%s/take', e.i),
                                                           'message', 'Must be one of local, upstream, value.');
            elsif (e.r ->> 'take' = 'value') <> (e.r ? 'value') then
                problems := problems || jsonb_build_object('path', format('/resolutions/%s/value', e.i),
                                                           'message', 'Required when take is "value", and only then.');
            end if;
        end loop;
        if problems <> '[]' then
            raise exception using errcode = 'IN422', message = 'Invalid resolutions.', detail = problems::text;
        end if;
    end if;

    -- Decompressed once here (#> '{}' returns its argument detoasted), not at every -> below.
    base := base #> '{}';
    local := local #> '{}';
    upstream := upstream #> '{}';
    if base = upstream then
        outcome := 'unchanged'; merged := local; conflicts := '[]';
    elsif base = local then
        outcome := 'fast_forward'; merged := upstream; conflicts := '[]';
    elsif local = upstream then
        outcome := 'merged'; merged := local; conflicts := '[]';
    else
        select x.merged, x.conflicts into w
        from core.json_merge3_walk('', base, local, upstream, on_conflict, resolutions) as x;
        merged := w.merged;
        conflicts := w.conflicts;
        outcome := case when conflicts = '[]' then 'merged' else 'conflict' end;
    end if;

    if resolutions <> '[]' then
        select coalesce(jsonb_agg(jsonb_build_object(
                   'path', format('/resolutions/%s/path', x.n - 1),
                   'message', format('No conflict at %s.', x.r -> 'path')) order by x.n), '[]')
        into problems
        from jsonb_array_elements(resolutions) with ordinality as x (r, n)
        where not exists (select from jsonb_array_elements(conflicts) as c where c -> 'path' = x.r -> 'path');
        if problems <> '[]' then
            raise exception using errcode = 'IN422', message = 'A resolution names a path that has no conflict.',
                detail = problems::text;
        end if;
    end if;
    return next;
end
$$;

/**
 * The RFC 6902 patch (core.json_diff) turning source into target, whose paths start with
 * path (a JSON pointer).
 */
create or replace function core.json_diff_at(path text, source jsonb, target jsonb) returns jsonb
language plpgsql immutable parallel safe
as $$
begin
    if source = target then
        return '[]';
    end if;
    if jsonb_typeof(source) = 'object' and jsonb_typeof(target) = 'object' then
        return (select coalesce(jsonb_agg(x.op order by k.key collate "C", x.n), '[]')
                from (select jsonb_object_keys(source) union select jsonb_object_keys(target)) as k (key),
                     lateral (select path || '/' || core.json_pointer_token(k.key) as p) as p,
                     lateral jsonb_array_elements(
                         case when not source ? k.key
                              then jsonb_build_array(jsonb_build_object('op', 'add', 'path', p.p, 'value', target -> k.key))
                              when not target ? k.key
                              then jsonb_build_array(jsonb_build_object('op', 'remove', 'path', p.p))
                              when source -> k.key = target -> k.key then '[]'
                              else core.json_diff_at(p.p, source -> k.key, target -> k.key)
                         end) with ordinality as x (op, n));
    end if;
    return jsonb_build_array(jsonb_build_object('op', 'replace', 'path', path, 'value', target));
end
$$;

/**
 * An RFC 6902 patch that turns source into target: '[]' when equal; objects compared key by
 * key, recursively, one operation per differing key in byte order of the keys ("remove" for
 * a key only source has, "add" for one only target has, "replace" or deeper operations for
 * one both have); arrays and scalars, and a node whose type differs, are replaced whole
 * (simple and correct, not minimal); a root of another type or kind is one "replace" at "".
 * Paths are plain RFC 6901 pointers (array elements are never addressed).
 */
create or replace function core.json_diff(source jsonb, target jsonb) returns jsonb
language sql immutable strict parallel safe
as $$
    -- #> '{}' returns its argument decompressed: once here, not at every -> below.
    select core.json_diff_at('', source #> '{}', target #> '{}')
$$;

/**
 * The value at a pointer's tokens in doc, or NULL when there is none. An array is indexed
 * only by a token of RFC 6902's form (0 or digits without a leading zero) below its length.
 */
create or replace function core.json_patch_get(doc jsonb, tokens text[]) returns jsonb
language plpgsql immutable parallel safe
as $$
declare
    t text;
begin
    foreach t in array tokens loop
        case jsonb_typeof(doc)
            when 'object' then doc := doc -> t;
            when 'array' then
                if t !~ '^(0|[1-9][0-9]{0,8})$' or t::int >= jsonb_array_length(doc) then
                    return null;
                end if;
                doc := doc -> t::int;
            else return null;
        end case;
        exit when doc is null;
    end loop;
    return doc;
end
$$;

/**
 * doc with value added at tokens per RFC 6902 "add" (the root replaced; an object member
 * set; an array element inserted before the index, or appended for "-" or the length).
 * NULL when the target's parent is missing, not a container, or the index is invalid.
 */
create or replace function core.json_patch_add(doc jsonb, tokens text[], value jsonb) returns jsonb
language plpgsql immutable parallel safe
as $$
declare
    n int := cardinality(tokens);
    parent jsonb;
    last text;
    len int;
begin
    if n = 0 then
        return value;
    end if;
    parent := core.json_patch_get(doc, tokens[1:n - 1]);
    last := tokens[n];
    case jsonb_typeof(parent)
        when 'object' then
            return jsonb_set(doc, tokens, value, true);
        when 'array' then
            len := jsonb_array_length(parent);
            if last = '-' then
                last := len::text;
            elsif last !~ '^(0|[1-9][0-9]{0,8})$' or last::int > len then
                return null;
            end if;
            if last::int = len then
                return jsonb_set(doc, tokens[1:n - 1] || last, value, true);
            end if;
            return jsonb_insert(doc, tokens[1:n - 1] || last, value);
        else
            return null;
    end case;
end
$$;

/**
 * doc with the RFC 6902 patch applied, operation by operation: add, remove, replace, test,
 * move and copy; array indices and "-" per RFC 6902. An operation that fails (malformed,
 * unknown op, a missing target, a failed test, removing the root, moving a node into
 * itself) raises IN422 with detail [{"path": "/<i>" or "/<i>/<member>", "message"}], i the
 * operation's index in the patch.
 */
create or replace function core.json_patch_apply(doc jsonb, patch jsonb) returns jsonb
language plpgsql immutable strict parallel safe
as $$
declare
    o record;
    op text;
    tokens text[];
    from_tokens text[];
    v jsonb;
    result jsonb;
    problem text;
    member text;
begin
    if jsonb_typeof(patch) <> 'array' then
        raise exception using errcode = 'IN422', message = 'A JSON patch is an array of operations.',
            detail = jsonb_build_array(jsonb_build_object('path', '', 'message', 'Must be an array.'))::text;
    end if;
    for o in select x.e, x.n - 1 as i from jsonb_array_elements(patch) with ordinality as x (e, n) loop
        problem := null;
        member := '';
        op := o.e ->> 'op';
        if jsonb_typeof(o.e) <> 'object' or op is null or op not in ('add', 'remove', 'replace', 'test', 'move', 'copy') then
            problem := 'Must be an operation: op one of add, remove, replace, test, move, copy.';
        elsif jsonb_typeof(o.e -> 'path') is distinct from 'string'
              or (o.e ->> 'path' <> '' and o.e ->> 'path' !~ '^(/([^~/]|~[01])*)+$') then
            member := '/path'; problem := 'Must be a JSON pointer.';
        elsif op in ('add', 'replace', 'test') and not o.e ? 'value' then
            member := '/value'; problem := 'Required.';
        elsif op in ('move', 'copy')
              and (jsonb_typeof(o.e -> 'from') is distinct from 'string'
                   or (o.e ->> 'from' <> '' and o.e ->> 'from' !~ '^(/([^~/]|~[01])*)+$')) then
            member := '/from'; problem := 'Must be a JSON pointer.';
        end if;
        if problem is null then
            tokens := core.json_pointer_tokens(o.e ->> 'path');
            case op
                when 'add' then
                    result := core.json_patch_add(doc, tokens, o.e -> 'value');
                    if result is null then
                        member := '/path'; problem := 'No such location to add to.';
                    end if;
                when 'remove', 'replace' then
                    if cardinality(tokens) = 0 and op = 'remove' then
                        member := '/path'; problem := 'The root cannot be removed.';
                    elsif core.json_patch_get(doc, tokens) is null then
                        member := '/path'; problem := 'No such value.';
                    elsif op = 'remove' then
                        result := doc #- tokens;
                    elsif cardinality(tokens) = 0 then
                        result := o.e -> 'value';
                    else
                        result := jsonb_set(doc, tokens, o.e -> 'value', false);
                    end if;
                when 'test' then
                    if core.json_patch_get(doc, tokens) is distinct from o.e -> 'value' then
                        problem := 'Test failed.';
                    end if;
                    result := doc;
                else -- move, copy
                    from_tokens := core.json_pointer_tokens(o.e ->> 'from');
                    v := core.json_patch_get(doc, from_tokens);
                    if v is null then
                        member := '/from'; problem := 'No such value.';
                    elsif op = 'move' and cardinality(from_tokens) < cardinality(tokens)
                          and tokens[1:cardinality(from_tokens)] = from_tokens then
                        member := '/path'; problem := 'A value cannot be moved into itself.';
                    else
                        result := doc;
                        if op = 'move' and from_tokens <> tokens then
                            result := case when cardinality(from_tokens) = 0 then null else result #- from_tokens end;
                        end if;
                        result := core.json_patch_add(result, tokens, v);
                        if result is null then
                            member := '/path'; problem := 'No such location to add to.';
                        end if;
                    end if;
            end case;
        end if;
        if problem is not null then
            raise exception using errcode = 'IN422',
                message = format('JSON patch operation %s failed: %s', o.i, problem),
                detail = jsonb_build_array(jsonb_build_object('path', format('/%s%s', o.i, member),
                                                              'message', problem))::text;
        end if;
        doc := result;
    end loop;
    return doc;
end
$$;
