-- sql/schema/core/ids.sql: core.new_id.
BEGIN;
select plan(6);

-- Ids
select matches(core.new_id('int_'), '^int_[0-9a-f]{28}$', 'new_id: prefix + 28 lowercase hex');
select matches(core.new_id('intv_'), '^intv_[0-9a-f]{28}$', 'new_id: any prefix');
select ok(abs(('x' || lpad(substr(core.new_id('int_'), 5, 12), 16, '0'))::bit(64)::bigint
              - extract(epoch from clock_timestamp()) * 1000) < 1000,
          'new_id: the first 12 digits are the current Unix milliseconds');

create temp table ids (n int generated always as identity, id text not null);
do $$
begin
    for n in 1..5 loop
        insert into ids (id) values (core.new_id('int_'));
        perform pg_sleep(0.002);
    end loop;
end
$$;
select is(array(select id from ids order by id), array(select id from ids order by n),
          'new_id: ids made later sort later');

truncate ids;
insert into ids (id) select core.new_id('int_') from generate_series(1, 10000);
select is((select count(distinct id) from ids), 10000::bigint, 'new_id: 10000 ids, no duplicate');
select is((select count(*)
           from generate_series(17, 32) as pos
           where (select count(distinct substr(id, pos, 1)) from ids) < 16),
          0::bigint,
          'new_id: every random digit takes all 16 values');

select * from finish();
ROLLBACK;
