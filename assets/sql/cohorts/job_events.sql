-- One row per job-history row with the change it records relative to the previous row.
with source as (
    select employee_id, effective_date, job_level, department, is_people_manager, base_salary,
           performance_rating, _source_file, _source_line
    from validated.job_history
),

ordered as (
    select
        *,
        lag(job_level) over w as previous_level,
        lag(department) over w as previous_department,
        lag(is_people_manager) over w as previous_is_people_manager
    from source
    window w as (partition by employee_id order by effective_date, _source_file, _source_line)
),

final as (
    select
        employee_id,
        effective_date,
        job_level,
        department,
        is_people_manager,
        base_salary,
        performance_rating,
        coalesce(job_level > previous_level, false) as is_promotion,
        coalesce(department <> previous_department, false) as is_department_move,
        coalesce(is_people_manager and not previous_is_people_manager, false) as is_move_into_management
    from ordered
)

select * from final
