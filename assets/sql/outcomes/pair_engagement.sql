-- Program engagement per pair: cadence, regularity, goals and ratings, observed up to the pair's
-- end or the as-of date while it is active.
--
-- The two dose bands are measured over the pair's first 90 days only (or its whole life if it ended
-- sooner). Over a pair's whole life they would be tangled with its outcome: a pair closes when either
-- person leaves, so a mentee who left early has a short, tidy record. Cadence is meetings a month;
-- regularity is the longest stretch without a meeting, counted from the start and up to the end of
-- the window, so a pair that met twice and stopped is not called regular. An active pair younger than
-- 90 days has no band yet.
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

observed as (
    select
        p.*,
        least(coalesce(p.end_date, a.as_of_date), a.as_of_date) as observed_until
    from pairs as p
    cross join as_of as a
),

windowed as (
    select
        *,
        least(observed_until, start_date + 90) as dose_until,
        status <> 'active' or observed_until >= start_date + 90 as dose_known
    from observed
),

gaps as (
    select
        m.*,
        w.dose_until,
        datediff('day', lag(m.meeting_date) over (partition by m.pair_id order by m.meeting_date), m.meeting_date)
            as gap_days
    from meetings as m
    inner join windowed as w using (pair_id)
),

per_pair as (
    select
        pair_id,
        count(*) as meetings,
        sum(duration_minutes) as meeting_minutes,
        avg(mentee_rating) as mean_mentee_rating,
        avg(gap_days) as mean_gap_days,
        max(gap_days) as max_gap_days,
        min(meeting_date) as first_meeting_date,
        max(meeting_date) as last_meeting_date,
        count(*) filter (where meeting_date <= dose_until) as early_meetings,
        max(gap_days) filter (where meeting_date <= dose_until) as early_max_gap_days,
        min(meeting_date) filter (where meeting_date <= dose_until) as early_first_date,
        max(meeting_date) filter (where meeting_date <= dose_until) as early_last_date
    from gaps
    group by pair_id
),

measured as (
    select
        o.*,
        greatest(datediff('day', o.start_date, o.observed_until), 1) / 30.4375 as months_observed,
        coalesce(m.meetings, 0) as meetings,
        coalesce(m.meeting_minutes, 0) as meeting_minutes,
        m.mean_gap_days,
        m.max_gap_days,
        m.last_meeting_date,
        m.mean_mentee_rating,
        greatest(
            datediff('day', o.start_date, coalesce(m.first_meeting_date, o.observed_until)),
            coalesce(m.max_gap_days, 0),
            datediff('day', coalesce(m.last_meeting_date, o.start_date), o.observed_until),
            0
        ) as longest_gap_days,
        greatest(datediff('day', o.start_date, o.dose_until), 1) / 30.4375 as early_months,
        coalesce(m.early_meetings, 0) as early_meetings,
        greatest(
            datediff('day', o.start_date, coalesce(m.early_first_date, o.dose_until)),
            coalesce(m.early_max_gap_days, 0),
            datediff('day', coalesce(m.early_last_date, o.start_date), o.dose_until),
            0
        ) as early_longest_gap_days
    from windowed as o
    left join per_pair as m using (pair_id)
),

final as (
    select
        pair_id,
        program,
        cohort,
        status,
        start_date,
        end_date,
        observed_until,
        months_observed,
        meetings,
        meeting_minutes,
        meetings / months_observed as meetings_per_month,
        mean_gap_days,
        max_gap_days,
        longest_gap_days,
        last_meeting_date,
        datediff('day', coalesce(last_meeting_date, start_date), observed_until) as days_since_last_meeting,
        goals_set,
        goals_met,
        goals_met / nullif(goals_set, 0) as goal_attainment,
        mean_mentee_rating,
        early_meetings,
        early_longest_gap_days,
        case
            when not dose_known then null
            when early_meetings / early_months < 1 then 'low'
            when early_meetings / early_months < 2 then 'medium'
            else 'high'
        end as cadence_band,
        case
            when not dose_known then null
            when early_longest_gap_days > 63 then 'low'
            when early_longest_gap_days > 42 then 'medium'
            else 'high'
        end as regularity_band
    from measured
)

select * from final
