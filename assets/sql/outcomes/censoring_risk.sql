-- The risk set for joining later: one row per comparison member and later cohort that starts while
-- they are still followed up, with what is known about them on that cohort's first start date and
-- whether they joined (were censored) in it. Who joins later depends on what changed since the index
-- date (a new rating, a promotion), and the same things drive promotion and exit, so censoring at
-- joining is informative; the effects layer fits the chance of joining on this table and weights the
-- comparison people who stay by its inverse (IPCW).
with members as (
    select
        employee_id, role, cohort, index_date, censor_date, hire_date, gender, location, birth_year,
        least(as_of_date, coalesce(termination_date, as_of_date)) as end_date
    from analytics.cohort_members
    where group_name = 'comparison'
),

job_history as (
    select employee_id, effective_date, job_level, department, is_people_manager, base_salary, performance_rating
    from validated.job_history
),

cohort_windows as (
    select cohort as later_cohort, min(start_date) as window_start, max(start_date) as window_end
    from validated.mentorship_pairs
    group by cohort
),

at_risk as (
    select
        m.*,
        w.later_cohort,
        w.window_start,
        w.window_end,
        coalesce(m.censor_date between w.window_start and w.window_end, false) as joined
    from members as m
    inner join cohort_windows as w
        on w.window_start > m.index_date
        and w.window_start <= m.end_date
        and (m.censor_date is null or w.window_start <= m.censor_date)
),

with_job as (
    select r.*, h.job_level, h.department, h.is_people_manager, h.base_salary, h.performance_rating
    from at_risk as r
    asof inner join job_history as h
        on r.employee_id = h.employee_id and r.window_start >= h.effective_date
),

engagement as (
    select employee_id, response_date, score from analytics.survey_scores where construct = 'engagement'
),

satisfaction as (
    select employee_id, response_date, score from analytics.survey_scores where construct = 'satisfaction'
),

-- The last score before the window's start, one as-of join per construct straight onto the rows.
with_surveys as (
    select j.*, e.score as engagement_now, s.score as satisfaction_now
    from with_job as j
    asof left join engagement as e
        on e.employee_id = j.employee_id and j.window_start > e.response_date
    asof left join satisfaction as s
        on s.employee_id = j.employee_id and j.window_start > s.response_date
),

final as (
    select
        j.employee_id,
        j.role,
        j.cohort,
        j.later_cohort,
        datediff('day', j.index_date, j.window_start) as days_to_window,
        -- Joiners have all left by the window's last start: from then on the others stand in for them.
        calendar_months(j.index_date, j.window_start) as months_to_window,
        calendar_months(j.index_date, j.window_end) as months_to_weight_step,
        j.joined::integer as joined,
        j.job_level,
        j.department,
        j.location,
        j.gender,
        year(j.window_start) - j.birth_year as age_now,
        datediff('month', j.hire_date, j.window_start) as tenure_months_now,
        j.is_people_manager,
        j.base_salary / median(j.base_salary) over (partition by j.role, j.later_cohort, j.job_level)
            as salary_position_now,
        j.performance_rating,
        j.engagement_now,
        j.satisfaction_now
    from with_surveys as j
)

select * from final
