-- Survey construct change per cohort member: the last wave answered before the index date against
-- the first answered after it (and, for comparison rows, before they joined the program). Both waves
-- come from left as-of joins, so no join back onto the member rows is needed. The wave answered before
-- that last one (earlier_*) gives change_from_earlier, the change over two gaps: people chosen on
-- their last recorded score drift back from it afterwards whatever the program does, and measuring
-- from the wave before keeps that drift out (mentorship.effect_tables, SURVEY_DESIGNS).
with members as (
    select employee_id, role, cohort, group_name, treated, index_date, censor_date, as_of_date
    from analytics.cohort_members
),

constructs as (
    select distinct construct from analytics.survey_scores
),

member_constructs as (
    select m.*, c.construct
    from members as m
    cross join constructs as c
),

pre as (
    select m.*, s.survey_wave as pre_wave, s.score as pre_score, s.response_date as pre_date
    from member_constructs as m
    asof left join analytics.survey_scores as s
        on s.employee_id = m.employee_id and s.construct = m.construct and m.index_date > s.response_date
),

earlier as (
    select p.*, s.survey_wave as earlier_wave, s.score as earlier_score
    from pre as p
    asof left join analytics.survey_scores as s
        on s.employee_id = p.employee_id and s.construct = p.construct and p.pre_date > s.response_date
),

post as (
    -- The first wave after the index date counts only if it came before the as-of date and the
    -- censoring date; a later wave never stands in for it.
    select p.*, s.survey_wave as next_wave, s.score as next_score,
           s.response_date <= least(p.as_of_date, p.censor_date) as next_counts
    from earlier as p
    asof left join analytics.survey_scores as s
        on s.employee_id = p.employee_id and s.construct = p.construct and p.index_date < s.response_date
),

final as (
    select
        employee_id,
        role,
        cohort,
        group_name,
        treated,
        index_date,
        construct,
        pre_wave,
        pre_score,
        case when next_counts then next_wave end as post_wave,
        case when next_counts then next_score end as post_score,
        case when next_counts then next_score end - pre_score as change,
        earlier_wave,
        earlier_score,
        case when next_counts then next_score end - earlier_score as change_from_earlier
    from post
)

select * from final
