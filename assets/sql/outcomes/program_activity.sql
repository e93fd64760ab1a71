-- Program activity by calendar month, per program and for all programs together: the pairs running in
-- the month (started by its end, not ended before its start) and the meetings they held in it. The
-- program-health trend over calendar time. Unsuppressed: the publication gate suppresses it on the way
-- out, with its program totals.
with pairs as (
    select pair_id, program, start_date, end_date
    from validated.mentorship_pairs
),

meetings as (
    select pair_id, meeting_date
    from validated.meetings
),

as_of as (
    select max(as_of_date) as as_of_date from analytics.cohort_members
),

months as (
    select unnest(generate_series(date_trunc('month', (select min(start_date) from pairs)),
                                  date_trunc('month', (select as_of_date from as_of)),
                                  interval 1 month))::date as month
),

running as (
    select m.month, p.program, p.pair_id
    from months as m
    inner join pairs as p
        on p.start_date < m.month + interval 1 month
        and coalesce(p.end_date, (select as_of_date from as_of)) >= m.month
),

held as (
    select date_trunc('month', meeting_date)::date as month, pair_id, count(*) as meetings
    from meetings
    group by all
),

grouped as (
    select
        r.month,
        coalesce(r.program, 'All programs') as program,
        count(*) as running_pairs,
        coalesce(sum(h.meetings), 0) as meetings
    from running as r
    left join held as h on h.month = r.month and h.pair_id = r.pair_id
    group by grouping sets ((r.month, r.program), (r.month))
),

final as (
    select
        strftime(month, '%Y-%m') as month,
        program,
        running_pairs,
        meetings,
        meetings / running_pairs as meetings_per_pair
    from grouped
)

select * from final order by month asc, program = 'All programs' desc, program asc
