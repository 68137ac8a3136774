-- Rows of the `teachers` feed held back by the feed contract: one row per rule broken, with the county
-- it belongs to (when it can be told). The same staging for every feed: macros/quarantine.sql.
{{ stg_quarantine('teachers') }}
