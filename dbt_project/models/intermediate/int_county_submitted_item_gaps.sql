{{ config(pre_hook="{{ delete_selected_years() }}") }}
-- What a county lacks on the numeric items of its submission, per year × county (the roadmap's item
-- rows, beside int_county_item_gaps), from the submitted shares and the thresholds of
-- seeds/submission_rules.csv:
--   G11 teachers to rotate. The submission gives shares (G11a: rotated teachers, % of the eligible;
--       G11b: key teachers, % of those rotated), not the eligible count, so the eligible are taken as
--       the full-time teachers of the county's public schools in the census — an upper bound (the
--       eligible are fewer), so the gap is at most what is needed. With E eligible, r = G11a·E rotated,
--       k = G11b·r key teachers among them: g = max(0, 10 %·E − r) more to rotate; x more key teachers,
--       the least with k + x ≥ 20 % of everyone rotated (r + max(g, x)); the gap is max(g, x), rounded up.
--   SR  percentage points of social recognition to 85 % (also the veto VETO_LOW_RECOGNITION, read
--       from the same part).
-- A share read as in int_county_submitted_items (a percentage; a bare value in (0, 1] is ambiguous
-- and read as unknown): an unknown share leaves the gap NULL.

with rules as (
    select item_code, part_code, threshold, scale from {{ ref('submission_rules') }}
),

submitted as (
    select
        s.year,
        s.county_code,
        s.item_code as part_code,
        case
            when r.scale = 'percent' and s.stated_scale = 'fraction' then s.value_number * 100
            when r.scale = 'percent' and s.stated_scale is null and s.value_number > 0 and s.value_number <= 1 then null
            else s.value_number
        end as value_number
    from {{ ref('stg_submission__items') }} as s
    inner join (select distinct part_code, scale from rules) as r on s.item_code = r.part_code
    where s.item_code in ('G11A', 'G11B', 'SR') and {{ year_filter('s.year') }}
),

shares as (
    select
        max(case when part_code = 'G11A' then threshold / 100 end) as min_share,
        max(case when part_code = 'G11B' then threshold / 100 end) as min_key_share
    from rules
),

eligible as (
    select year, county_code, public_full_time_teachers as teachers from {{ ref('int_county_teachers') }}
    where {{ year_filter('year') }}
),

rotation as (
    select
        e.year,
        e.county_code,
        e.teachers,
        a.value_number / 100 * e.teachers as rotated,
        b.value_number / 100 * a.value_number / 100 * e.teachers as key_rotated,
        k.min_share,
        k.min_key_share
    from eligible as e
    cross join shares as k
    inner join submitted as a on e.year = a.year and e.county_code = a.county_code and a.part_code = 'G11A'
    inner join submitted as b on e.year = b.year and e.county_code = b.county_code and b.part_code = 'G11B'
),

more_rotated as (
    select
        *,
        {{ positive_part('min_share * teachers - rotated') }} as more
    from rotation
),

more_key as (
    select
        *,
        case
            -- the key teachers fit among the `more` teachers rotated anyway
            when {{ positive_part('min_key_share * (rotated + more) - key_rotated') }} <= more
                then {{ positive_part('min_key_share * (rotated + more) - key_rotated') }}
            -- else every further teacher rotated is a key teacher: k + x ≥ share · (r + x)
            else {{ positive_part('(min_key_share * rotated - key_rotated) / (1 - min_key_share)') }}
        end as key_more
    from more_rotated
),

g11 as (
    select
        year,
        county_code,
        teachers,
        ceil(greatest(more, key_more) - {{ var('comparison_tolerance') }}) as to_rotate,
        ceil(key_more - {{ var('comparison_tolerance') }}) as key_to_rotate
    from more_key
)

select
    year,
    county_code,
    'G11' as item_code,
    cast(to_rotate as double) as gap,
    'teachers to rotate' as gap_unit,
    cast(null as double) as cost_yuan,
    cast(null as varchar) as schools,
    cast(null as varchar) as rebalance_schools,
    printf('%,d', cast(to_rotate as bigint)) || ' more teachers to rotate a year'
    || case when key_to_rotate > 0 then ', ' || printf('%,d', cast(key_to_rotate as bigint)) || ' of them key teachers' else '' end
    || ' (eligible taken as the ' || printf('%,d', cast(teachers as bigint))
    || ' full-time teachers of public schools: at most)' as action
from g11
where to_rotate is not null
union all
select
    s.year,
    s.county_code,
    r.item_code,
    {{ positive_part('r.threshold - s.value_number') }},
    'percentage points',
    null,
    null,
    null,
    printf('%.1f', {{ positive_part('r.threshold - s.value_number') }})
    || ' percentage points of social recognition to reach ' || printf('%g', r.threshold) || ' %'
from submitted as s
inner join rules as r on s.part_code = r.part_code
where s.part_code = 'SR' and s.value_number is not null
