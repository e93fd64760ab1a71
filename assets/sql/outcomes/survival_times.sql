-- Time to voluntary exit and to first promotion per cohort member, from the index date.
-- Follow-up ends at the earliest of the as-of date, the censor date (joining the program) and, for
-- promotion, any exit; an involuntary exit censors the time to voluntary exit. The *_competing flags
-- mark follow-up that ended in a competing event (an involuntary exit for voluntary exit; any exit
-- before a promotion), so horizon probabilities can treat it as such rather than as censoring.
-- Times are in calendar months (macros.sql), the one scale every estimate uses: a promotion on
-- index_date + h months is inside horizon h, and an exit counts from the first day the person is gone
-- (the day after termination_date), so that "exited by horizon h" means termination_date <
-- index_date + h months, as in career_outcomes.
with members as (
    select employee_id, role, cohort, group_name, treated, index_date, censor_date, as_of_date,
           termination_date, termination_type
    from analytics.cohort_members
),

first_promotion as (
    select m.employee_id, m.role, m.cohort, m.group_name, min(e.effective_date) as first_promotion_date
    from members as m
    inner join analytics.job_events as e
        on e.employee_id = m.employee_id and e.is_promotion and e.effective_date > m.index_date
    group by all
),

follow_up as (
    select
        m.*,
        p.first_promotion_date,
        least(m.as_of_date, m.censor_date, m.termination_date) as follow_up_end
    from members as m
    left join first_promotion as p using (employee_id, role, cohort, group_name)
),

final as (
    select
        employee_id,
        role,
        cohort,
        group_name,
        treated,
        index_date,
        follow_up_end,
        coalesce(termination_type = 'voluntary' and termination_date <= follow_up_end, false)
            as voluntary_exit_event,
        coalesce(termination_type is distinct from 'voluntary' and termination_date <= follow_up_end, false)
            as exit_competing,
        coalesce(first_promotion_date <= follow_up_end, false) as promotion_event,
        coalesce(first_promotion_date is null or first_promotion_date > follow_up_end, true)
            and coalesce(termination_date <= follow_up_end, false) as promotion_competing,
        calendar_months(index_date, case when termination_date <= follow_up_end then termination_date + 1
                                         else follow_up_end end) as months_to_exit_or_censor,
        calendar_months(index_date, case when first_promotion_date <= follow_up_end then first_promotion_date
                                         when termination_date <= follow_up_end then termination_date + 1
                                         else follow_up_end end) as months_to_promotion_or_censor
    from follow_up
)

select * from final
