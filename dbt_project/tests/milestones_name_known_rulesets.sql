-- A milestone's rule sets (seeds/milestones.csv, ';'-separated) must be rule sets of rulesets.csv: a
-- misspelt one would silently drop the milestone from that rule set's mart_milestones.
with listed as (
    select
        scope_code,
        milestone_year,
        unnest(string_split(replace(rulesets, ' ', ''), ';')) as ruleset
    from {{ ref('milestones') }}
    where nullif(trim(rulesets), '') is not null
)

select *
from listed
where ruleset not in (select r.ruleset from {{ ref('rulesets') }} as r)
