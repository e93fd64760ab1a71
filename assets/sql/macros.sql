-- Calendar time, defined once for every outcome: a horizon of h months ends on index_date + h
-- months (DuckDB's calendar arithmetic, clamped to the month's end), and an event on that date is
-- inside it. calendar_months gives the time between two dates on that scale: whole calendar months,
-- plus the elapsed share of the month that follows, so calendar_months(d, d + h months) = h exactly,
-- whatever the month lengths, and the survival curves, the horizon probabilities and the career
-- outcomes all count the same events by a horizon.
create or replace temp macro whole_calendar_months(start_date, end_date) as
    datediff('month', start_date, end_date)
    - (start_date + to_months(datediff('month', start_date, end_date)) > end_date)::integer;

create or replace temp macro calendar_months(start_date, end_date) as
    whole_calendar_months(start_date, end_date)
    + datediff('day', start_date + to_months(whole_calendar_months(start_date, end_date)), end_date)
      / datediff('day', start_date + to_months(whole_calendar_months(start_date, end_date)),
                 start_date + to_months(whole_calendar_months(start_date, end_date) + 1));
