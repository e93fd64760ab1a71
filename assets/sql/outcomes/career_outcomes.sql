-- Career outcomes per cohort member at 6, 12 and 24 months after the index date. Events count in
-- (index_date, horizon_date]; an exit counts when the person is gone on the horizon date
-- (termination_date < horizon_date). A row is observed only when the horizon has passed and, for
-- comparison rows, the person had not joined an intake that started by then: the whole intake counts,
-- even a joiner whose own start falls after the horizon date, because the censoring weights step at
-- intakes (mentorship.effect_tables.with_censoring_weight) and so must the censoring.
with members as (
    select employee_id, role, cohort, group_name, treated, index_date, censor_date, censor_intake_start, as_of_date,
           termination_date, termination_type, department, is_people_manager, base_salary
    from analytics.cohort_members
),

horizons as (
    select unnest(getvariable('horizons')::integer[]) as horizon_months
),

spans as (
    select m.*, h.horizon_months, (m.index_date + to_months(h.horizon_months))::date as horizon_date,
           row_number() over () as span_id
    from members as m
    cross join horizons as h
),

events as (
    select
        s.span_id,
        bool_or(e.is_promotion) as promoted,
        bool_or(e.is_move_into_management) as moved_into_management,
        bool_or(e.department <> s.department) as changed_department
    from spans as s
    inner join analytics.job_events as e
        on e.employee_id = s.employee_id
        and e.effective_date > s.index_date
        and e.effective_date <= s.horizon_date
    group by s.span_id
),

salary_at_horizon as (
    select s.*, e.base_salary as horizon_salary
    from spans as s
    asof left join analytics.job_events as e
        on e.employee_id = s.employee_id and s.horizon_date >= e.effective_date
),

final as (
    select
        s.employee_id,
        s.role,
        s.cohort,
        s.group_name,
        s.treated,
        s.index_date,
        s.horizon_months,
        s.horizon_date,
        s.horizon_date <= s.as_of_date
            and (s.censor_date is null or s.censor_intake_start > s.horizon_date) as observed,
        coalesce(v.promoted, false)::double as promoted,
        coalesce(s.termination_type = 'voluntary' and s.termination_date < s.horizon_date, false)::double
            as voluntary_exit,
        1 - coalesce(s.termination_type = 'voluntary' and s.termination_date < s.horizon_date, false)::double
            as retained,
        coalesce(s.termination_date < s.horizon_date, false)::double as any_exit,
        case
            when s.termination_date is null or s.termination_date >= s.horizon_date
                then s.horizon_salary / nullif(s.base_salary, 0) - 1
        end as salary_growth,
        case when not s.is_people_manager then coalesce(v.moved_into_management, false)::double end
            as became_people_manager,
        coalesce(v.changed_department, false)::double as changed_department
    from salary_at_horizon as s
    left join events as v using (span_id)
)

select * from final
