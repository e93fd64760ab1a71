-- Survey constructs before and after the index date, per role, construct and group: the means the
-- difference-in-differences compares. Groups under the minimum size are suppressed.
with changes as (
    select role, group_name, construct, pre_score, post_score, change
    from analytics.survey_outcomes
    where change is not null
),

grouped as (
    select role, construct, group_name, count(*) as people, avg(pre_score) as pre_mean, avg(post_score) as post_mean,
           avg(change) as mean_change
    from changes
    group by role, construct, group_name
),

final as (
    select
        role,
        construct,
        group_name,
        people < $min_group_size as suppressed,
        case when people >= $min_group_size then people end as people,
        case when people >= $min_group_size then pre_mean end as pre_mean,
        case when people >= $min_group_size then post_mean end as post_mean,
        case when people >= $min_group_size then mean_change end as mean_change
    from grouped
)

select * from final order by role, construct, group_name
