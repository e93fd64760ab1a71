-- The raw comparison: mentored vs comparison means per role, outcome and horizon, with counts and a
-- naive standard error. No adjustment for who volunteers. Unsuppressed: the publication gate
-- (mentorship/publication.py) suppresses it on the way out. Comparison rows are person-cohort pairs, so one person can count in several cohorts.
with catalog as (
    select * from (values
        ('promoted', 'Promoted', 'proportion', 1),
        ('retained', 'Retained (no voluntary exit)', 'proportion', 2),
        ('salary_growth', 'Salary growth', 'growth', 3),
        ('became_people_manager', 'Moved into people management', 'proportion', 4),
        ('changed_department', 'Changed department', 'proportion', 5),
        ('engagement_change', 'Engagement change (pre to post wave)', 'score_change', 6),
        ('satisfaction_change', 'Satisfaction change (pre to post wave)', 'score_change', 7),
        ('confidence_change', 'Confidence change (pre to post wave)', 'score_change', 8),
        ('growth_change', 'Growth change (pre to post wave)', 'score_change', 9)
    ) as t(outcome, outcome_label, scale, sort_order)
),

career as (
    select employee_id, role, group_name, horizon_months, outcome, value
    from (
        select employee_id, role, group_name, horizon_months, promoted, retained, salary_growth,
               became_people_manager, changed_department
        from analytics.career_outcomes
        where observed
    ) unpivot (value for outcome in (promoted, retained, salary_growth, became_people_manager, changed_department))
),

survey as (
    select employee_id, role, group_name, null::integer as horizon_months, construct || '_change' as outcome,
           change as value
    from analytics.survey_outcomes
    where change is not null
),

observations as (
    select * from career
    union all
    select * from survey
),

by_group as (
    select
        role, outcome, horizon_months, group_name,
        count(*) as n,
        count(distinct employee_id) as n_people,
        avg(value) as mean,
        var_samp(value) as variance
    from observations
    group by all
),

paired as (
    select
        t.role,
        t.outcome,
        t.horizon_months,
        t.n as n_mentored,
        c.n as n_comparison,
        c.n_people as n_comparison_people,
        t.mean as mean_mentored,
        c.mean as mean_comparison,
        t.mean - c.mean as raw_difference,
        sqrt(t.variance / t.n + c.variance / c.n) as raw_se
    from by_group as t
    inner join by_group as c
        on c.role = t.role and c.outcome = t.outcome
        and c.horizon_months is not distinct from t.horizon_months
        and t.group_name = 'mentored' and c.group_name = 'comparison'
),

final as (
    select
        p.role,
        p.outcome,
        coalesce(k.outcome_label, replace(p.outcome, '_', ' ')) as outcome_label,
        coalesce(k.scale, 'score_change') as scale,
        p.horizon_months,
        p.n_mentored,
        p.n_comparison,
        p.n_comparison_people,
        p.mean_mentored,
        p.mean_comparison,
        p.raw_difference,
        p.raw_se,
        coalesce(k.sort_order, 99) as sort_order
    from paired as p
    left join catalog as k using (outcome)
)

select * exclude (sort_order) from final
order by role, sort_order, horizon_months
