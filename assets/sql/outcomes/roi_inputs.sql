-- What the ROI case needs, as aggregates, for all programs together and for each program: mentees and
-- pairs, mentoring hours, and the mentees' mean salary at their index date (the base for replacement
-- cost). The program's span (first pair to the as-of date) is the whole program's, for every row.
with mentees as (
    select employee_id, program, base_salary
    from analytics.cohort_members
    where role = 'mentee' and group_name = 'mentored'
),

pairs as (
    select pair_id, program, start_date, observed_until, meeting_minutes
    from analytics.pair_engagement
),

span as (
    select min(start_date) as first_pair_start, max(observed_until) as last_observed
    from pairs
),

by_mentees as (
    select coalesce(program, 'All programs') as program, count(*) as mentees, avg(base_salary) as mean_mentee_salary
    from mentees
    group by grouping sets ((program), ())
),

by_pairs as (
    select coalesce(program, 'All programs') as program, count(*) as pairs,
           coalesce(sum(meeting_minutes), 0) / 60.0 as meeting_hours
    from pairs
    group by grouping sets ((program), ())
),

final as (
    select
        p.program,
        coalesce(m.mentees, 0) as mentees,
        m.mean_mentee_salary,
        p.pairs,
        p.meeting_hours,
        s.first_pair_start,
        s.last_observed,
        datediff('month', s.first_pair_start, s.last_observed) as program_months
    from by_pairs as p
    left join by_mentees as m using (program)
    cross join span as s
)

select * from final order by program = 'All programs' desc, program
