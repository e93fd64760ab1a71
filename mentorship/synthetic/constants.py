"""The organisation's fixed shape: departments, job families, locations, levels, names, the survey's
items, and the values the optional knobs may take."""

from __future__ import annotations

DEPARTMENTS = ["Engineering", "Sales", "Operations", "Finance", "Marketing", "People", "Product", "Support"]
DEPARTMENT_WEIGHTS = [0.24, 0.18, 0.16, 0.08, 0.09, 0.05, 0.08, 0.12]
# Uneven appetite for mentoring across departments (log-odds offsets), part of the selection.
DEPARTMENT_SELECTION = [0.3, -0.4, -0.3, 0.0, 0.2, 0.5, 0.4, -0.5]
JOB_FAMILIES = {
    "Engineering": ["Software", "Data"],
    "Sales": ["Account Management", "Business Development"],
    "Operations": ["Supply Chain", "Facilities"],
    "Finance": ["Accounting", "FP&A"],
    "Marketing": ["Brand", "Growth"],
    "People": ["HR Business Partner", "Talent"],
    "Product": ["Product Management", "Design"],
    "Support": ["Customer Support", "Technical Support"],
}
LOCATIONS = ["London", "Berlin", "New York", "Singapore", "Remote"]
LOCATION_WEIGHTS = [0.3, 0.2, 0.25, 0.1, 0.15]
LOCATION_PAY = [1.0, 0.95, 1.15, 1.0, 0.9]
GENDERS = ["female", "male", "non-binary"]
GENDER_WEIGHTS = [0.47, 0.5, 0.03]
N_LEVELS = 7
# A pyramid: most people at the lower levels.
LEVEL_WEIGHTS = [0.27, 0.25, 0.2, 0.13, 0.08, 0.05, 0.02]
HIRE_LEVEL_WEIGHTS = [0.45, 0.3, 0.15, 0.06, 0.03, 0.01, 0.0]
FIRST_NAMES = [
    "Alex",
    "Sam",
    "Priya",
    "Chen",
    "Maria",
    "Tom",
    "Aisha",
    "Lukas",
    "Sofia",
    "Kenji",
    "Fatima",
    "Noah",
    "Olga",
    "Diego",
    "Grace",
    "Omar",
    "Ingrid",
    "Ravi",
    "Zoe",
    "Mateo",
]
LAST_NAMES = [
    "Smith",
    "Patel",
    "Wang",
    "Garcia",
    "Müller",
    "Okafor",
    "Kim",
    "Rossi",
    "Novak",
    "Silva",
    "Haddad",
    "Brown",
    "Tanaka",
    "Jensen",
    "Khan",
    "Dubois",
    "Costa",
    "Ivanova",
    "Lee",
    "Walsh",
]
SURVEY_ITEMS = [
    ("ENG1", "engagement", "I am proud to work here."),
    ("ENG2", "engagement", "I rarely think about looking for a job at another company."),
    ("ENG3", "engagement", "I would recommend this company as a great place to work."),
    ("SAT1", "satisfaction", "Overall, I am satisfied with my job."),
    ("SAT2", "satisfaction", "I am satisfied with the recognition I receive."),
    ("SAT3", "satisfaction", "I am satisfied with my opportunities for development."),
    ("CONF1", "confidence", "I feel confident taking on new challenges at work."),
    ("CONF2", "confidence", "I am comfortable speaking up in meetings."),
    ("GROW1", "growth", "I have learned new skills in the last few months."),
    ("GROW2", "growth", "I can see a path to grow my career here."),
]
CONSTRUCTS = ["engagement", "satisfaction", "confidence", "growth"]
ENGAGEMENT_BANDS = ["low", "medium", "high"]
HORIZONS = (6, 12, 24)
#: Where ``Selection.dept_level`` applies: these departments, at these job levels.
DEPT_LEVEL_DEPARTMENTS = ("Engineering", "Sales")
DEPT_LEVEL_LEVELS = (3, 4)
#: A recorded construct score is centred on this (the scale's intercept in ``surveys._wave``).
SCORE_CENTRE = 3.4
LINKS = ("logit", "cloglog")
PROMOTION_DAYS = ("random", "first")
