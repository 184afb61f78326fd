-- api.reply gains location: the path of the resource a 201 created (Location header), null
-- otherwise. The worker sets the header from this column; it never re-parses the body for it.
-- Every function returning api.reply builds it with four fields (sql/schema/api/*.sql).
alter type api.reply add attribute location text;
