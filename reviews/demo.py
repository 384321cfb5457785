"""The demo data loaded by ``manage.py seed_demo``: plain data, no logic.

Everything here is FICTIONAL. The story follows a real public 2009 paper from a safeguarding children
board (see DOMAIN.md, "The demo"), but the board, the agencies, the people, the children and the cases
are invented. No real child, family or case is described.

Conventions:
- agencies are referred to by ``short_name``, users by ``username`` and themes by their key in THEMES;
- dates are day offsets from today (negative = in the past), so the demo stays coherent whenever it is loaded:
  review dates are ``*_days_ago``, action ``due`` is the target date's offset from today;
- some open actions are due or overdue by exactly a reminder offset (1, 7, 8, 22, 28, 30 days), so that
  the demo's first reminder run (``make run`` starts one) e-mails their officers, agencies and the sub-committee;
- a review's ``recommendations`` are ``(number, addressed to: an agency or None for the partnership, the board's
  response, text, reasons)``, the board responding on the day the review was finalised; an action's ``rec`` is the
  number of the recommendation it answers;
- a progress update is ``(days_ago, author, status_before, status_after, note)``, oldest first;
  the last update of an action ends in the action's status;
- a move of a target date (``date_moves``, oldest first, through actionplans.dates) is
  ``(days_ago, by, from_due, to_due, reason, decision)``: by a member, a direct change (decision None); by an
  agency user, a request, with ``decision`` ``(days_ago, member, approved, note)``, or None while it waits (the
  last one only). ``due`` is the current date, where the moves end; the action starts on the first ``from_due``.
"""

BOARD_NAME = "Northbridge Safeguarding Children Board"

AGENCIES = [
    # (name, short_name, kind)
    (BOARD_NAME, "LSCB", "board"),
    ("Northbridge Constabulary", "Police", "police"),
    ("Northbridge Health NHS Trust", "Health", "health"),
    ("Northbridge City Council Children's Social Care", "Social care", "social_care"),
    ("Northbridge City Council Education Service", "Education", "education"),
    ("Northbridge Probation Service", "Probation", "probation"),
    ("Northbridge City Council Housing Services", "Housing", "housing"),
    ("Northbridge Council for Voluntary Service", "Voluntary", "voluntary"),
]

EMAIL_DOMAIN = "demo.scrsystem.invalid"

USERS = [
    # (username, first_name, last_name, role, agency short_name or None, job_title)
    ("chair", "Margaret", "Ellison", "chair", None, "Independent Chair, " + BOARD_NAME),
    ("member", "David", "Okafor", "member", None, "Member, Serious Cases Sub-Committee"),
    ("consultant", "Ruth", "Hargreaves", "consultant", None, "Independent safeguarding consultant (audit)"),
    ("admin", "Sam", "Whitfield", "admin", None, "System administrator"),
    ("police", "Karen", "Doyle", "agency", "Police", "Detective Inspector, Public Protection Unit"),
    ("health", "Helen", "Marsh", "agency", "Health", "Named Nurse for Safeguarding Children"),
    ("socialcare", "James", "Whitaker", "agency", "Social care", "Service Manager, Safeguarding"),
    ("education", "Claire", "Benson", "agency", "Education", "Child Protection Adviser for Schools"),
    # Further agency users, so that responsible officers vary.
    ("police2", "Tom", "Brennan", "agency", "Police", "Detective Sergeant, Child Abuse Investigation Team"),
    ("health2", "Samuel", "Adeyemi", "agency", "Health", "Designated Doctor for Safeguarding Children"),
    ("socialcare2", "Fiona", "McLeod", "agency", "Social care", "Team Manager, Referral and Assessment"),
    ("lscb", "Priya", "Sandhu", "agency", "LSCB", "Board Business Manager"),
    ("probation", "Mark", "Ellery", "agency", "Probation", "Senior Probation Officer"),
    ("housing", "Lorraine", "Pike", "agency", "Housing", "Housing Options Manager"),
    ("voluntary", "Gareth", "Lloyd", "agency", "Voluntary", "Safeguarding Lead"),
]

#: The user recorded as creator of the seeded reviews, plans and actions.
CREATED_BY = "member"

THEMES = {
    # key: (name, description)
    "household": (
        "Household composition",
        "Be clear about who lives in the household and about any change in it, including new partners.",
    ),
    "male": (
        "Engaging male partners",
        "Engage and assess fathers and male partners as well as mothers.",
    ),
    "history": (
        "Parental history risk factors",
        "Identify risk factors from the history of both parents: violence, previous children, care history.",
    ),
    "policies": (
        "Knowing which policies apply",
        "Recognise which procedures apply to the current situation, especially where concerns overlap.",
    ),
    "prebirth": (
        "Multi-agency pre-birth assessment",
        "Undertake multi-agency pre-birth assessments where there are concerns before a baby is born.",
    ),
    "substance": (
        "Drug and alcohol misuse",
        "Assess how parental drug and alcohol misuse affects parents' capacity to meet their children's needs.",
    ),
}

NS, IP, DONE, VER, CAN = "not_started", "in_progress", "completed", "verified", "cancelled"
#: The board's responses to recommendations (reviews.models.Recommendation.Response).
ACC, PART, NOT_ACC, AWAITING = "accepted", "accepted_in_part", "not_accepted", "awaiting"

REVIEWS = [
    {
        "reference": "SCR-2008-01",
        "title": "Child A",
        "summary": (
            "A baby of four months suffered non-accidental head injuries consistent with shaking. "
            "The mother's new partner had recently joined the household; agencies did not know of the change "
            "or of his history of violence, and no pre-birth assessment had been completed."
        ),
        "incident_category": "head_injury",
        "status": "published",
        "commissioned_days_ago": 700,
        "finalised_days_ago": 420,
        "published_days_ago": 330,
        "themes": ["household", "male", "history", "prebirth"],
        "recommendations": [
            (
                1, None, ACC,
                "The Board should make sure that the learning from this review reaches all staff who work with "
                "families with babies.",
                "",
            ),
            (
                2, None, ACC,
                "Agencies should ask about, record and share changes in household composition.",
                "",
            ),
            (
                3, None, ACC,
                "A multi-agency pre-birth assessment protocol should be agreed by all partner agencies.",
                "",
            ),
            (
                4, None, ACC,
                "Health professionals should be alert to the signs of non-accidental injury in babies who are not yet"
                " mobile.",
                "",
            ),
            (
                5, None, ACC,
                "The Board should test whether the learning from this review has changed practice.",
                "",
            ),
            (
                6, None, ACC,
                "Children's centres and nurseries should be alert to new adults in a young child's life.",
                "",
            ),
            (
                7, "Police", ACC,
                "Police should check the history of adults in a household where a child lives and there is a concern.",
                "",
            ),
            (
                8, "Police", ACC,
                "Officers should recognise the risk to babies from violent adults.",
                "",
            ),
            (
                9, "Police", ACC,
                "Police should share information about domestic incidents promptly with children's social care and "
                "health.",
                "",
            ),
            (
                10, "Health", ACC,
                "Health visitors should ask about and record every adult in the household at each contact.",
                "",
            ),
            (
                11, "Health", ACC,
                "Midwives should identify risk factors in the history of both parents.",
                "",
            ),
            (
                12, "Health", ACC,
                "Health visitors and midwives should receive regular safeguarding supervision.",
                "",
            ),
            (
                13, "Health", ACC,
                "The emergency department should identify children known to children's social care.",
                "",
            ),
            (
                14, "Social care", ACC,
                "Initial assessments should include every adult in the household.",
                "",
            ),
            (
                15, "Social care", ACC,
                "Managers should monitor social workers' caseloads.",
                "",
            ),
            (
                16, "Social care", ACC,
                "Social workers should be trained in engaging fathers and male partners.",
                "",
            ),
        ],
        "plans": [
            {
                "agency": None,
                "title": "Overview report action plan",
                "description": "Multi-agency recommendations of the overview report for Child A.",
                "actions": [
                    {
                        "ref": "1.1", "lead": "LSCB", "officer": "lscb", "due": -300, "status": VER,
                        "themes": ["household", "male"],
                        "rec": 1,
                        "description": "Deliver multi-agency learning workshops on the themes of the review for "
                        "frontline staff, and two further workshops for supervisors and managers.",
                        "success_measure": "Workshops delivered with attendance from every partner agency; "
                        "evaluations show at least 80% of attendees can name the review's key themes.",
                        "updates": [
                            (340, "lscb", NS, IP, "Workshop programme agreed; four dates booked."),
                            (305, "lscb", IP, DONE, "All six workshops held; 212 staff attended. Attendance "
                             "lists and evaluation summary sent to the consultant."),
                            (280, "consultant", DONE, VER, "Signed off: attendance lists and evaluation "
                             "summary accepted."),
                        ],
                    },
                    {
                        "ref": "1.2", "lead": "LSCB", "officer": None, "due": -30, "status": DONE,
                        "themes": ["household"],
                        "rec": 2,
                        "description": "Revise the multi-agency child protection procedures to require "
                        "practitioners to ask about, record and share any change in household composition, "
                        "including new partners.",
                        "success_measure": "Revised procedure published; an audit of 20 case files shows all "
                        "household members recorded in at least 90%.",
                        "updates": [
                            (90, "member", NS, IP, "Procedures working group has redrafted the section on "
                             "household composition."),
                            (33, "member", IP, DONE, "Revised procedure approved by the Board and published "
                             "on the website."),
                        ],
                    },
                    {
                        "ref": "1.3", "lead": "Social care", "officer": "socialcare", "due": -35, "status": IP,
                        "themes": ["prebirth", "male"],
                        "rec": 3,
                        "description": "Agree and launch a multi-agency pre-birth assessment protocol: referral "
                        "by 20 weeks of pregnancy, a pre-birth planning meeting, and the assessment of fathers "
                        "and partners as well as mothers.",
                        "success_measure": "Protocol signed off by the Board; quarterly audit shows every "
                        "qualifying referral assessed before 32 weeks of pregnancy.",
                        "updates": [
                            (120, "socialcare", NS, IP, "First draft shared with midwifery and health "
                             "visiting leads."),
                            (50, "socialcare", IP, IP, "Comments received from health and police; "
                             "probation comments still awaited."),
                            (12, "socialcare", IP, IP, "Sign-off delayed to next Board meeting; "
                             "the revised timescale has been reported to the sub-committee."),
                        ],
                    },
                    {
                        "ref": "1.4", "lead": "Health", "officer": "health2", "due": -200, "status": VER,
                        "themes": [],
                        "rec": 4,
                        "description": "Introduce a protocol for the assessment of bruising and injuries in "
                        "non-mobile babies across the emergency department, health visiting and GP practices.",
                        "success_measure": "Protocol in place; audit shows every non-mobile baby presenting with "
                        "bruising was referred to children's social care and seen by a paediatrician.",
                        "updates": [
                            (230, "health2", NS, DONE, "Protocol launched across the Trust with briefings "
                             "for emergency department staff."),
                            (170, "consultant", DONE, VER, "Signed off: protocol and first audit accepted."),
                        ],
                    },
                    {
                        "ref": "1.5", "lead": "LSCB", "officer": "lscb", "due": 75, "status": NS,
                        "themes": ["household", "male", "history"],
                        "rec": 5,
                        "description": "Commission a multi-agency audit of the case files of babies under one "
                        "year subject to a child protection plan, twelve months after the workshops.",
                        "success_measure": "Audit report presented to the Board; recording of household members "
                        "and male partners improved against the baseline.",
                    },
                    {
                        "ref": "1.6", "lead": "Education", "officer": "education", "due": -150, "status": VER,
                        "themes": ["household"],
                        "rec": 6,
                        "description": "Issue guidance to nurseries and children's centres on recording who "
                        "brings, collects and cares for each child, and on reporting new adults.",
                        "success_measure": "Guidance issued to all settings; spot checks in ten settings show "
                        "collection records kept.",
                    },
                ],
            },
            {
                "agency": "Police",
                "title": "Northbridge Constabulary IMR action plan",
                "description": "Actions from the police individual management review.",
                "actions": [
                    {
                        "ref": "1.1", "lead": "Police", "officer": "police", "due": -260, "status": VER,
                        "themes": ["household", "history"],
                        "rec": 7,
                        "description": "Issue a force instruction that officers attending domestic incidents "
                        "record every adult present and check them on police systems when a child lives there.",
                        "success_measure": "Instruction issued; a dip sample of 50 domestic incident reports "
                        "shows all adults checked.",
                    },
                    {
                        "ref": "1.2", "lead": "Police", "officer": "police2", "due": -20, "status": DONE,
                        "themes": ["history"],
                        "rec": 8,
                        "description": "Brief response officers and the Public Protection Unit on the risk to "
                        "babies from adults with a history of violence.",
                        "success_measure": "95% of response officers briefed, from training records.",
                        "updates": [
                            (60, "police2", NS, IP, "Briefing package written; delivery at shift briefings "
                             "started."),
                            (18, "police2", IP, DONE, "All response teams briefed; 96% of officers recorded "
                             "as attending."),
                        ],
                    },
                    {
                        "ref": "2.1", "lead": "Police", "officer": None, "due": -8, "status": IP,
                        "themes": ["household"],
                        "rec": 9,
                        "description": "Send notifications of domestic incidents involving children to "
                        "children's social care and the health visiting service within one working day.",
                        "success_measure": "Monthly performance report shows 90% of notifications sent within "
                        "one working day for three consecutive months.",
                        "updates": [
                            (45, "police", NS, IP, "Daily notification process started; backlog being cleared."),
                            (14, "police", IP, IP, "Two months at 91% and 87%; a third month above 90% is "
                             "needed."),
                        ],
                        "date_moves": [
                            (50, "police", -38, -8, "The new records system went live a month late, so the daily "
                             "notifications could start only a month later than planned.",
                             (48, "member", True, "Agreed: the delay was outside the force's control.")),
                            (6, "police", -8, 22, "A third month above 90% is needed, and that month ends after "
                             "the target date.",
                             (5, "member", False, "Keep the date: report the third month's figure to the next "
                              "sub-committee instead.")),
                        ],
                    },
                ],
            },
            {
                "agency": "Health",
                "title": "Northbridge Health NHS Trust IMR action plan",
                "description": "Actions from the health individual management review.",
                "actions": [
                    {
                        "ref": "1.1", "lead": "Health", "officer": "health", "due": -220, "status": VER,
                        "themes": ["household"],
                        "rec": 10,
                        "description": "Amend the health visiting record to include a mandatory section on "
                        "household members and their relationship to the child.",
                        "success_measure": "Record amended; audit of 40 records shows the household section "
                        "completed in 90%.",
                    },
                    {
                        "ref": "1.2", "lead": "Health", "officer": "health", "due": 5, "status": IP,
                        "themes": ["history", "male"],
                        "rec": 11,
                        "description": "Add questions on both parents' history (previous children in care, "
                        "violence, mental health, substance misuse) to the midwifery booking assessment.",
                        "success_measure": "Booking form amended; audit shows the father's history recorded in "
                        "80% of bookings.",
                        "updates": [
                            (25, "health", NS, IP, "New booking questions agreed with the Head of Midwifery; "
                             "form being reprinted."),
                        ],
                        "date_moves": [
                            (2, "health", 5, 40, "The printer delivers the new booking forms next month; the audit "
                             "of bookings can start only once they are in use.", None),
                        ],
                    },
                    {
                        "ref": "2.1", "lead": "Health", "officer": "health2", "due": 20, "status": NS,
                        "themes": [],
                        "rec": 12,
                        "description": "Provide three-monthly safeguarding supervision to every health visitor "
                        "and community midwife, recorded on the supervision database.",
                        "success_measure": "The supervision database shows 95% of staff supervised every quarter.",
                    },
                    {
                        "ref": "2.2", "lead": "Health", "officer": None, "due": -100, "status": CAN,
                        "themes": [],
                        "rec": 13,
                        "description": "Introduce a paper alert card in the emergency department for children "
                        "subject to a child protection plan.",
                        "success_measure": "Alert cards in use in the emergency department.",
                        "cancellation_reason": "Superseded by the electronic child protection alert in the "
                        "Trust's new patient record system.",
                        "updates": [
                            (110, "member", NS, CAN, "Cancelled: Superseded by the electronic child protection "
                             "alert in the Trust's new patient record system."),
                        ],
                    },
                ],
            },
            {
                "agency": "Social care",
                "title": "Children's Social Care IMR action plan",
                "description": "Actions from the children's social care individual management review.",
                "actions": [
                    {
                        "ref": "1.1", "lead": "Social care", "officer": "socialcare", "due": -180, "status": VER,
                        "themes": ["household", "male"],
                        "rec": 14,
                        "description": "Revise the initial and core assessment templates so that every adult in "
                        "the household, including an absent or new partner, is named and assessed.",
                        "success_measure": "Audit of 30 assessments shows all adults identified and assessed.",
                    },
                    {
                        "ref": "1.2", "lead": "Social care", "officer": "socialcare2", "due": -45, "status": DONE,
                        "themes": [],
                        "rec": 15,
                        "description": "Report social workers' caseloads monthly to the Director of Children's "
                        "Services and quarterly to the Board.",
                        "success_measure": "Monthly caseload report produced for six months.",
                        "updates": [
                            (75, "socialcare2", NS, IP, "Caseload report designed with the performance team."),
                            (40, "socialcare2", IP, DONE, "Sixth monthly report produced; quarterly reports "
                             "sent to the Board."),
                        ],
                    },
                    {
                        "ref": "2.1", "lead": "Social care", "officer": "socialcare2", "due": 110, "status": IP,
                        "themes": ["male"],
                        "rec": 16,
                        "description": "Commission and deliver a one-day course on engaging fathers and male "
                        "partners for all social workers and team managers.",
                        "success_measure": "80% of social workers trained; case audit shows male partners seen "
                        "in 75% of assessments.",
                        "updates": [
                            (20, "socialcare2", NS, IP, "Trainer commissioned; first two courses booked."),
                        ],
                        "date_moves": [
                            (30, "member", 50, 110, "The first course provider withdrew; the course is "
                             "re-commissioned from a new provider, starting next quarter.", None),
                        ],
                    },
                ],
            },
        ],
    },
    {
        "reference": "SCR-2008-02",
        "title": "Child B",
        "summary": (
            "A girl aged two was admitted to hospital with several fractures of different ages. Her mother's "
            "misuse of alcohol and the family's frequent moves were known to several agencies, but no agency "
            "had the full picture."
        ),
        "incident_category": "serious_injury",
        "status": "published",
        "commissioned_days_ago": 640,
        "finalised_days_ago": 380,
        "published_days_ago": 300,
        "themes": ["substance", "household", "policies"],
        "recommendations": [
            (
                1, None, ACC,
                "The Board should make sure that an up-to-date information sharing protocol is in place and used by "
                "every partner.",
                "",
            ),
            (
                2, None, ACC,
                "Agencies should use the Common Assessment Framework (CAF) as soon as a family's additional needs are"
                " identified.",
                "",
            ),
            (
                3, None, ACC,
                "Practitioners should assess the effect of parental drug and alcohol misuse on the care of children.",
                "",
            ),
            (
                4, None, PART,
                "Frequent moves of a family with young children should prompt a review of the family's needs.",
                "The Board accepts a review of frequent moves by families known to children's social care; a review "
                "of every family that moves is not practical, and health visitors already transfer records.",
            ),
            (
                5, None, ACC,
                "The Board should help practitioners recognise which procedures apply when several concerns overlap.",
                "",
            ),
            (
                6, "Health", ACC,
                "Young children with unexplained fractures should have a full skeletal survey.",
                "",
            ),
            (
                7, "Health", ACC,
                "GPs should record concerns about parental alcohol misuse in the child's record.",
                "",
            ),
            (
                8, "Health", ACC,
                "Child protection information should follow a child who changes GP practice.",
                "",
            ),
            (
                9, "Social care", ACC,
                "A case should not be closed without a home visit when there are concerns about parental alcohol "
                "misuse.",
                "",
            ),
            (
                10, "Social care", ACC,
                "Supervision should challenge drift in child protection cases.",
                "",
            ),
            (
                11, "Social care", ACC,
                "Social workers' caseloads should allow safe practice.",
                "",
            ),
        ],
        "plans": [
            {
                "agency": None,
                "title": "Overview report action plan",
                "description": "Multi-agency recommendations of the overview report for Child B.",
                "actions": [
                    {
                        "ref": "1.1", "lead": "LSCB", "officer": "lscb", "due": -60, "status": IP,
                        "themes": ["policies"],
                        "rec": 1,
                        "description": "Update the information sharing protocol for children in line with the "
                        "Children Act 2004 principles, and secure its sign-off and implementation by every "
                        "partner agency.",
                        "success_measure": "Protocol signed by all eight partners; each agency confirms its "
                        "staff are briefed; annual compliance check.",
                        "updates": [
                            (150, "member", NS, IP, "Draft protocol circulated to partners for comment."),
                            (70, "lscb", IP, IP, "Signed by five of eight partners."),
                            (30, "lscb", IP, IP, "Signed by six of eight partners; probation and housing "
                             "signatures outstanding. Escalated to the Board chair."),
                        ],
                    },
                    {
                        "ref": "1.2", "lead": "Social care", "officer": None, "due": 150, "status": IP,
                        "themes": ["policies"],
                        "rec": 2,
                        "description": "Relaunch the CAF with a new strategy: named CAF coordinators in each "
                        "locality and monthly reporting of CAFs started by each agency.",
                        "success_measure": "CAFs started rise by 50% within a year, with every partner agency "
                        "starting CAFs.",
                        "updates": [
                            (60, "socialcare", NS, IP, "CAF strategy presented to the Board; coordinators "
                             "appointed in two of four localities."),
                        ],
                    },
                    {
                        "ref": "1.3", "lead": "Health", "officer": "health", "due": -150, "status": VER,
                        "themes": ["substance"],
                        "rec": 3,
                        "description": "Agree joint working arrangements between the adult substance misuse "
                        "service and children's services, with routine questions about children at assessment.",
                        "success_measure": "Joint protocol in place; audit shows children identified at every "
                        "adult substance misuse assessment.",
                    },
                    {
                        "ref": "1.4", "lead": "Housing", "officer": "housing", "due": -15, "status": DONE,
                        "themes": ["household"],
                        "rec": 4,
                        "description": "Housing services notify the health visitor and children's social care "
                        "when a family with a child under five moves more than twice in a year.",
                        "success_measure": "Notification process in place; quarterly report of notifications made.",
                        "updates": [
                            (16, "housing", NS, DONE, "Process in place since last quarter; first quarterly "
                             "report attached as evidence."),
                        ],
                    },
                    {
                        "ref": "1.5", "lead": "LSCB", "officer": None, "due": 3, "status": NS,
                        "themes": ["policies"],
                        "rec": 5,
                        "description": "Publish a one-page guide, “Which procedure applies?”, covering domestic "
                        "abuse, substance misuse, neglect and pre-birth concerns, linked to the Board's procedures.",
                        "success_measure": "Guide published and distributed; workshop evaluations show "
                        "practitioners can name the procedure that applies.",
                    },
                ],
            },
            {
                "agency": "Health",
                "title": "Northbridge Health NHS Trust IMR action plan",
                "description": "Actions from the health individual management review.",
                "actions": [
                    {
                        "ref": "1.1", "lead": "Health", "officer": "health2", "due": -190, "status": VER,
                        "themes": [],
                        "rec": 6,
                        "description": "Adopt the national guidance on skeletal surveys for children under two "
                        "with suspected non-accidental injury, and audit compliance.",
                        "success_measure": "Audit shows a skeletal survey in 100% of qualifying cases.",
                    },
                    {
                        "ref": "1.2", "lead": "Health", "officer": "health", "due": -70, "status": DONE,
                        "themes": ["substance"],
                        "rec": 7,
                        "description": "Deliver safeguarding training to GP practices on recording parental "
                        "alcohol misuse and linking family members' records.",
                        "success_measure": "Training delivered to 90% of practices; record audit shows family "
                        "records linked.",
                    },
                    {
                        "ref": "1.3", "lead": "Health", "officer": None, "due": 90, "status": NS,
                        "themes": ["household"],
                        "rec": 8,
                        "description": "Agree with GP practices a process that transfers child protection "
                        "information within five working days when a child changes practice.",
                        "success_measure": "Audit of transfers shows 90% completed within five working days.",
                    },
                ],
            },
            {
                "agency": "Social care",
                "title": "Children's Social Care IMR action plan",
                "description": "Actions from the children's social care individual management review.",
                "actions": [
                    {
                        "ref": "1.1", "lead": "Social care", "officer": "socialcare", "due": -160, "status": VER,
                        "themes": ["substance", "policies"],
                        "rec": 9,
                        "description": "Amend the case closure procedure to require a home visit and a "
                        "manager's recorded decision.",
                        "success_measure": "Audit of 25 closed cases shows a home visit and a management "
                        "decision recorded in each.",
                    },
                    {
                        "ref": "1.2", "lead": "Social care", "officer": "socialcare2", "due": -1, "status": IP,
                        "themes": ["substance"],
                        "rec": 10,
                        "description": "Introduce a monthly case supervision record that reviews drift and "
                        "parental substance misuse explicitly, and audit its use.",
                        "success_measure": "Audit shows monthly recorded supervision for 90% of child "
                        "protection cases.",
                        "updates": [
                            (55, "socialcare2", NS, IP, "Supervision record template agreed by team managers."),
                            (6, "socialcare2", IP, IP, "Audit under way; results expected after the target "
                             "date."),
                        ],
                    },
                    {
                        "ref": "1.3", "lead": "Social care", "officer": None, "due": -40, "status": CAN,
                        "themes": [],
                        "rec": 2,
                        "description": "Develop a single-agency early help assessment form for families with "
                        "young children.",
                        "success_measure": "Form in use by all referral and assessment teams.",
                        "cancellation_reason": "Merged into the multi-agency CAF relaunch (action 1.2 of the "
                        "multi-agency plan) at the sub-committee's request.",
                        "updates": [
                            (95, "member", NS, CAN, "Cancelled: Merged into the multi-agency CAF relaunch "
                             "(action 1.2 of the multi-agency plan) at the sub-committee's request."),
                        ],
                    },
                    {
                        "ref": "2.1", "lead": "Social care", "officer": "socialcare", "due": 40, "status": IP,
                        "themes": [],
                        "rec": 11,
                        "description": "Recruit twelve additional qualified social workers with the extra "
                        "funding agreed by the Council, and report caseloads to the Board every quarter.",
                        "success_measure": "Average caseload of qualified social workers at or below 18 cases "
                        "for two consecutive quarters.",
                        "updates": [
                            (80, "socialcare", NS, IP, "Recruitment campaign launched; seven posts filled."),
                            (10, "socialcare", IP, IP, "Ten of twelve posts filled. Average caseload down from "
                             "27 to 22: reduced, but still high."),
                        ],
                    },
                ],
            },
        ],
    },
    {
        "reference": "SCR-2009-01",
        "title": "Child C",
        "summary": (
            "A boy aged three suffered serious burns and bruising. His mother's partner, who had a history of "
            "violence and drug misuse and was under probation supervision, was living in the household "
            "without the knowledge of the agencies working with the family."
        ),
        "incident_category": "serious_injury",
        "status": "published",
        "commissioned_days_ago": 520,
        "finalised_days_ago": 260,
        "published_days_ago": 200,
        "themes": ["male", "history", "substance", "household"],
        "recommendations": [
            (
                1, None, ACC,
                "The Board should make sure that the learning on engaging male partners is embedded in practice.",
                "",
            ),
            (
                2, None, ACC,
                "Probation and children's social care should share information when an offender with a history of "
                "violence lives with children.",
                "",
            ),
            (
                3, None, ACC,
                "Domestic abuse risk assessments should consider the children in the household.",
                "",
            ),
            (
                4, None, ACC,
                "Assessments should consider drug misuse by any adult in the household.",
                "",
            ),
            (
                5, None, ACC,
                "The Board should check the effect of the learning from this review.",
                "",
            ),
            (
                6, None, ACC,
                "Voluntary organisations working with families should have safeguarding policies.",
                "",
            ),
            (
                7, "Police", ACC,
                "Intelligence about a person's violence should be linked to the addresses where they live.",
                "",
            ),
            (
                8, "Police", ACC,
                "Officers should refer children present at drug-related incidents to children's social care.",
                "",
            ),
            (
                9, "Housing", ACC,
                "Housing officers should recognise and refer safeguarding concerns.",
                "",
            ),
            (
                10, "Housing", ACC,
                "Housing should check changes in tenancy with the relevant agencies.",
                "",
            ),
            (
                11, "Social care", ACC,
                "Child protection conferences should invite probation when an adult in the household is under "
                "supervision.",
                "",
            ),
            (
                12, "Social care", ACC,
                "Social workers should see and speak with children alone.",
                "",
            ),
            (
                13, "Social care", ACC,
                "A chronology should be kept for every child subject to a child protection plan.",
                "",
            ),
            (
                14, None, NOT_ACC,
                "The Board should commission a separate review of the council's housing allocation policy for "
                "families with a violent adult.",
                "The council reviewed its allocation policy in the same year and the review's findings are already in"
                " it; the Board has asked Housing to report on its use to the Monitoring and Evaluation sub-committee"
                " instead.",
            ),
        ],
        "plans": [
            {
                "agency": None,
                "title": "Overview report action plan",
                "description": "Multi-agency recommendations of the overview report for Child C.",
                "actions": [
                    {
                        "ref": "1.1", "lead": "LSCB", "officer": "lscb", "due": -120, "status": VER,
                        "themes": ["male"],
                        "rec": 1,
                        "description": "Produce a practice briefing on engaging and assessing male partners and "
                        "include it in the Board's multi-agency training programme.",
                        "success_measure": "Briefing circulated to all agencies and included in every level 2 "
                        "and level 3 course.",
                        "updates": [
                            (150, "lscb", NS, IP, "Briefing drafted with the Professional Practice "
                             "Sub-Committee."),
                            (125, "lscb", IP, DONE, "Briefing circulated; training materials updated."),
                            (100, "consultant", DONE, VER, "Signed off: briefing and updated course materials "
                             "accepted."),
                        ],
                    },
                    {
                        "ref": "1.2", "lead": "Probation", "officer": "probation", "due": -50, "status": DONE,
                        "themes": ["household", "history"],
                        "rec": 2,
                        "description": "Offender managers check with children's social care whether children "
                        "live at the offender's address at the start of every order and at each change of address.",
                        "success_measure": "Audit of 30 offender files shows the checks recorded.",
                        "updates": [
                            (52, "probation", NS, DONE, "Check added to the order start and change-of-address "
                             "procedures; audit of 30 files attached."),
                        ],
                    },
                    {
                        "ref": "1.3", "lead": "Police", "officer": "police", "due": 2, "status": IP,
                        "themes": ["household"],
                        "rec": 3,
                        "description": "Add a section on children in the household to the domestic abuse risk "
                        "assessment and refer high-risk cases to the multi-agency risk assessment conference.",
                        "success_measure": "Risk assessment form amended; audit shows children recorded in 95% "
                        "of assessments.",
                        "updates": [
                            (30, "police", NS, IP, "Form amended; audit of the first month's assessments "
                             "booked."),
                        ],
                    },
                    {
                        "ref": "1.4", "lead": "Social care", "officer": None, "due": -22, "status": NS,
                        "themes": ["substance"],
                        "rec": 4,
                        "description": "Train social workers, with the drug and alcohol action team, to assess "
                        "the effect of parental drug misuse on children's safety.",
                        "success_measure": "75% of social workers trained; audit shows the effect of substance "
                        "misuse assessed.",
                    },
                    {
                        "ref": "1.5", "lead": "LSCB", "officer": None, "due": 180, "status": NS,
                        "themes": ["male", "history"],
                        "rec": 5,
                        "description": "Include the themes of this review in the Monitoring and Evaluation "
                        "Sub-Committee's annual audit programme.",
                        "success_measure": "Audit completed and reported to the Board with recommendations.",
                    },
                    {
                        "ref": "1.6", "lead": "Voluntary", "officer": "voluntary", "due": -12, "status": DONE,
                        "themes": [],
                        "rec": 6,
                        "description": "Run a safeguarding self-assessment for voluntary organisations working "
                        "with families and help those without a policy to adopt one.",
                        "success_measure": "Every funded voluntary organisation working with families has a "
                        "safeguarding policy.",
                        "updates": [
                            (65, "voluntary", NS, IP, "Self-assessment sent to 48 organisations."),
                            (13, "voluntary", IP, DONE, "All 48 returned; the last four policies adopted."),
                        ],
                    },
                ],
            },
            {
                "agency": "Police",
                "title": "Northbridge Constabulary IMR action plan",
                "description": "Actions from the police individual management review.",
                "actions": [
                    {
                        "ref": "1.1", "lead": "Police", "officer": "police2", "due": -100, "status": VER,
                        "themes": ["history", "household"],
                        "rec": 7,
                        "description": "Change the police intelligence system so that a violent offender's "
                        "known addresses are linked and flagged where a child lives.",
                        "success_measure": "System change live; a test of 20 records shows the flags present.",
                    },
                    {
                        "ref": "1.2", "lead": "Police", "officer": "police", "due": 28, "status": IP,
                        "themes": ["substance"],
                        "rec": 8,
                        "description": "Issue guidance and briefings to officers on referring children present "
                        "at drug-related incidents and warrants.",
                        "success_measure": "Referrals monitored monthly; audit shows a referral in 95% of cases.",
                        "updates": [
                            (8, "police", NS, IP, "Guidance issued; briefings scheduled for all drugs teams."),
                        ],
                    },
                ],
            },
            {
                "agency": "Housing",
                "title": "Housing Services IMR action plan",
                "description": "Actions from the housing individual management review.",
                "actions": [
                    {
                        "ref": "1.1", "lead": "Housing", "officer": "housing", "due": -80, "status": DONE,
                        "themes": ["household"],
                        "rec": 9,
                        "description": "Deliver basic safeguarding children training to all housing officers, "
                        "including recognising new adults in a tenancy.",
                        "success_measure": "90% of housing officers trained within six months.",
                    },
                    {
                        "ref": "1.2", "lead": "Housing", "officer": None, "due": 65, "status": IP,
                        "themes": ["household", "history"],
                        "rec": 10,
                        "description": "When a new adult joins a tenancy with children, housing officers check "
                        "the tenancy record for warnings and notify children's social care of any risk marker.",
                        "success_measure": "Procedure in place; quarterly report of notifications made.",
                    },
                ],
            },
            {
                "agency": "Social care",
                "title": "Children's Social Care IMR action plan",
                "description": "Actions from the children's social care individual management review.",
                "actions": [
                    {
                        "ref": "1.1", "lead": "Social care", "officer": "socialcare", "due": -90, "status": VER,
                        "themes": ["history", "policies"],
                        "rec": 11,
                        "description": "Amend the conference invitation procedure so that probation is invited "
                        "whenever an adult in the household is known to probation.",
                        "success_measure": "Audit of conference minutes shows probation invited in every "
                        "relevant case.",
                    },
                    {
                        "ref": "1.2", "lead": "Social care", "officer": "socialcare2", "due": -14, "status": NS,
                        "themes": [],
                        "rec": 12,
                        "description": "Reinforce through team briefings and supervision the requirement to see "
                        "and speak with the child alone at every statutory visit, and audit the recording.",
                        "success_measure": "Audit shows the child seen alone recorded in 90% of visits.",
                    },
                    {
                        "ref": "1.3", "lead": "Social care", "officer": None, "due": 120, "status": IP,
                        "themes": ["history"],
                        "rec": 13,
                        "description": "Introduce a single chronology template in the electronic case record and "
                        "train social workers in its use.",
                        "success_measure": "Audit shows an up-to-date chronology on 90% of child protection cases.",
                    },
                ],
            },
        ],
    },
    {
        "reference": "SCR-2009-02",
        "title": "Child D",
        "summary": (
            "A girl aged seven came to school with repeated bruising over several months. Staff recorded their "
            "concerns but were unsure whether child protection or anti-bullying procedures applied, and the "
            "concerns were not referred."
        ),
        "incident_category": "serious_injury",
        "status": "published",
        "commissioned_days_ago": 450,
        "finalised_days_ago": 230,
        "published_days_ago": 150,
        "themes": ["policies", "history"],
        "recommendations": [
            (
                1, None, ACC,
                "Every school should have a trained designated person for child protection.",
                "",
            ),
            (
                2, None, ACC,
                "The Board should make its procedures easier to find and use.",
                "",
            ),
            (
                3, None, ACC,
                "School nurses should share their concerns with the school's designated person.",
                "",
            ),
            (
                4, None, ACC,
                "Professionals who refer a child should be told the outcome.",
                "",
            ),
            (
                5, None, ACC,
                "Schools should know when a pupil has been present at a domestic incident.",
                "",
            ),
            (
                6, "Education", ACC,
                "Schools should keep a chronology of welfare concerns for each child.",
                "",
            ),
            (
                7, "Education", ACC,
                "School staff should understand the threshold for referral.",
                "",
            ),
            (
                8, "Education", ACC,
                "Governing bodies should monitor safeguarding in their schools.",
                "",
            ),
            (
                9, "Health", ACC,
                "School nurses should record every injury a school reports to them.",
                "",
            ),
            (
                10, "Health", ACC,
                "School nurses should know a family's history with services.",
                "",
            ),
        ],
        "plans": [
            {
                "agency": None,
                "title": "Overview report action plan",
                "description": "Multi-agency recommendations of the overview report for Child D.",
                "actions": [
                    {
                        "ref": "1.1", "lead": "Education", "officer": "education", "due": -60, "status": VER,
                        "themes": ["policies"],
                        "rec": 1,
                        "description": "Confirm that every school has a designated senior person for child "
                        "protection trained within the last two years, and publish the list.",
                        "success_measure": "100% of schools have a trained designated person, confirmed by the "
                        "annual safeguarding return.",
                        "updates": [
                            (100, "education", NS, IP, "Annual return sent to all schools."),
                            (62, "education", IP, DONE, "All returns received; three schools trained their "
                             "new designated person this term."),
                            (40, "consultant", DONE, VER, "Signed off: list of designated persons and training "
                             "dates accepted."),
                        ],
                    },
                    {
                        "ref": "1.2", "lead": "LSCB", "officer": "lscb", "due": 0, "status": IP,
                        "themes": ["policies"],
                        "rec": 2,
                        "description": "Move the Board's child protection procedures to an online manual with a "
                        "search facility and a “which procedure applies” guide.",
                        "success_measure": "Online manual live; usage reported to the Board every quarter.",
                        "updates": [
                            (35, "lscb", NS, IP, "Supplier appointed; content being migrated."),
                            (4, "lscb", IP, IP, "Manual in testing with practitioners from four agencies."),
                        ],
                    },
                    {
                        "ref": "1.3", "lead": "Health", "officer": "health", "due": 7, "status": NS,
                        "themes": ["policies"],
                        "rec": 3,
                        "description": "Agree an information sharing procedure between the school nursing "
                        "service and schools' designated persons, with a termly meeting.",
                        "success_measure": "Termly meetings held in all secondary and 80% of primary schools.",
                    },
                    {
                        "ref": "1.4", "lead": "Social care", "officer": "socialcare2", "due": -5, "status": DONE,
                        "themes": [],
                        "rec": 4,
                        "description": "Give written feedback to referrers within three working days of a "
                        "referral decision.",
                        "success_measure": "Monthly report shows feedback within three working days for 90% of "
                        "referrals.",
                        "updates": [
                            (7, "socialcare2", NS, DONE, "Feedback letter in use; the last three monthly "
                             "reports show 92%, 94% and 93%."),
                        ],
                    },
                    {
                        "ref": "1.5", "lead": "Police", "officer": "police2", "due": 170, "status": NS,
                        "themes": ["household"],
                        "rec": 5,
                        "description": "Pilot notifying the school's designated person, the next school day, when "
                        "a pupil was present at a domestic incident.",
                        "success_measure": "Pilot in two school clusters evaluated after six months.",
                    },
                ],
            },
            {
                "agency": "Education",
                "title": "Education Service IMR action plan",
                "description": "Actions from the education individual management review.",
                "actions": [
                    {
                        "ref": "1.1", "lead": "Education", "officer": "education", "due": -75, "status": VER,
                        "themes": ["history"],
                        "rec": 6,
                        "description": "Issue model welfare concern forms and chronology guidance to all schools, "
                        "with training for designated persons.",
                        "success_measure": "Audit of 15 schools shows chronologies kept.",
                    },
                    {
                        "ref": "1.2", "lead": "Education", "officer": None, "due": 14, "status": IP,
                        "themes": ["policies"],
                        "rec": 7,
                        "description": "Run twilight training in every school cluster on the threshold for "
                        "referral to children's social care.",
                        "success_measure": "Every school has sent at least one member of staff; evaluations "
                        "collected.",
                        "updates": [
                            (21, "education", NS, IP, "Sessions held in five of eight clusters."),
                        ],
                    },
                    {
                        "ref": "2.1", "lead": "Education", "officer": "education", "due": 140, "status": NS,
                        "themes": [],
                        "rec": 8,
                        "description": "Train nominated safeguarding governors and provide a template annual "
                        "safeguarding report for governing bodies.",
                        "success_measure": "An annual safeguarding report received from every governing body.",
                    },
                ],
            },
            {
                "agency": "Health",
                "title": "Northbridge Health NHS Trust IMR action plan",
                "description": "Actions from the health individual management review.",
                "actions": [
                    {
                        "ref": "1.1", "lead": "Health", "officer": "health", "due": -35, "status": DONE,
                        "themes": [],
                        "rec": 9,
                        "description": "Introduce a body map and injury recording template in the school "
                        "nursing record.",
                        "success_measure": "Audit of 20 records shows body maps completed.",
                    },
                    {
                        "ref": "1.2", "lead": "Health", "officer": "health2", "due": 200, "status": NS,
                        "themes": ["history"],
                        "rec": 10,
                        "description": "Give school nurses read access to the safeguarding alerts in the child "
                        "health record.",
                        "success_measure": "Access live; school nurses confirm its use in an audit.",
                    },
                ],
            },
        ],
    },
    {
        "reference": "SCR-2009-03",
        "title": "Child E",
        "summary": (
            "A baby of seven weeks was found to have fractured ribs and a fractured arm. Both parents misused "
            "drugs and the father was under probation supervision; a pre-birth assessment had been requested "
            "but was not completed before the birth."
        ),
        "incident_category": "serious_injury",
        "status": "awaiting_publication",
        "commissioned_days_ago": 360,
        "finalised_days_ago": 120,
        "published_days_ago": None,
        "themes": ["prebirth", "substance", "male", "history"],
        "recommendations": [
            (
                1, None, ACC,
                "The Board should monitor the use of the pre-birth assessment protocol.",
                "",
            ),
            (
                2, None, ACC,
                "Maternity services should refer every pregnant woman who misuses drugs for a multi-agency pre-birth "
                "assessment.",
                "",
            ),
            (
                3, None, ACC,
                "Expectant fathers under supervision should be part of the pre-birth assessment.",
                "",
            ),
            (
                4, None, ACC,
                "Parents who misuse drugs should be supported to stay in treatment.",
                "",
            ),
            (
                5, None, ACC,
                "Pre-birth referrals should be allocated promptly.",
                "",
            ),
            (
                6, "Probation", ACC,
                "Offender managers should assess the risk to children in every case.",
                "",
            ),
            (
                7, "Probation", ACC,
                "Probation staff should attend multi-agency safeguarding training.",
                "",
            ),
            (
                8, "Health", ACC,
                "The community drug service should consider the children of its clients.",
                "",
            ),
            (
                9, "Health", ACC,
                "A specialist midwife for substance misuse in pregnancy should be appointed.",
                "",
            ),
            (
                10, "Health", ACC,
                "Babies who had a pre-birth assessment should be seen early by a health visitor.",
                "",
            ),
            (
                11, None, AWAITING,
                "Agencies should agree how a pre-birth assessment is shared with the father's probation officer.",
                "",
            ),
        ],
        "plans": [
            {
                "agency": None,
                "title": "Overview report action plan",
                "description": "Multi-agency recommendations of the overview report for Child E.",
                "actions": [
                    {
                        "ref": "1.1", "lead": "LSCB", "officer": "lscb", "due": 30, "status": IP,
                        "themes": ["prebirth"],
                        "rec": 1,
                        "description": "Add a quarterly report of pre-birth referrals and completed assessments "
                        "to the Board's performance dataset.",
                        "success_measure": "Report presented every quarter; 90% of pre-birth assessments "
                        "completed before 32 weeks of pregnancy.",
                        "updates": [
                            (15, "lscb", NS, IP, "Data items agreed with social care and maternity services."),
                        ],
                    },
                    {
                        "ref": "1.2", "lead": "Health", "officer": "health2", "due": 60, "status": NS,
                        "themes": ["prebirth", "substance"],
                        "rec": 2,
                        "description": "Community midwives refer every pregnant woman misusing drugs to "
                        "children's social care by 20 weeks of pregnancy on the pre-birth referral form.",
                        "success_measure": "Audit shows 95% of qualifying pregnancies referred by 20 weeks.",
                    },
                    {
                        "ref": "1.3", "lead": "Probation", "officer": "probation", "due": 10, "status": NS,
                        "themes": ["prebirth", "male"],
                        "rec": 3,
                        "description": "Offender managers tell children's social care when an offender under "
                        "supervision is expecting a child, and contribute to the pre-birth assessment.",
                        "success_measure": "Every relevant case notified; probation attends pre-birth planning "
                        "meetings.",
                    },
                    {
                        "ref": "1.4", "lead": "Voluntary", "officer": "voluntary", "due": 85, "status": IP,
                        "themes": ["substance"],
                        "rec": 4,
                        "description": "Extend the voluntary sector family support project to visit at home "
                        "parents in drug treatment who have a baby under one year.",
                        "success_measure": "40 families supported in the first year, with outcomes recorded.",
                        "updates": [
                            (28, "voluntary", NS, IP, "Funding confirmed; two family support workers being "
                             "recruited."),
                        ],
                    },
                    {
                        "ref": "1.5", "lead": "Social care", "officer": None, "due": 160, "status": NS,
                        "themes": ["prebirth"],
                        "rec": 5,
                        "description": "Allocate every pre-birth referral to a qualified social worker within "
                        "five working days and hold the planning meeting before 32 weeks.",
                        "success_measure": "Quarterly report shows 90% allocated within five working days.",
                    },
                ],
            },
            {
                "agency": "Probation",
                "title": "Northbridge Probation Service IMR action plan",
                "description": "Actions from the probation individual management review.",
                "actions": [
                    {
                        "ref": "1.1", "lead": "Probation", "officer": "probation", "due": -28, "status": IP,
                        "themes": ["history", "male"],
                        "rec": 6,
                        "description": "Make the risk-to-children section of the offender assessment mandatory "
                        "and audit its completion.",
                        "success_measure": "Audit of 40 assessments shows the section completed in 95%.",
                        "updates": [
                            (58, "probation", NS, IP, "Assessment system changed; audit sample being drawn."),
                            (2, "probation", IP, IP, "Audit delayed by staff absence; now expected next month."),
                        ],
                    },
                    {
                        "ref": "1.2", "lead": "Probation", "officer": None, "due": 95, "status": NS,
                        "themes": [],
                        "rec": 7,
                        "description": "Ensure every offender manager attends the Board's multi-agency level 2 "
                        "safeguarding children course.",
                        "success_measure": "90% of offender managers trained.",
                    },
                ],
            },
            {
                "agency": "Health",
                "title": "Northbridge Health NHS Trust IMR action plan",
                "description": "Actions from the health individual management review.",
                "actions": [
                    {
                        "ref": "1.1", "lead": "Health", "officer": "health", "due": 12, "status": IP,
                        "themes": ["substance"],
                        "rec": 8,
                        "description": "Introduce “think family” screening questions at assessment in the "
                        "community drug service, with referral pathways to children's services.",
                        "success_measure": "Audit shows children's details recorded for 95% of clients.",
                        "updates": [
                            (9, "health", NS, IP, "Questions added to the assessment; staff briefings under way."),
                        ],
                    },
                    {
                        "ref": "1.2", "lead": "Health", "officer": "health2", "due": 50, "status": CAN,
                        "themes": ["substance", "prebirth"],
                        "rec": 9,
                        "description": "Recruit a specialist midwife for substance misuse in pregnancy.",
                        "success_measure": "Post filled.",
                        "cancellation_reason": "Funding was not agreed; the sub-committee accepted the referral "
                        "pathway in action 1.2 of the multi-agency plan instead.",
                        "updates": [
                            (26, "member", NS, CAN, "Cancelled: Funding was not agreed; the sub-committee "
                             "accepted the referral pathway in action 1.2 of the multi-agency plan instead."),
                        ],
                    },
                    {
                        "ref": "1.3", "lead": "Health", "officer": None, "due": 130, "status": NS,
                        "themes": ["prebirth"],
                        "rec": 10,
                        "description": "Make the new birth visit within 14 days for every baby who had a "
                        "pre-birth assessment, jointly with the social worker.",
                        "success_measure": "Audit shows 95% of these new birth visits within 14 days.",
                    },
                ],
            },
        ],
    },
]

# --- Evidence (evidence/) ----------------------------------------------------------------------------------------
# Each item is keyed by its action: (review reference, plan agency short_name or None for the multi-agency
# plan, action reference). ``file`` is a generated document: a PDF of ``lines``, or a .txt/.csv of them; no
# ``file`` means a written note (``note``). Days are "days ago". ``decision`` is (outcome, days_ago, note);
# ``withdrawn`` is (days_ago, reason); ``new_version`` is a later item of the same shape that replaces this one.
# Every verified action without an item here gets a generated accepted one (see seed_demo), so that each
# verified action has at least one accepted evidence item, as DOMAIN.md requires.
EVIDENCE = [
    {
        "action": ("SCR-2008-01", None, "1.1"), "by": "lscb", "file": "workshop-attendance-and-evaluation.pdf",
        "description": "Attendance lists of the six learning workshops and the evaluation summary.",
        "lines": ["Learning workshops on the review of Child A: six sessions, 212 staff.",
                  "Attendance by agency: police 38, health 71, social care 44, education 29, others 30.",
                  "Evaluation: 86% of attendees named at least three of the review's key themes."],
        "submitted": 300, "represents": 305,
        "decision": ("accepted", 285, "Attendance from every partner agency; the evaluation meets the measure."),
    },
    {
        "action": ("SCR-2008-01", None, "1.2"), "by": "lscb", "file": "household-composition-procedure.pdf",
        "description": "The revised procedure on household composition, as published, and the Board's approval.",
        "lines": ["Multi-agency child protection procedures, section 4.7: household composition (revised).",
                  "Practitioners ask about, record and share any change in who lives in the household.",
                  "Approved by the Board and published on the Board's website."],
        "submitted": 31, "represents": 33,
    },
    {
        "action": ("SCR-2008-01", "Police", "1.2"), "by": "police2", "file": "briefing-attendance.csv",
        "description": "Training records: response officers briefed on the risk to babies from violent adults.",
        "lines": ["team,officers,briefed", "Response A,42,41", "Response B,39,36", "Public Protection Unit,18,18"],
        "submitted": 17, "represents": 18,
        "decision": ("rejected", 10, "The extract covers three teams only; the measure asks for 95% of all "
                                     "response officers. Please send the force-wide figure."),
    },
    {
        "action": ("SCR-2008-02", "Health", "1.2"), "by": "health", "file": "supervision-audit-q2.txt",
        "description": "Supervision database extract for the quarter.",
        "lines": ["Safeguarding supervision, quarter 2: 88 of 97 health visitors and midwives supervised (91%)."],
        "submitted": 60, "represents": 70,
        "decision": ("rejected", 52, "91% is below the 95% in the success measure, and one quarter is not "
                                     "enough: please send two consecutive quarters."),
        "new_version": {
            "by": "health", "file": "supervision-audit-q2-q3.pdf",
            "description": "Supervision database extract for two consecutive quarters.",
            "lines": ["Safeguarding supervision, quarter 2: 93 of 97 supervised (96%).",
                      "Safeguarding supervision, quarter 3: 95 of 98 supervised (97%)."],
            "submitted": 20, "represents": 25,
        },
    },
    {
        "action": ("SCR-2009-01", "Housing", "1.1"), "by": "housing", "file": "housing-referrals-march.pdf",
        "description": "Referral log of the housing options team.",
        "lines": ["Housing options: referrals to children's social care, March."],
        "submitted": 75, "represents": 80,
        "withdrawn": (74, "Uploaded the wrong month's report; the correct log follows."),
    },
    {
        "action": ("SCR-2009-01", "Housing", "1.1"), "by": "housing", "file": "housing-referrals-quarter.pdf",
        "description": "Referral log of the housing options team for the whole quarter.",
        "lines": ["Housing options: referrals to children's social care, January to March.",
                  "Every family placed in temporary accommodation with a child under five was notified to "
                  "the health visiting service within five working days."],
        "submitted": 73, "represents": 80,
    },
    {
        "action": ("SCR-2009-01", None, "1.6"), "by": "voluntary",
        "description": "Confirmation from the trustees that the safeguarding training was delivered.",
        "note": "The trustees confirmed at their meeting that all 34 volunteers working with families have "
                "completed the safeguarding course; the register is held at the CVS office.",
        "submitted": 9, "represents": 12,
    },
    {
        "action": ("SCR-2008-02", None, "1.4"), "by": "housing", "file": "temporary-accommodation-protocol.pdf",
        "description": "The signed protocol on notifying health and social care of families in temporary "
                       "accommodation.",
        "lines": ["Protocol: families with children in temporary accommodation.",
                  "Signed by housing, health and children's social care."],
        "submitted": 14, "represents": 15,
        "decision": ("accepted", 6, "Signed by all three services."),
    },
    {
        "action": ("SCR-2008-01", "Health", "1.1"), "by": "health", "file": "household-section-audit.pdf",
        "description": "Audit of 40 health visiting records for the new household section.",
        "lines": ["Audit of 40 health visiting records: household section completed in 37 (93%)."],
        "submitted": 215, "represents": 218,
        "decision": ("accepted", 205, "93% against a measure of 90%."),
    },
]

#: The learning events that carried the themes to practitioners (the paper's "two workshops for supervisors and
#: managers held, two more scheduled", and the briefings and e-learning beside them). ``day`` is the offset from
#: today (negative: in the past); ``status`` is reached through learning.services; ``attendance`` is
#: ``{agency: (people, note)}``, recorded by the agency's first user. The agencies left out of a held event's
#: attendance have not recorded it yet: with the themes no event has reached, they are the matrix's gaps.
#: ``register`` names the agency whose sign-in sheet is kept, ``materials`` the event's handout.
LEARNING_EVENTS = [
    {
        "title": "Hidden men: assessing fathers and male partners",
        "kind": "workshop", "audience": "supervisors_managers", "day": -120,
        "facilitator": "Anita Rowe, the board's training officer",
        "themes": ["male", "household"],
        "description": "Case studies from the reviews of Child A and Child C: finding out who the men in a child's "
                       "life are, and assessing them as well as the mother.",
        "status": "held",
        "attendance": {"Police": (4, ""), "Health": (6, ""), "Social care": (9, "Two teams sent their deputies."),
                       "Education": (3, ""), "Probation": (2, ""), "Housing": (0, "No manager was free that day.")},
        "register": "Police",
        "materials": "Workshop slides and the case study handout",
    },
    {
        "title": "Who lives here? Household composition and new partners",
        "kind": "workshop", "audience": "supervisors_managers", "day": -60,
        "facilitator": "Anita Rowe, the board's training officer",
        "themes": ["household", "history"],
        "description": "Keeping a household's composition up to date, and asking about a new partner's history.",
        "status": "held",
        "attendance": {"Police": (3, ""), "Health": (5, ""), "Social care": (7, ""), "Education": (0, ""),
                       "Probation": (2, ""), "Voluntary": (1, "")},
    },
    {
        "title": "Lessons from the serious case reviews: practitioner briefing",
        "kind": "briefing", "audience": "all_practitioners", "day": -90,
        "facilitator": "Independent chair and the Serious Cases Sub-Committee",
        "themes": ["household", "male", "history", "policies"],
        "description": "A one-hour briefing on the four themes, repeated in each locality.",
        "status": "held",
        "attendance": {"Police": (22, ""), "Health": (31, ""), "Social care": (40, ""), "Education": (18, ""),
                       "Probation": (6, "")},
    },
    {
        "title": "Knowing which procedures apply (e-learning)",
        "kind": "e_learning", "audience": "all_practitioners", "day": -28,
        "facilitator": "Board business unit",
        "themes": ["policies"],
        "description": "A 40-minute module on recognising which procedures apply where concerns overlap.",
        "status": "held",
        "attendance": {"Health": (45, "Completions in the month since it opened."), "Education": (60, ""),
                       "Social care": (25, "")},
    },
    {
        "title": "Multi-agency pre-birth assessment: when to start, who leads",
        "kind": "workshop", "audience": "supervisors_managers", "day": 21,
        "facilitator": "Designated Nurse and Social Care Service Manager",
        "themes": ["prebirth", "policies"],
        "description": "", "status": "scheduled", "attendance": {},
    },
    {
        "title": "Parental drug and alcohol misuse and parenting capacity",
        "kind": "workshop", "audience": "supervisors_managers", "day": 45,
        "facilitator": "Northbridge Drug and Alcohol Action Team",
        "themes": ["substance", "history"],
        "description": "", "status": "scheduled", "attendance": {},
    },
    {
        "title": "Annual safeguarding conference",
        "kind": "conference", "audience": "all_practitioners", "day": -14,
        "facilitator": "Northbridge Safeguarding Children Board",
        "themes": ["substance", "prebirth"],
        "description": "", "status": "cancelled",
        "cancellation_reason": "The venue withdrew its booking; the conference moves to the spring.",
        "attendance": {},
    },
    {
        "title": "Information sharing between agencies: locality briefing",
        "kind": "briefing", "audience": "all_practitioners", "day": -3,
        "facilitator": "Board business unit",
        "themes": ["policies"],
        "description": "Held on its day; not yet marked as held, so its attendance cannot be recorded yet.",
        "status": "scheduled", "attendance": {},
    },
]

#: The board's sub-committees (learning.SubCommittee): (name, description, checks impact by default, members).
SUB_COMMITTEES = [
    ("Monitoring and Evaluation Sub-Committee",
     "Checks that the changes made after each review have been effective: audits, surveys, supervision records.",
     True, ["member"]),
    ("Professional Practice Sub-Committee",
     "Practice standards and the multi-agency procedures; takes the checks that need a practitioners' view.",
     False, ["member"]),
]

#: What becomes of the impact checks of the demo's verified actions (each falls due six months after its sign-off,
#: through actionplans.lifecycle), in the order of their review and action references: the first ones are done
#: with each finding, then some are overdue and due within 30 days; the rest fall due later. A finding is
#: ``(finding, days ago, what was looked at, what was found, follow-up check due in days or None)``; a due date is
#: ``("due", days from today, the first word of a sub-committee's name in lower case, or None)``.
IMPACT_CHECKS = [
    ("embedded", 20, "A multi-agency audit of 20 case files of babies under one.",
     "18 of the 20 files recorded every adult in the household and when they joined it.", None),
    ("embedded", 45, "Supervision records of the health visiting teams; a survey of 40 practitioners.",
     "Supervisors ask about fathers and new partners at every review; 36 of 40 practitioners said so too.", None),
    ("partly", 30, "A dip sample of 12 police referrals to children's social care.",
     "The history of adults is checked in most referrals, but not when the referral is made out of hours.", 60),
    ("not_embedded", 15, "A multi-agency audit of 10 pre-birth assessments.",
     "In 7 of 10 no agency other than children's social care contributed: the protocol is not yet followed.", 90),
    ("cannot_tell", 10, "The new procedure's first three months of referrals.",
     "Too few cases since the procedure changed to say whether practice has changed.", 120),
    ("due", -21, None),
    ("due", -5, "professional"),
    ("due", 12, None),
    ("due", 25, "professional"),
]

#: The board's concerns outside any one review (the paper's section 3.2), through concerns.services. ``day`` is the
#: offset from today; ``log`` is ``(day, agency short_name or None for the board's update, text)``; each indicator
#: is ``(name, unit, target, direction, reported by, values)`` with a year of quarterly ``values``, oldest first,
#: the last for the quarter before the present one (the present quarter's is not due yet).
CONCERNS = [
    {
        "title": "Social workers' caseloads remain very high",
        "description": "The section 11 audit found very high caseloads among children's social workers, and with "
                       "them doubts about their capacity, and their supervisors', to manage the work safely. The "
                       "caseloads have come down, but remain very high.",
        "raised_with": "the Director of Children's Services and the Children's Trust",
        "day": -400, "source": "section_11", "status": "monitoring", "agencies": ["Social care"],
        "indicators": [
            ("Average caseload per social worker", "cases", 18, "lower", "Social care", [29, 27, 24.5, 22]),
        ],
        "log": [
            (-390, None, "Raised with the Director of Children's Services and the Trust after the section 11 audit."),
            (-300, "Social care", "Six agency social workers recruited; caseloads will be reported to the board each "
                                  "quarter."),
            (-97, None, "Caseloads have fallen but remain very high. The board keeps monitoring the workforce's "
                         "capacity while this level of risk remains."),
        ],
    },
    {
        "title": "Slow take-up of the Common Assessment Framework",
        "description": "The board welcomes the renewed strategy for the roll-out of the CAF but is concerned at the "
                       "slow pace at which partner agencies engage with it, so that needs are not identified at the "
                       "earliest stage.",
        "raised_with": "the Children's Trust",
        "day": -330, "source": "other", "status": "open", "agencies": ["Health", "Education", "Voluntary"],
        "indicators": [
            ("CAFs started per quarter", "CAFs", 40, "higher", "Education", [28, 31, 34, 37]),
            ("CAFs started per quarter", "CAFs", 30, "higher", "Health", [12, 15, 14, 18]),
            ("CAFs started per quarter", "CAFs", 10, "higher", "Voluntary", [8, 11, 12, 14]),
        ],
        "log": [
            (-320, None, "The strategy for the roll-out of the CAF was presented to the board; agencies to report "
                         "the CAFs they start each quarter."),
            (-200, "Education", "CAF training is now part of the designated teachers' annual update."),
            (-60, "Health", "Health visitors and school nurses have a CAF champion in each locality from next month."),
        ],
    },
    {
        "title": "Information sharing protocol not implemented by all partners",
        "description": "Workshops showed that not all staff work to the principles of information sharing. The board "
                       "asked the Trust for an updated protocol, fully implemented by all partners.",
        "raised_with": "the Children's Trust",
        "day": -300, "source": "workshop", "status": "open",
        "agencies": ["LSCB", "Police", "Health", "Social care", "Education", "Probation", "Housing"],
        "indicators": [
            ("Partner agencies that have signed the updated protocol", "agencies", 6, "higher", "LSCB", [2, 3, 4, 4]),
        ],
        "log": [
            (-290, None, "The Trust agreed to provide an updated protocol; the board's business unit tracks who has "
                         "signed it."),
            (-100, "Police", "The protocol is signed; it is in the force's public protection procedures."),
        ],
    },
]

#: The board's papers, as drafts a member has started (papers/): ``day`` is the paper's date in days from today.
PAPERS = [
    {
        "kind": "partners",
        "title": "Implementation of action plans from serious case reviews and update from the Safeguarding "
                 "Children Board",
        "meeting": "Northbridge Children and Young People's Trust",
        "day": 20,
        "author": "David Okafor, Member, Serious Cases Sub-Committee",
        "sponsor": "Margaret Ellison, Independent Chair",
        "introduction": (
            "The Safeguarding Children Board reports on the implementation of the action plans of its serious case "
            "reviews, and highlights the themes from these reviews for the Trust's agencies to take forward.\n\n"
            "The board asks the Trust to make sure that key elements of safeguarding are in place, to improve "
            "outcomes for children and young people in Northbridge."
        ),
        "recommendations": (
            "1. That the implementation of the reviews' action plans is noted, and that every agency considers how "
            "the themes from the reviews can be embedded in its practice.\n\n"
            "2. That the Trust considers what the continuing high caseloads of children's social workers mean for "
            "the services it delivers.\n\n"
            "3. That the Trust actively supports the strategy for the roll-out of the Common Assessment Framework.\n\n"
            "4. That the Trust ensures an updated information sharing protocol is signed and used by every partner."
        ),
    },
    {
        "kind": "annual",
        "title": "Northbridge Safeguarding Children Board: annual report",
        "meeting": "Northbridge Safeguarding Children Board",
        "day": 34,
        "author": "David Okafor, Member, Serious Cases Sub-Committee",
        "sponsor": "Margaret Ellison, Independent Chair",
        "introduction": (
            "This is the board's report on its year: the reviews it published, how far their action plans "
            "were carried out and verified, how their lessons were taken to practitioners, whether practice changed, "
            "and what the board asked of its partners outside any one review."
        ),
        "recommendations": (
            "The board's priorities for the coming year: every partner signed up to the information sharing "
            "protocol; the CAF used by schools and health services as much as by the voluntary sector; and every "
            "verified action checked for its impact within six months."
        ),
    },
]
