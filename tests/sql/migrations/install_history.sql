-- sql/migrations/0003_install_history.sql: the tables of the install history and the bases.
BEGIN;
select plan(9);

select has_table('core', 'json_documents', 'core.json_documents');
select has_table('core', 'install_operations', 'core.install_operations');
select has_column('core', 'install_members', 'base_hash', 'install_members.base_hash');
select is((select count(*) from pg_constraint
           where conrelid = 'core.install_operations'::regclass and contype = 'f'
             and conkey = array[(select attnum from pg_attribute
                                 where attrelid = 'core.install_operations'::regclass
                                   and attname = 'install_id')]),
          0::bigint, 'no foreign key on install_id: purges keep histories');
select ok((select indisunique from pg_index
           where indexrelid = 'core.install_operations_install_seq_idx'::regclass),
          'one seq per install (a linear chain)');
select has_index('core', 'install_operations', 'install_operations_install_created_at_idx',
                 array['install_id', 'created_at', 'id'], 'the list''s index: newest first');
select ok(has_table_privilege('integrations_api', 'core.install_operations', 'select')
          and not has_table_privilege('integrations_api', 'core.install_operations', 'insert'),
          'integrations_api reads the operations (the list query) and cannot write them');
select throws_ok($$insert into core.install_operations (id, install_id, seq, kind, state_hash, hash, prev_hash)
                   values ('iop_0123456789abcdef0123456789ab', 'inst_x', 1, 'teleport', repeat('0', 64), 'h', null)$$,
                 '23514', null, 'kind is one of the six');
select throws_ok($$insert into core.json_documents values ('short', '{}')$$, '23514', null,
                 'json_documents.hash is a sha256 hex');

select * from finish();
ROLLBACK;
