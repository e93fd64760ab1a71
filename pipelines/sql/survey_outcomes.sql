-- Survey construct change per cohort member: the last wave answered before the index date against
-- the first answered after it (and, for comparison rows, before they joined the program).
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
    select m.employee_id, m.role, m.cohort, m.group_name, m.construct,
           s.survey_wave as pre_wave, s.score as pre_score
    from member_constructs as m
    asof inner join analytics.survey_scores as s
        on s.employee_id = m.employee_id and s.construct = m.construct and m.index_date > s.response_date
),

post as (
    select m.employee_id, m.role, m.cohort, m.group_name, m.construct,
           s.survey_wave as post_wave, s.score as post_score, s.response_date as post_date
    from member_constructs as m
    asof inner join analytics.survey_scores as s
        on s.employee_id = m.employee_id and s.construct = m.construct and m.index_date < s.response_date
    where s.response_date <= least(m.as_of_date, m.censor_date)
),

final as (
    select
        m.employee_id,
        m.role,
        m.cohort,
        m.group_name,
        m.treated,
        m.index_date,
        m.construct,
        pre.pre_wave,
        pre.pre_score,
        post.post_wave,
        post.post_score,
        post.post_score - pre.pre_score as change
    from member_constructs as m
    left join pre using (employee_id, role, cohort, group_name, construct)
    left join post using (employee_id, role, cohort, group_name, construct)
)

select * from final
