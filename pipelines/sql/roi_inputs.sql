-- What the ROI case needs, as aggregates: mentees and pairs, mentoring hours, and the mentees' mean
-- salary at their index date (the base for replacement cost).
with mentees as (
    select employee_id, base_salary
    from analytics.cohort_members
    where role = 'mentee' and group_name = 'mentored'
),

pairs as (
    select pair_id, start_date, observed_until, meeting_minutes
    from analytics.pair_engagement
),

final as (
    select
        (select count(*) from mentees) as mentees,
        (select avg(base_salary) from mentees) as mean_mentee_salary,
        (select count(*) from pairs) as pairs,
        (select coalesce(sum(meeting_minutes), 0) from pairs) / 60.0 as meeting_hours,
        (select min(start_date) from pairs) as first_pair_start,
        (select max(observed_until) from pairs) as last_observed,
        datediff('month', (select min(start_date) from pairs), (select max(observed_until) from pairs))
            as program_months
)

select * from final
