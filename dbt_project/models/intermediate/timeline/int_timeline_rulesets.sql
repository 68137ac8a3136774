-- The rule sets as the timetable reads them: whether the evaluation process (评估认定进程,
-- county_certification) judges each one — the high-quality evaluation does, the basic one does not.
select
    ruleset,
    evaluation = 'high_quality' as certification_applies
from {{ ref('rulesets') }}
