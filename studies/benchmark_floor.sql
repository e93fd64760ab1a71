-- The floor: the benchmark's core aggregate in one hand-written DuckDB script that reads the landing
-- files once. 12-month promotion and voluntary exit, mentees (indexed on their first pair start)
-- against everyone employed and not yet mentored at each cohort's start. No validation, no
-- provenance, no adjustment: the least work that gives the raw comparison.
with employees as (
    select employee_id, hire_date::date as hire_date, nullif(termination_date, '')::date as termination_date,
           termination_type
    from read_csv('{landing}/employees/*.csv', all_varchar = true)
),

jobs as (
    select employee_id, effective_date::date as effective_date, job_level::integer as job_level
    from read_csv('{landing}/job_history/*.csv', all_varchar = true)
),

promotions as (
    select employee_id, effective_date
    from jobs
    qualify job_level > lag(job_level) over (partition by employee_id order by effective_date)
),

pairs as (
    select mentee_id, cohort, start_date::date as start_date
    from read_csv('{landing}/mentorship_pairs/*.csv', all_varchar = true)
),

mentees as (
    select mentee_id as employee_id, min(start_date) as index_date, 'mentored' as group_name
    from pairs
    group by mentee_id
),

cohorts as (
    select cohort, min(start_date) as cohort_date
    from pairs
    group by cohort
),

comparison as (
    select e.employee_id, c.cohort_date as index_date, 'comparison' as group_name
    from cohorts as c
    inner join employees as e
        on e.hire_date <= c.cohort_date and (e.termination_date is null or e.termination_date > c.cohort_date)
    anti join mentees as m
        on m.employee_id = e.employee_id and m.index_date <= c.cohort_date
),

people as (
    select * from mentees
    union all
    select * from comparison
),

promoted as (
    select x.employee_id, x.index_date, x.group_name, count(p.employee_id) > 0 as promoted
    from people as x
    left join promotions as p
        on p.employee_id = x.employee_id
        and p.effective_date > x.index_date
        and p.effective_date <= x.index_date + interval 12 month
    group by all
),

final as (
    select
        x.group_name,
        count(*) as people,
        avg(x.promoted::integer) as promoted_12m,
        avg((e.termination_type = 'voluntary' and e.termination_date > x.index_date
             and e.termination_date <= x.index_date + interval 12 month)::integer) as exited_12m
    from promoted as x
    inner join employees as e using (employee_id)
    group by x.group_name
)

select * from final order by group_name
