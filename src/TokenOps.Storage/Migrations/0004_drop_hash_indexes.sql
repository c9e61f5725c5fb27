-- Schema 4: drop the two indexes keyed by a hash. No query seeks by prompt_hash or messages_hash: the waste
-- detector and workflow inference read a time range (ix_prompt_events_ts) and group the hashes in memory. A hash
-- is random, so each insert landed on a random leaf of each index: at 1k requests/s (~50 rows per commit) that was
-- ~100 random page reads per commit once the indexes outgrew SQLite's page cache, ~100 more 4 KB WAL frames, and the
-- checkpoints that copy them back. Dropping them cut the daemon's pwrite calls by ~85 % on the load test
-- (bench/TokenOps.LoadTest). The columns stay; only the index entries go.
DROP INDEX IF EXISTS ix_prompt_events_hash;
DROP INDEX IF EXISTS ix_prompt_events_messages_hash;
