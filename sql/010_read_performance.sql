-- Read performance (docs/performance.md, "GET by id"). core.iso_time was declared immutable
-- although its body calls to_char, which is stable: PostgreSQL never inlines a function whose
-- body is more volatile than its declaration, so every representation (integration, entity,
-- version, install, member, grant) called it as a separate SQL function, whose body is
-- parsed and planned again in every transaction: a quarter of the database's time on a
-- GET by id. Declared stable, it is inlined into the callers' expressions, which PL/pgSQL
-- plans once per session. The representations that were declared immutable call it, so
-- they are stable too (nothing indexes or stores their results).

alter function core.iso_time(timestamptz) stable;
alter function core.integration_grant_json(core.integration_grants) stable;
alter function core.install_json(core.integration_installs) stable;
alter function core.install_member_json(core.install_members, text) stable;
