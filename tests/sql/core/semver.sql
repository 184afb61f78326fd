-- sql/schema/core/semver.sql: SemVer precedence.
BEGIN;
select plan(3);

-- SemVer precedence: the SemVer 2.0 specification's own examples (§11), lowest first
select is(array(select v from unnest(array['2.1.1', '1.0.0-beta.11', '1.0.0', '1.0.0-alpha.beta',
                                           '2.0.0', '1.0.0-rc.1', '1.0.0-alpha', '1.0.0-beta.2',
                                           '2.1.0', '1.0.0-beta', '1.0.0-alpha.1']) as v
                order by core.semver_key(v)),
          array['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2',
                '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0', '2.0.0', '2.1.0', '2.1.1'],
          'semver: the specification''s precedence examples, in order');
select ok(core.semver_key('1.0.0+build.1') = core.semver_key('1.0.0')
          and core.semver_key('1.0.0-rc.1+b') = core.semver_key('1.0.0-rc.1'),
          'semver: build metadata does not count');
select ok(core.semver_key('1.10.0') > core.semver_key('1.9.0')
          and core.semver_key('1.0.0-10') > core.semver_key('1.0.0-9')
          and core.semver_key('1.0.0-a') > core.semver_key('1.0.0-999'),
          'semver: numbers compare numerically, alphanumeric above numeric');

select * from finish();
ROLLBACK;
