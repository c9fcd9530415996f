-- A run stores every planned write in sync_change as 'planned' and marks each one's result as its batch is settled:
-- a million updates after a million-member first sync. Packed full (as COPY packs a table), every update moves its
-- row to another page and adds an entry to the (run_id, email) index. With half of each page free the update stays
-- on its page (a HOT update: no index entry), two to three times cheaper. The price is the table's size on disk
-- (about 1.7 times), which the housekeeping's retention bounds. Pages written before keep their packing.
ALTER TABLE {{ state }}.sync_change SET (fillfactor = 50);
