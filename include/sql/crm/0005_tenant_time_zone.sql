-- The tenant's time zone (an IANA name such as Europe/Berlin; NULL = Europe/Berlin): summaries, the history and
-- the CleverReach page show times in it, while every stored time is UTC (cleverreach.clock).
ALTER TABLE tenant ADD COLUMN time_zone text NULL;
