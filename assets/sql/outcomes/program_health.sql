-- Program health per program and cohort, and for all pairs together: pairs by status, meeting
-- cadence and regularity bands, goals and mentee ratings. Unsuppressed: it stays in the warehouse, and
-- the publication gate (mentorship.publication) suppresses it with every table it shares totals with.
with pairs as (
    select pair_id, program, cohort, status, meetings, meeting_minutes, meetings_per_month, mean_gap_days,
           max_gap_days, longest_gap_days, days_since_last_meeting, goals_set, goals_met, mean_mentee_rating,
           cadence_band, regularity_band
    from analytics.pair_engagement
),

grouped as (
    select
        coalesce(program, 'All programs') as program,
        coalesce(cohort, 'All cohorts') as cohort,
        count(*) as pairs,
        count(*) filter (where status = 'active') as active_pairs,
        count(*) filter (where status = 'completed') as completed_pairs,
        count(*) filter (where status = 'withdrawn') as withdrawn_pairs,
        sum(meetings) as meetings,
        sum(meeting_minutes) as meeting_minutes,
        avg(meetings_per_month) as meetings_per_pair_month,
        median(mean_gap_days) as median_gap_days,
        avg(max_gap_days) as mean_longest_gap_days,
        sum(goals_set) as goals_set,
        sum(goals_met) as goals_met,
        avg(mean_mentee_rating) as mean_mentee_rating,
        count(*) filter (where cadence_band = 'low') as low_cadence_pairs,
        count(*) filter (where cadence_band = 'medium') as medium_cadence_pairs,
        count(*) filter (where cadence_band = 'high') as high_cadence_pairs,
        count(*) filter (where regularity_band = 'low') as low_regularity_pairs,
        count(*) filter (where regularity_band = 'medium') as medium_regularity_pairs,
        count(*) filter (where regularity_band = 'high') as high_regularity_pairs
    from pairs
    group by grouping sets ((program, cohort), (cohort), ())
),

final as (
    select * from grouped
)

select * from final order by program = 'All programs' desc, program, cohort = 'All cohorts' desc, cohort
