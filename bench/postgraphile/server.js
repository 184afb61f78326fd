// PostGraphile 4 over the dev database's schema core, read-only: the peer that
// bench/peer_bench.sh measures our API against. Started and stopped by that script.
// env: PEER_PORT (listen on 127.0.0.1), PGHOST, PGPORT, PGDATABASE, PGUSER.
'use strict';
const http = require('http');
const { postgraphile } = require('postgraphile');
const ConnectionFilterPlugin = require('postgraphile-plugin-connection-filter');
const PgSimplifyInflectorPlugin = require('@graphile-contrib/pg-simplify-inflector');

const port = Number(process.env.PEER_PORT || 55480);
const pg = {
  host: process.env.PGHOST || '127.0.0.1',
  port: Number(process.env.PGPORT || 55432),
  database: process.env.PGDATABASE || 'integrations',
  user: process.env.PGUSER || 'postgres',
  // Every transaction read-only: the peer can never change the dev database. And the
  // planner settings our workers' role has (sql/008): with JIT, every list statement is
  // compiled for a second or more, and the comparison would measure that, not the peer.
  options: '-c default_transaction_read_only=on -c jit=off',
  application_name: 'peer-bench-postgraphile', // bench/peer_bench.sh waits for it to go idle
  max: Number(process.env.PEER_POOL || 10),
};

const middleware = postgraphile(pg, 'core', {
  appendPlugins: [ConnectionFilterPlugin, PgSimplifyInflectorPlugin],
  graphileBuildOptions: { connectionFilterRelations: true },
  disableDefaultMutations: true,
  disableQueryLog: true,
  dynamicJson: true,
  setofFunctionsContainNulls: false,
  ignoreRBAC: false,
  legacyRelations: 'omit',
  graphiql: false,
  watchPg: false,
  retryOnInitFail: false,
});

http.createServer(middleware).listen(port, '127.0.0.1', () => {
  console.log(`postgraphile listening on http://127.0.0.1:${port}/graphql`);
});
