{{ config(pre_hook="{{ delete_selected_years() }}") }}
-- Published: the roadmap's rows for the items outside the resource dimension (路线图 · 其他指标):
-- every guarantee, quality, recognition, veto or prerequisite item a county fails or cannot show,
-- with what it lacks in natural units where the item is a number (int_county_item_gaps: G5 classes
-- to add, G6 / G7 / G8 yuan a year, G9 teachers to train, G12 to certify; int_county_submitted_item_gaps:
-- G11 teachers to rotate, SR percentage points), the schools concerned and the cost where a unit cost
-- applies; an unknown item gets "evidence to submit". The resource items' plan is in mart_county_roadmap.

with items as (
    select * from {{ ref('fct_county_items') }}
    where
        dimension <> 'resource' and status in ('fail', 'unknown')
        and {{ year_filter('year') }}
),

gaps as (
    select * from {{ ref('int_county_item_gaps') }}
    where {{ year_filter('year') }}
    union all by name
    select * from {{ ref('int_county_submitted_item_gaps') }}
    where {{ year_filter('year') }}
)

select
    i.year,
    i.ruleset,
    i.county_code,
    i.item_code,
    i.dimension,
    i.name_zh,
    i.status,
    i.value,
    i.standard,
    case when i.status = 'fail' then g.gap end as gap,
    case when i.status = 'fail' then g.gap_unit end as gap_unit,
    case when i.status = 'fail' then g.cost_yuan end as cost_yuan,
    -- money by kind: a gap counted in yuan a year (G6 / G7 funding, G8 pay) is recurring; no item's
    -- cost is one-off yet
    case
        when i.status = 'fail' and g.cost_yuan is not null
            then case when g.gap_unit like '%a year' then 'recurring' else 'one_off' end
    end as cost_kind,
    case
        when i.status = 'unknown' then 'evidence to submit: ' || coalesce(i.detail, i.standard)
        when g.action is not null then g.action
        when g.gap is not null then printf('%,.0f', g.gap) || ' ' || g.gap_unit
        else 'meet the standard: ' || i.standard
    end as action,
    case when i.status = 'fail' then g.schools end as schools,
    case when i.status = 'fail' then g.rebalance_schools end as rebalance_schools
from items as i
left join gaps as g on i.year = g.year and i.county_code = g.county_code and i.item_code = g.item_code
