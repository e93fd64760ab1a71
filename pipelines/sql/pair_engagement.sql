-- Program engagement per pair: cadence, regularity, goals and ratings, observed up to the pair's
-- end or the as-of date while it is active.
with pairs as (
    select pair_id, program, cohort, status, start_date, end_date, goals_set, goals_met
    from validated.mentorship_pairs
),

meetings as (
    select pair_id, meeting_date, duration_minutes, mentee_rating
    from validated.meetings
),

as_of as (
    select max(as_of_date) as as_of_date from analytics.cohort_members
),

gaps as (
    select
        *,
        datediff('day', lag(meeting_date) over (partition by pair_id order by meeting_date), meeting_date)
            as gap_days
    from meetings
),

per_pair as (
    select
        pair_id,
        count(*) as meetings,
        sum(duration_minutes) as meeting_minutes,
        avg(mentee_rating) as mean_mentee_rating,
        avg(gap_days) as mean_gap_days,
        max(gap_days) as max_gap_days,
        max(meeting_date) as last_meeting_date
    from gaps
    group by pair_id
),

observed as (
    select
        p.*,
        least(coalesce(p.end_date, a.as_of_date), a.as_of_date) as observed_until
    from pairs as p
    cross join as_of as a
),

final as (
    select
        o.pair_id,
        o.program,
        o.cohort,
        o.status,
        o.start_date,
        o.end_date,
        o.observed_until,
        greatest(datediff('day', o.start_date, o.observed_until), 1) / 30.4375 as months_observed,
        coalesce(m.meetings, 0) as meetings,
        coalesce(m.meeting_minutes, 0) as meeting_minutes,
        coalesce(m.meetings, 0) / (greatest(datediff('day', o.start_date, o.observed_until), 1) / 30.4375)
            as meetings_per_month,
        m.mean_gap_days,
        m.max_gap_days,
        m.last_meeting_date,
        datediff('day', coalesce(m.last_meeting_date, o.start_date), o.observed_until) as days_since_last_meeting,
        o.goals_set,
        o.goals_met,
        o.goals_met / nullif(o.goals_set, 0) as goal_attainment,
        m.mean_mentee_rating,
        case
            when coalesce(m.meetings, 0) / (greatest(datediff('day', o.start_date, o.observed_until), 1) / 30.4375) < 1
                then 'low'
            when m.meetings / (greatest(datediff('day', o.start_date, o.observed_until), 1) / 30.4375) < 2
                then 'medium'
            else 'high'
        end as regularity_band
    from observed as o
    left join per_pair as m using (pair_id)
)

select * from final
