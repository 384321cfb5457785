"""Load the fictional demo data of reviews/demo.py. Safe to run again: it brings the data back to the
definition without duplicating anything, and leaves unchanged rows untouched."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import Agency, Role, User
from accounts.validators import DEMO_PASSWORD
from actionplans import dates, lifecycle, rules
from actionplans.models import Action, ActionPlan, ProgressUpdate, TargetDateChange
from audit.services import record_changed, record_created, record_sealed, snapshot
from concerns import rules as concern_rules
from concerns import services as concern_services
from concerns.models import Concern, Indicator
from dashboard import services as dashboard_services
from evidence import services as evidence_services
from evidence import uploads
from evidence.documents import simple_pdf
from evidence.models import Evidence, EvidenceDecision
from learning import services as learning_services
from learning.models import Attendance, ImpactCheck, LearningEvent, SubCommittee
from papers import rules as paper_rules
from papers import services as paper_services
from papers.models import Paper
from reviews import demo
from reviews.models import Recommendation, Review, Theme

#: How many days of trend the demo shows from its first load (about six months).
DEMO_TREND_DAYS = 182


class Command(BaseCommand):
    help = "Load the fictional demo data (agencies, accounts, reviews, plans, actions). Idempotent."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when any review exists already."
        )
        parser.add_argument(
            "--migrate",
            action="store_true",
            help="Bring the database up to date first, in the same process (as `make run` does: one start-up).",
        )

    def handle(self, *args, if_empty=False, migrate=False, **options):
        if not settings.ALLOW_DEMO_DATA:
            raise CommandError(
                "Demo data is not allowed here: its accounts have a published password. "
                "Set ALLOW_DEMO_DATA=true only on a development or demonstration system."
            )
        if migrate:
            call_command("migrate", interactive=False, verbosity=options["verbosity"], stdout=self.stdout)
        if if_empty and Review.objects.exists():
            self.stdout.write("Reviews exist already; demo data not loaded (--if-empty).")
            return
        self.today = timezone.localdate()
        self.created = self.updated = 0
        with transaction.atomic():
            agencies = self.seed_agencies()
            users, new_users = self.seed_users(agencies)
            themes = self.seed_themes()
            self.seed_sub_committees(users)
            self.new_actions = []
            for review_data in demo.REVIEWS:
                self.seed_review(review_data, agencies, users, themes)
            self.seed_evidence(users)
            self.sign_off(users)
            self.seed_impact_checks(users)
            self.seed_learning_events(agencies, users, themes)
            self.seed_concerns(agencies, users)
            self.seed_papers(users)
        self.report(new_users)
        self.seed_trend()

    # --- writing ------------------------------------------------------------------------------

    def upsert(self, model, lookup, values, on_create=None):
        """Find the object by its natural key and bring it to ``values``. It is saved only when created or
        changed, so a second run leaves even ``updated_at`` alone."""
        obj = model.objects.filter(**lookup).first()
        created = obj is None
        if created:
            obj = model(**lookup)
            if on_create:
                on_create(obj)
        changed = False
        for name, value in values.items():
            if created or getattr(obj, name) != value:
                setattr(obj, name, value)
                changed = True
        if created or changed:
            obj.full_clean()
            obj.save()
        self.created += created
        self.updated += changed and not created
        return obj, created

    def seed_agencies(self):
        return {
            short: self.upsert(Agency, {"name": name}, {"short_name": short, "kind": kind, "is_active": True})[0]
            for name, short, kind in demo.AGENCIES
        }

    def seed_users(self, agencies):
        users, new = {}, set()
        # One hash for every new demo account: the password is public anyway, and hashing it fifteen times is
        # most of the seed's time (and of `make run`'s first start).
        hashed = make_password(DEMO_PASSWORD)
        for username, first, last, role, agency, job_title in demo.USERS:
            values = {
                "first_name": first,
                "last_name": last,
                "email": f"{username}@{demo.EMAIL_DOMAIN}",
                "role": role,
                "agency": agencies[agency] if agency else None,
                "job_title": job_title,
                "is_active": True,
                "is_superuser": role == Role.ADMIN,
            }
            # The password is set only when the account is created, so a second run keeps its hash.
            users[username], created = self.upsert(
                User, {"username": username}, values, on_create=lambda u: setattr(u, "password", hashed)
            )
            if created:
                new.add(username)
        return users, new

    def seed_themes(self):
        return {
            key: self.upsert(Theme, {"name": name}, {"description": description})[0]
            for key, (name, description) in demo.THEMES.items()
        }

    def day(self, days_ago):
        return self.today - datetime.timedelta(days=days_ago) if days_ago is not None else None

    def moment(self, days_ago, index):
        """A fixed time of day for the index-th progress update: the same on every run of the same day."""
        at = datetime.time(9 + index % 8, 15)
        return timezone.make_aware(datetime.datetime.combine(self.day(days_ago), at))

    def seed_review(self, data, agencies, users, themes):
        author = users[demo.CREATED_BY]
        review, _ = self.upsert(Review, {"reference": data["reference"]}, {
            "title": data["title"],
            "summary": data["summary"],
            "incident_category": data["incident_category"],
            "status": data["status"],
            "commissioned_on": self.day(data["commissioned_days_ago"]),
            "finalised_on": self.day(data["finalised_days_ago"]),
            "published_on": self.day(data["published_days_ago"]),
            "created_by": author,
        })
        review.themes.set([themes[key] for key in data["themes"]])
        recommendations = self.seed_recommendations(review, data, agencies, author)
        for plan_data in data["plans"]:
            agency = agencies[plan_data["agency"]] if plan_data["agency"] else None
            kind = ActionPlan.Kind.SINGLE_AGENCY if agency else ActionPlan.Kind.MULTI_AGENCY
            plan, _ = self.upsert(
                ActionPlan,
                {"review": review, "kind": kind, "agency": agency},
                {"title": plan_data["title"], "description": plan_data["description"], "created_by": author},
            )
            for action_data in plan_data["actions"]:
                self.seed_action(plan, action_data, agencies, users, themes, author, recommendations)

    def seed_recommendations(self, review, data, agencies, author):
        """The review's recommendations, by number; the board responded on the day the review was finalised."""
        recommendations = {}
        for number, to, response, text, reasons in data["recommendations"]:
            answered = response != Recommendation.Response.AWAITING
            recommendations[number], created = self.upsert(Recommendation, {"review": review, "number": number}, {
                "text": text,
                "agency": agencies[to] if to else None,
                "response": response,
                "response_reasons": reasons,
                "responded_on": self.day(data["finalised_days_ago"]) if answered else None,
                "created_by": author,
            })
            if created:
                record_created(recommendations[number], actor=author)
        return recommendations

    def seed_action(self, plan, data, agencies, users, themes, author, recommendations):
        """The action as the demo defines it. A new one is taken through its story by the lifecycle, update by
        update (the sign-off waits for its evidence: see sign_off); an existing one keeps its status and log."""
        lookup = {"plan": plan, "reference": data["ref"]}
        target = self.today + datetime.timedelta(days=data["due"])
        dated = {"target_date": target}
        stored = Action.objects.filter(**lookup).values("target_date", "original_target_date").first()
        if stored is None and data.get("date_moves"):
            # Created on its first date; the moves then take it to ``due`` (move_dates).
            dated["target_date"] = self.today + datetime.timedelta(days=data["date_moves"][0][2])
        elif stored is not None:
            # Dates are relative to today: the original date keeps its distance from the current one.
            dated["original_target_date"] = target - (stored["target_date"] - stored["original_target_date"])
        action, created = self.upsert(Action, lookup, {
            "recommendation": recommendations[data["rec"]],
            "description": data["description"],
            "lead_agency": agencies[data["lead"]],
            "responsible_officer": users[data["officer"]] if data["officer"] else None,
            **dated,
            "success_measure": data["success_measure"],
            "created_by": author,
        })
        action.themes.set([themes[key] for key in data["themes"]])
        if created:
            # In the audit chain as the action pages would put it: verify_audit_chain checks every action's status.
            record_created(action, actor=author)
            data = {**data, "updates": data.get("updates") or self.story(data)}
            self.new_actions.append((action, data))
            for i, update in enumerate(data["updates"]):
                if update[3] != rules.Status.VERIFIED:
                    self.replay(action, data, users, i, update)
            self.move_dates(action, data, users)

    def story(self, data):
        """Updates for an action the demo gives only a status: started, completed and signed off, as far as its
        status goes, by its officer (or its agency's first user) and the consultant, dated before its target."""
        S = rules.Status
        by = data["officer"] or next(u[0] for u in demo.USERS if u[3] == Role.AGENCY and u[4] == data["lead"])
        base = max(-data["due"], 0)
        steps = [
            (base + 90, by, S.NOT_STARTED, S.IN_PROGRESS, "Work started."),
            (base + 20, by, S.IN_PROGRESS, S.COMPLETED, "Work completed; evidence sent to the consultant."),
            (base + 5, "consultant", S.COMPLETED, S.VERIFIED, "Signed off: the evidence meets the success measure."),
        ]
        order = [S.NOT_STARTED, S.IN_PROGRESS, S.COMPLETED, S.VERIFIED]
        return steps[: order.index(data["status"])]

    def replay(self, action, data, users, i, update):
        """One progress update of the story, through actionplans.lifecycle, dated as the story has it."""
        days_ago, username, before, after, note = update
        author, common = users[username], {"action": action, "seen_status": before}
        if after == rules.Status.CANCELLED:
            entry = lifecycle.cancel(actor=author, reason=data["cancellation_reason"], **common)
        elif after == rules.Status.VERIFIED:
            entry = lifecycle.verify(actor=author, note=note, **common)
        else:
            entry = lifecycle.record_progress(actor=author, status=after, note=note, **common)
        # Notes are the story's own words (the lifecycle prefixes cancellations and sign-offs).
        moment = self.moment(days_ago, i)
        ProgressUpdate.objects.filter(pk=entry.pk).update(created_at=moment, note=note)
        entry.created_at, entry.note = moment, note
        record_sealed(entry, actor=None)  # the entry as dated here is the one the audit chain must match
        if before != after:
            Action.objects.filter(pk=action.pk).update(status_changed_at=moment)
        self.created += 1

    def move_dates(self, action, data, users):
        """The moves of a new action's target date, through actionplans.dates as the pages make them, dated as the
        demo has them."""
        for i, (days_ago, by, from_due, to_due, reason, decision) in enumerate(data.get("date_moves", ())):
            person = users[by]
            new_date = self.today + datetime.timedelta(days=to_due)
            assert action.target_date == self.today + datetime.timedelta(days=from_due), f"{action}: date moves"
            if person.is_agency_user:
                change = dates.request_target_date(action=action, actor=person, new_date=new_date, reason=reason)
            else:
                change = dates.change_target_date(
                    action=action, actor=person, new_date=new_date, reason=reason, seen_date=action.target_date
                )
            decided_at = change.decided_at
            if person.is_agency_user and decision is not None:
                decided_days_ago, member, approved, note = decision
                dates.decide_target_date(change=change, actor=users[member], approve=approved, note=note)
                decided_at = self.moment(decided_days_ago, i)
            elif not person.is_agency_user:
                decided_at = self.moment(days_ago, i)
            TargetDateChange.objects.filter(pk=change.pk).update(
                requested_at=self.moment(days_ago, i), decided_at=decided_at
            )
            self.created += 1
        action.refresh_from_db()
        assert action.target_date == self.today + datetime.timedelta(days=data["due"]), f"{action}: moves end at due"

    def sign_off(self, users):
        """The sign-offs of the new verified actions, now that their accepted evidence exists."""
        for action, data in self.new_actions:
            for i, update in enumerate(data["updates"]):
                if update[3] == rules.Status.VERIFIED:
                    self.replay(action, data, users, i, update)
            action.refresh_from_db()
            assert action.status == data["status"], f"{action}: the demo's updates must end in its status"

    def seed_evidence(self, users):
        """Evidence in every state, through the same checks, storage and services as an upload. An item that
        exists already (same action and description) is left alone, with whatever happened to it since."""
        actions = {
            (a.plan.review.reference, a.plan.agency.short_name if a.plan.agency else None, a.reference): a
            for a in Action.objects.select_related("plan__review", "plan__agency", "lead_agency", "responsible_officer")
        }
        for data in demo.EVIDENCE:
            self.seed_evidence_item(actions[data["action"]], data, users)
        # Every verified action has at least one accepted item (DOMAIN.md): a generated one where the demo
        # lists none.
        first_user = {}
        for username, _, _, role, agency, _ in demo.USERS:
            if role == Role.AGENCY:
                first_user.setdefault(agency, username)
        signed_off = {action.pk: data for action, data in self.new_actions if data["status"] == rules.Status.VERIFIED}
        for action in actions.values():
            if action.pk not in signed_off:
                continue
            if Evidence.objects.filter(action=action, status=Evidence.Status.ACCEPTED).exists():
                continue
            signed = next(u[0] for u in signed_off[action.pk]["updates"] if u[3] == rules.Status.VERIFIED)
            by = action.responsible_officer.username if action.responsible_officer else first_user[action.lead_agency.short_name]
            self.seed_evidence_item(action, {
                "by": by,
                "file": f"{action.plan.review.reference.lower()}-action-{action.reference}-evidence.pdf",
                "description": "Evidence that the success measure was met.",
                "lines": [f"Action {action.reference} of {action.plan.review.reference}: {action.description}",
                          f"Success measure: {action.success_measure}",
                          "Result: the measure was met. The underlying records are held by the lead agency."],
                "submitted": signed + 12, "represents": signed + 14,
                "decision": ("accepted", signed + 2, "The evidence meets the success measure."),
            }, users)

    def seed_evidence_item(self, action, data, users, replaces=None):
        item = Evidence.objects.filter(action=action, description=data["description"]).first()
        if item is None:
            item = self.create_evidence(action, data, users, replaces)
        if "new_version" in data:
            self.seed_evidence_item(action, data["new_version"], users, replaces=item)

    def create_evidence(self, action, data, users, replaces):
        submitter, note = users[data["by"]], data.get("note", "")
        checked = None
        if "file" in data:
            name, lines = data["file"], data["lines"]
            if name.endswith(".pdf"):
                checked = self.demo_file(name, data["description"], lines)
            else:
                checked = uploads.check_upload(ContentFile(("\n".join(lines) + "\n").encode(), name=name))
        common = {"actor": submitter, "description": data["description"], "represents_on": self.day(data["represents"])}
        if replaces is not None:
            item = evidence_services.evidence_supersede(old=replaces, upload=checked, note=note, **common)
        else:
            item = evidence_services.evidence_submit(
                action=action, uploads=[checked] if checked else [], note=note, **common
            )[0]
        Evidence.objects.filter(pk=item.pk).update(submitted_at=self.moment(data["submitted"], 0))
        if "decision" in data:
            outcome, days_ago, decision_note = data["decision"]
            decision = lifecycle.decide(
                evidence=item, actor=users["consultant"], accept=outcome == "accepted", note=decision_note, notify=False
            )
            decision.decided_at = self.moment(days_ago, 1)
            EvidenceDecision.objects.filter(pk=decision.pk).update(decided_at=decision.decided_at)
            record_sealed(decision, actor=None)  # the decision as dated here is the one the audit chain must match
        if "withdrawn" in data:
            days_ago, reason = data["withdrawn"]
            lifecycle.withdraw_evidence(evidence=item, actor=submitter, reason=reason, seen_status=item.status)
            Evidence.objects.filter(pk=item.pk).update(withdrawn_at=self.moment(days_ago, 2))
        self.created += 1
        return item

    def seed_sub_committees(self, users):
        self.sub_committees = {}
        for name, description, checks_impact, members in demo.SUB_COMMITTEES:
            sub_committee, created = self.upsert(
                SubCommittee, {"name": name}, {"description": description, "checks_impact": checks_impact}
            )
            if created:
                sub_committee.members.set([users[username] for username in members])
                record_created(sub_committee, actor=None)
            self.sub_committees[name.split()[0].lower()] = sub_committee

    def seed_impact_checks(self, users):
        """The impact checks of the actions verified in this run (their sign-off made them, due six months on)
        become demo.IMPACT_CHECKS: findings through learning.services as a member records them, and due dates
        moved to the demo's (recorded as the system's change: the demo's dates are relative to today)."""
        verified = sorted(
            (action for action, data in self.new_actions if data["status"] == rules.Status.VERIFIED),
            key=lambda a: (a.plan.review.reference, a.plan.agency.short_name if a.plan.agency else "", a.reference),
        )
        checks = ImpactCheck.objects.filter(action__in=verified, status=ImpactCheck.Status.OPEN)
        by_action = {check.action_id: check for check in checks}
        for action, scenario in zip(verified, demo.IMPACT_CHECKS, strict=False):
            check = by_action[action.pk]
            if scenario[0] == "due":
                _, days, sub_committee = scenario
                self.move_check(check, self.today + datetime.timedelta(days=days), sub_committee)
                continue
            finding, days_ago, looked_at, note, follow_up_days = scenario
            self.move_check(check, self.day(days_ago + 7), None)  # it fell due a week before its finding
            learning_services.impact_finding_record(
                check=check, actor=users["member"], seen=check.status, finding=finding, looked_at=looked_at,
                finding_note=note, checked_on=self.day(days_ago), follow_up="check" if follow_up_days else "",
                follow_up_due=self.today + datetime.timedelta(days=follow_up_days) if follow_up_days else None,
            )

    def move_check(self, check, due_on, sub_committee):
        """The demo's due date (and sub-committee) of a check, recorded as the system's change."""
        before = snapshot(check, ["due_on", "sub_committee"])
        check.due_on = due_on
        if sub_committee:
            check.sub_committee = self.sub_committees[sub_committee]
        ImpactCheck.objects.filter(pk=check.pk).update(due_on=check.due_on, sub_committee=check.sub_committee)
        record_changed(check, actor=None, before=before)

    def seed_learning_events(self, agencies, users, themes):
        """The learning events, through learning.services as their pages would write them. An event that exists
        already (same title) keeps its status, attendance and files, whatever happened to it since."""
        member = users["member"]
        recorder = {}
        for username, _, _, role, agency, _ in demo.USERS:
            if role == Role.AGENCY:
                recorder.setdefault(agency, users[username])
        for data in demo.LEARNING_EVENTS:
            if LearningEvent.objects.filter(title=data["title"]).exists():
                continue
            event = learning_services.event_create(
                actor=member, themes=[themes[key] for key in data["themes"]], title=data["title"],
                kind=data["kind"], audience=data["audience"], held_on=self.today + datetime.timedelta(days=data["day"]),
                facilitator=data["facilitator"], description=data["description"],
            )
            self.created += 1
            if data["status"] == LearningEvent.Status.HELD:
                learning_services.move_event("hold", event=event, actor=member, seen=event.status)
            elif data["status"] == LearningEvent.Status.CANCELLED:
                learning_services.move_event("cancel", event=event, actor=member, seen=event.status,
                                             reason=data["cancellation_reason"])
            for short_name, (people, note) in data["attendance"].items():
                register = None
                if data.get("register") == short_name:
                    register = self.demo_file(f"register-{short_name.lower()}.pdf", f"{short_name} sign-in sheet", [
                        f"{data['title']}: sign-in sheet of {agencies[short_name].name}.",
                        *(f"Attendee {n} (fictional), {agencies[short_name].short_name}" for n in range(1, people + 1)),
                    ])
                learning_services.attendance_record(
                    event=event, agency=agencies[short_name], actor=recorder[short_name], attended=people, note=note,
                    register=register,
                )
            if data.get("materials"):
                handout = self.demo_file("workshop-slides.pdf", data["materials"], [
                    data["title"], data["description"], "Slides and case studies for the facilitator's use."])
                learning_services.materials_add(event=event, actor=member, uploads=[handout],
                                                description=data["materials"])

    def seed_concerns(self, agencies, users):
        """The board's concerns, their log and indicators with a year of quarterly values, through
        concerns.services as their pages would write them. A concern that exists already (same title) is kept as
        it is."""
        member = users["member"]
        reporter = {}
        for username, _, _, role, agency, _ in demo.USERS:
            if role == Role.AGENCY:
                reporter.setdefault(agency, users[username])
        quarter = concern_rules.period_of(self.today, Indicator.Frequency.QUARTERLY)
        for data in demo.CONCERNS:
            if Concern.objects.filter(title=data["title"]).exists():
                continue
            concern = concern_services.concern_create(
                actor=member, agencies=[agencies[name] for name in data["agencies"]], title=data["title"],
                description=data["description"], raised_with=data["raised_with"], source=data["source"],
                raised_on=self.today + datetime.timedelta(days=data["day"]),
            )
            self.created += 1
            if data["status"] == Concern.Status.MONITORING:
                concern_services.move_concern("monitor", concern=concern, actor=member, seen=concern.status)
            for day, agency, text in data["log"]:
                actor = reporter[agency] if agency else member
                concern_services.entry_add(concern=concern, actor=actor, text=text,
                                           on=self.today + datetime.timedelta(days=day))
            for name, unit, target, direction, owner, values in data["indicators"]:
                periods = [quarter]
                for _ in values:
                    periods.insert(0, concern_rules.previous_period(periods[0], Indicator.Frequency.QUARTERLY))
                indicator = concern_services.indicator_create(
                    concern=concern, actor=member, name=name, unit=unit, target=Decimal(target), direction=direction,
                    owner=agencies[owner], frequency=Indicator.Frequency.QUARTERLY, first_period=periods[0],
                )
                for period, value in zip(periods, values, strict=False):
                    concern_services.data_point_record(indicator=indicator, actor=reporter[owner], period=period,
                                                       value=Decimal(str(value)))

    def seed_papers(self, users):
        """The board's papers as drafts (papers.services); the annual report is about the year in progress (the demo's
        events and findings are recent), which a member may change for the last year that has ended. A paper that
        exists already (same kind and title) is kept as it is: issued or not, it is the board's."""
        for data in demo.PAPERS:
            if Paper.objects.filter(kind=data["kind"], title=data["title"]).exists():
                continue
            values = {name: data[name] for name in ("title", "meeting", "author", "sponsor", "introduction",
                                                    "recommendations")}
            values["dated"] = self.today + datetime.timedelta(days=data["day"])
            if data["kind"] == Paper.Kind.PARTNERS:
                values["since"] = paper_rules.default_since(self.today)
            else:
                values["year_start"] = paper_rules.year_of(self.today)
            paper_services.paper_create(actor=users["member"], kind=data["kind"], **values)
            self.created += 1

    def demo_file(self, name, title, lines):
        """A fictional PDF through the upload gate, as a page's upload would be checked."""
        content = simple_pdf([*lines, "", "Fictional demo document: no real child, family or case."], title=title)
        return uploads.check_upload(ContentFile(content, name=name))

    def seed_trend(self):
        """A plausible history for the dashboard's trend: past days without a snapshot are rebuilt from the
        progress logs (days already recorded are kept), then today's snapshot is taken or brought up to date."""
        filled = dashboard_services.snapshot_backfill(days=DEMO_TREND_DAYS, today=self.today)
        dashboard_services.snapshot_take(on=self.today)
        self.stdout.write(f"Trend: {filled} earlier days of snapshots filled from the progress logs, today's taken.")

    # --- reporting ----------------------------------------------------------------------------

    def report(self, new_users):
        actions = Action.objects.all()
        figures = rules.figures_for(actions, self.today)
        write = self.stdout.write
        write(self.style.SUCCESS(
            f"Demo data loaded: {self.created} objects created, {self.updated} brought back to the demo definition, "
            "the rest unchanged."
        ))
        write(
            f"Agencies: {Agency.objects.count()}  users: {User.objects.count()}  themes: {Theme.objects.count()}  "
            f"reviews: {Review.objects.count()}  plans: {ActionPlan.objects.count()}  "
            f"actions: {figures.total}  progress updates: {ProgressUpdate.objects.count()}"
        )
        by_status = {s: actions.filter(status=s).count() for s in rules.Status}
        evidence = {s: Evidence.objects.filter(status=s).count() for s in Evidence.Status}
        write(f"Evidence: {sum(evidence.values())} items: " + ", ".join(
            f"{s.label.lower()} {n}" for s, n in evidence.items()
        ))
        write("Actions by status: " + ", ".join(f"{s.label.lower()} {n}" for s, n in by_status.items()))
        checks = {s: ImpactCheck.objects.filter(status=s).count() for s in ImpactCheck.Status}
        write("Impact checks: " + ", ".join(f"{s.label.lower()} {n}" for s, n in checks.items()))
        events = {s: LearningEvent.objects.filter(status=s).count() for s in LearningEvent.Status}
        write("Learning events: " + ", ".join(f"{s.label.lower()} {n}" for s, n in events.items())
              + f"; attendance recorded {Attendance.objects.count()} times")
        concerns = {s: Concern.objects.filter(status=s).count() for s in Concern.Status}
        write("Board concerns: " + ", ".join(f"{s.label.lower()} {n}" for s, n in concerns.items())
              + f"; indicators {Indicator.objects.count()}")
        papers = {s: Paper.objects.filter(status=s).count() for s in Paper.Status}
        write("Board papers: " + ", ".join(f"{s.label.lower()} {n}" for s, n in papers.items()))
        write(
            f"Overdue: {figures.overdue}  due within {rules.DUE_SOON_DAYS} days: {figures.due_soon}  "
            f"completion: {figures.completion}%  compliance: {figures.compliance}%"
        )
        write(f"Demo accounts (password “{DEMO_PASSWORD}”):")
        for username, first, last, role, agency, _ in demo.USERS:
            where = f", {agency}" if agency else ""
            new = "  (new)" if username in new_users else ""
            write(f"  {username:<12} {first} {last} — {Role(role).label}{where}{new}")
