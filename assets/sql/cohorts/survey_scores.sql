-- Construct scores per respondent and wave: the mean of the answered items of each construct.
with responses as (
    select employee_id, survey_wave, response_date, item_id, score
    from validated.survey_responses
),

items as (
    select item_id, lower(construct) as construct
    from validated.survey_items
),

joined as (
    select r.employee_id, r.survey_wave, r.response_date, i.construct, r.score
    from responses as r
    inner join items as i using (item_id)
),

final as (
    select
        employee_id,
        survey_wave,
        construct,
        min(response_date) as response_date,
        avg(score) as score,
        count(*) as n_items
    from joined
    group by employee_id, survey_wave, construct
)

select * from final
