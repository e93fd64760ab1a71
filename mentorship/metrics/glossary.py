"""The glossary on the methodology page: the terms every card links to, in plain words."""

#: The glossary on the methodology page, linked from every card: (anchor, term, meaning).
GLOSSARY = [
    (
        "adjusted",
        "Adjusted effect",
        "The difference the program made for the people in it: mentored people "
        "against comparison colleagues weighted to look like them before they started (the effect on the "
        "treated). Comes with a 95% interval.",
    ),
    (
        "raw",
        "Raw difference",
        "Mentored minus comparison, with no adjustment for who volunteers. Part of it is "
        "who joins, not what the program does. Its interval covers chance only, never that bias.",
    ),
    (
        "comparable",
        "Comparable colleagues (weighted)",
        "What the mentored would have shown without the program: "
        "the mentored rate minus the adjusted effect. A weighted figure, not a group you can count.",
    ),
    (
        "comparison",
        "Comparison group (raw)",
        "Everyone eligible who was not mentored, unweighted. Differs from "
        "comparable colleagues because volunteers differ.",
    ),
    ("pts", "pts (percentage points)", "The difference between two shares: 30% against 20% is +10 pts."),
    ("scale", "on the 1–5 scale", "A difference in survey score, in points of the survey's 1 to 5 scale."),
    (
        "pay",
        "pts of pay",
        "A difference in pay growth, in percentage points of pay: 4% against 3.5% is +0.5 pts of pay.",
    ),
    (
        "people",
        "People and person-intakes",
        "People are distinct employees. A comparison employee is compared "
        "once in every intake they could have joined, so the comparison group counts person-intakes, more than "
        "its people. Mentored people are counted once per intake they joined.",
    ),
    (
        "followed",
        "By a horizon",
        "Promotion and retention by a horizon (a number of months after the index date) count every person for as "
        "long as they were followed (the Aalen-Johansen estimator): someone who started 8 months ago counts for 8 "
        "months of a 24-month horizon, so the people behind a 24-month figure are everyone, not only those followed "
        "for the whole horizon. A "
        "comparison person who later joins the program counts until they join, and like people who stayed out are "
        "weighted up for them.",
    ),
    (
        "suppressed",
        "Suppressed",
        "Hidden because a group is smaller than the minimum group size, or because it "
        "would let a reader work out a group that is (the publication gate).",
    ),
    (
        "not-estimated",
        "Not estimated",
        "Not computed for this group, with the reason: too few people to fit a "
        "model, nobody had the outcome, or not yet followed up long enough.",
    ),
    (
        "hazard",
        "Hazard ratio",
        "How much more often the event happens to mentored people at any moment than to "
        "comparable colleagues: above 1 sooner, below 1 later.",
    ),
    (
        "e-value",
        "E-value",
        "How strongly a hidden factor would have to be tied to both joining and the outcome "
        "to explain the adjusted effect away.",
    ),
]
