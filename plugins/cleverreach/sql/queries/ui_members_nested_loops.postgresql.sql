-- For the members page's keyset queries (this transaction only): every one reads at most a page and
-- one row, so nested loops along the order's index are always right; without this PostgreSQL may
-- pick a merge join that reads a table from its start (half a second at a million members).
SET LOCAL enable_mergejoin = off;
SET LOCAL enable_hashjoin = off;
