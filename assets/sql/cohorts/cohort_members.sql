-- Mentees and mentors with their index date (first pair start in that role), and for every cohort
-- an eligible comparison group indexed on the cohort's start date: people employed then, at a job
-- level seen among that cohort's treated people, with at least the shortest tenure among them, not
-- yet in the role. A comparison person who joins
-- later is censored on the day they join (censor_date), so no pre-mentorship time is ever counted
-- as mentored and no mentored time as unmentored.
with employees as (
    select employee_id, hire_date, termination_date, termination_type, location, gender, birth_year
    from validated.employees
),

pairs as (
    select pair_id, program, cohort, mentor_id, mentee_id, start_date
    from validated.mentorship_pairs
),

job_history as (
    select employee_id, effective_date, job_level, department, job_family, is_people_manager,
           base_salary, performance_rating
    from validated.job_history
),

as_of as (
    select coalesce(cast(getvariable('as_of_date') as date), greatest(
        (select max(effective_date) from job_history),
        (select max(coalesce(termination_date, hire_date)) from employees),
        (select max(start_date) from pairs),
        (select max(meeting_date) from validated.meetings),
        (select max(response_date) from validated.survey_responses)
    )) as as_of_date
),

role_starts as (
    select mentee_id as employee_id, 'mentee' as role, pair_id, program, cohort, start_date from pairs
    union all
    select mentor_id as employee_id, 'mentor' as role, pair_id, program, cohort, start_date from pairs
),

first_start as (
    select
        employee_id,
        role,
        min(start_date) as first_start_date,
        -- Two pairs that start on the same day are told apart by pair id, so the same data always
        -- gives the same cohort.
        arg_min(pair_id, (start_date, pair_id)) as pair_id,
        arg_min(program, (start_date, pair_id)) as program,
        arg_min(cohort, (start_date, pair_id)) as cohort
    from role_starts
    group by employee_id, role
),

cohort_dates as (
    select cohort, min(start_date) as cohort_date
    from pairs
    group by cohort
),

treated as (
    select employee_id, role, cohort, program, pair_id, first_start_date as index_date,
           'mentored' as group_name, null::date as censor_date
    from first_start
),

-- The comparison group stays inside the support the cohort's own members define: their job levels
-- and at least the shortest tenure among them. Programs have entry rules (a minimum tenure, certain
-- levels) that the data does not state; someone newer than every mentee was most likely not eligible,
-- and new joiners leave more often, so leaving them in would make the program look better.
treated_levels as (
    select t.role, t.cohort, min(h.job_level) as min_level, max(h.job_level) as max_level,
           min(datediff('day', e.hire_date, t.index_date)) as min_tenure_days
    from treated as t
    inner join employees as e using (employee_id)
    asof inner join job_history as h
        on t.employee_id = h.employee_id and t.index_date >= h.effective_date
    group by t.role, t.cohort
),

candidates as (
    select l.role, c.cohort, c.cohort_date as index_date, e.employee_id, l.min_level, l.max_level
    from treated_levels as l
    inner join cohort_dates as c using (cohort)
    inner join employees as e
        on e.hire_date <= c.cohort_date
        and (e.termination_date is null or e.termination_date > c.cohort_date)
        and datediff('day', e.hire_date, c.cohort_date) >= l.min_tenure_days
),

comparison as (
    select
        c.employee_id,
        c.role,
        c.cohort,
        null::varchar as program,
        null::varchar as pair_id,
        c.index_date,
        'comparison' as group_name,
        case
            when c.role = 'mentee' then least(
                case when mentee.first_start_date > c.index_date then mentee.first_start_date end,
                case when mentor.first_start_date > c.index_date then mentor.first_start_date end)
            when mentor.first_start_date > c.index_date then mentor.first_start_date
        end as censor_date
    from candidates as c
    asof inner join job_history as h
        on c.employee_id = h.employee_id and c.index_date >= h.effective_date
    left join first_start as mentee on mentee.employee_id = c.employee_id and mentee.role = 'mentee'
    left join first_start as mentor on mentor.employee_id = c.employee_id and mentor.role = 'mentor'
    where h.job_level between c.min_level and c.max_level
        and (c.role <> 'mentee' or coalesce(mentee.first_start_date > c.index_date and mentee.cohort <> c.cohort, true))
        and (c.role <> 'mentee' or coalesce(mentor.first_start_date > c.index_date, true))
        and (c.role <> 'mentor' or coalesce(mentor.first_start_date > c.index_date and mentor.cohort <> c.cohort, true))
),

members as (
    select * from treated
    union all by name
    select * from comparison
),

at_index as (
    select
        m.*,
        h.job_level,
        h.department,
        h.job_family,
        h.is_people_manager,
        h.base_salary,
        h.performance_rating
    from members as m
    asof inner join job_history as h
        on m.employee_id = h.employee_id and m.index_date >= h.effective_date
),

promotions_to_date as (
    -- Each person's promotions up to each promotion date (two on one date counted together), so an
    -- as-of join gives the count before any index date.
    select employee_id, effective_date, count(*) over (partition by employee_id order by effective_date)
        as promotions_to_date
    from analytics.job_events
    where is_promotion
),

engagement as (
    select employee_id, response_date, score from analytics.survey_scores where construct = 'engagement'
),

satisfaction as (
    select employee_id, response_date, score from analytics.survey_scores where construct = 'satisfaction'
),

confidence as (
    select employee_id, response_date, score from analytics.survey_scores where construct = 'confidence'
),

growth as (
    select employee_id, response_date, score from analytics.survey_scores where construct = 'growth'
),

-- History before the index date, as-of joined straight onto each member row: promotions up to and
-- including the index date, and each construct's last score strictly before it.
with_history as (
    select
        a.*,
        p.promotions_to_date,
        p12.promotions_to_date as promotions_a_year_before,
        se.score as pre_engagement,
        ss.score as pre_satisfaction,
        sc.score as pre_confidence,
        sg.score as pre_growth
    from at_index as a
    asof left join promotions_to_date as p
        on p.employee_id = a.employee_id and a.index_date >= p.effective_date
    asof left join promotions_to_date as p12
        on p12.employee_id = a.employee_id and (a.index_date - to_months(12))::date >= p12.effective_date
    asof left join engagement as se
        on se.employee_id = a.employee_id and a.index_date > se.response_date
    asof left join satisfaction as ss
        on ss.employee_id = a.employee_id and a.index_date > ss.response_date
    asof left join confidence as sc
        on sc.employee_id = a.employee_id and a.index_date > sc.response_date
    asof left join growth as sg
        on sg.employee_id = a.employee_id and a.index_date > sg.response_date
),

with_intake as (
    -- The start of the intake a comparison person joined (the latest intake start on or before their
    -- joining date): the career outcomes censor the whole intake from its start.
    select w.*, i.cohort_date as censor_intake_start
    from with_history as w
    asof left join cohort_dates as i on w.censor_date >= i.cohort_date
),

final as (
    select
        a.employee_id,
        a.role,
        a.cohort,
        a.group_name,
        (a.group_name = 'mentored')::integer as treated,
        a.program,
        a.pair_id,
        a.index_date,
        a.censor_date,
        a.censor_intake_start,
        o.as_of_date,
        e.hire_date,
        e.termination_date,
        e.termination_type,
        a.job_level,
        a.department,
        a.job_family,
        e.location,
        e.gender,
        e.birth_year,
        year(a.index_date) - e.birth_year as age_at_index,
        datediff('month', e.hire_date, a.index_date) as tenure_months,
        a.is_people_manager,
        a.base_salary,
        a.base_salary / median(a.base_salary) over (partition by a.role, a.cohort, a.job_level) as salary_position,
        a.performance_rating,
        coalesce(a.promotions_to_date, 0) as prior_promotions,
        -- A placebo outcome: nothing that happened before the index date can be the program's doing
        -- (mentorship.falsification).
        (coalesce(a.promotions_to_date, 0) > coalesce(a.promotions_a_year_before, 0))::double
            as promoted_in_year_before,
        a.censor_date is not null as joins_later,
        a.pre_engagement,
        a.pre_satisfaction,
        a.pre_confidence,
        a.pre_growth
    from with_intake as a
    inner join employees as e using (employee_id)
    cross join as_of as o
    where e.hire_date <= a.index_date
        and (e.termination_date is null or e.termination_date >= a.index_date)
)

select * from final
