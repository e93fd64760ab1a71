-- Survey constructs before and after the index date, per role, construct and group: the means the
-- difference-in-differences compares. Unsuppressed: the publication gate suppresses it on the way out.
with changes as (
    select employee_id, role, group_name, construct, pre_score, post_score, change
    from analytics.survey_outcomes
    where change is not null
),

grouped as (
    -- A comparison person is compared once per intake they could have joined: people and
    -- person-intakes are counted apart.
    select role, construct, group_name, count(distinct employee_id) as people, count(*) as person_intakes,
           avg(pre_score) as pre_mean, avg(post_score) as post_mean, avg(change) as mean_change
    from changes
    group by role, construct, group_name
),

final as (
    select role, construct, group_name, people, person_intakes, pre_mean, post_mean, mean_change
    from grouped
)

select * from final order by role, construct, group_name
