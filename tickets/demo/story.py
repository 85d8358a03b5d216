"""One demo ticket's story, told through the real services at simulated times.

Each step runs under time-machine at its simulated time, so every timestamp the services write
(number, events, messages, history, SLA clocks) is consistent; nothing is back-dated afterwards.
"""

import datetime as dt
import random
from collections.abc import Callable

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from .. import services
from ..errors import DomainError
from ..models import (
    Channel,
    MessageKind,
    RequestType,
    Seniority,
    Status,
    Ticket,
    TicketEvent,
    User,
    WorkLogKind,
)
from ..services import closure
from . import content
from .content import Phrases
from .people import Cast
from .plan import Plan


class Clock:
    """Simulated time of one ticket's story; it never reaches the present."""

    def __init__(self, *, start: dt.datetime, limit: dt.datetime) -> None:
        self.at = start
        self.limit = limit

    def advance(self, minutes: float) -> None:
        """Move on by `minutes`, slowing down near the present so that it is never reached."""
        room = (self.limit - self.at) / 3
        self.at += min(dt.timedelta(minutes=minutes), max(room, dt.timedelta(0)))

    def travel(self) -> time_machine.travel:
        """Run the services at the simulated time: every timestamp they write (numbers, events,
        messages, history, SLA clocks) is consistent, with no back-dating afterwards."""
        return time_machine.travel(self.at, tick=True)


# --- driving one ticket through the real services ----------------------------------------


LAG_MINUTES = {
    Channel.PORTAL: (0, 1),
    Channel.API: (0, 1),
    Channel.EMAIL: (5, 60),
    Channel.PHONE: (3, 14),
    Channel.HOTLINE: (3, 14),
    Channel.IM: (2, 9),
    Channel.CHAT: (1, 8),
}


class Story:
    def __init__(self, *, cast: Cast, plan: Plan, now: dt.datetime) -> None:
        self.cast, self.plan, self.now = cast, plan, now
        self.rng = random.Random(plan.seed)
        self.p: Phrases = content.EN if plan.problem.english else content.ZH
        org, contacts, _english = cast.organizations[plan.org_index]
        self.org, self.contact = org, contacts[plan.contact_index]
        self.agent = cast.users["agent"]
        self.supervisor = cast.users["supervisor"]
        self.ticket_id = 0
        self.number = ""
        self.clock = Clock(start=plan.received_at, limit=now)

    # helpers
    def ticket(self) -> Ticket:
        return Ticket.objects.select_related("assignee", "suggested_category").get(
            pk=self.ticket_id
        )

    def step(self, minutes: tuple[float, float], action: Callable[[], object]) -> None:
        self.clock.advance(self.rng.uniform(*minutes))
        with self.clock.travel():
            action()

    def say(
        self, actor: User, body: str, *, kind: str = MessageKind.REPLY, worklog: str = ""
    ) -> None:
        files = [self._file()] if actor.is_customer and self.rng.random() < 0.3 else []
        services.message_add(
            ticket_id=self.ticket_id,
            actor=actor,
            kind=kind,
            body=body,
            worklog_kind=worklog,
            files=files,
        )

    def move(self, actor: User, to: Status, reason: str = "") -> None:
        services.ticket_transition(ticket_id=self.ticket_id, actor=actor, to=to, reason=reason)

    def assignee(self) -> User:
        assignee = self.ticket().assignee
        if assignee is None:
            raise RuntimeError("the demo story works on a ticket before assigning it")
        return assignee

    def _file(self, kind: str = "png") -> SimpleUploadedFile:
        if kind == "log":
            problem = self.plan.problem
            text = content.CLIENT_LOG.format(
                day=f"{timezone.localtime(self.plan.received_at):%Y-%m-%d}",
                version=problem.version or "1.0",
                error=problem.error or problem.title,
            )
            return SimpleUploadedFile("client.log", text.encode(), "text/plain")
        return SimpleUploadedFile("screenshot.png", content.SCREENSHOT_PNG, "image/png")

    # the story
    def create(self) -> None:
        plan, problem = self.plan, self.plan.problem
        by_customer = plan.channel == Channel.PORTAL
        dispatch = plan.target != Status.NEW or plan.variant == "handed_back"
        if plan.variant == "desk_asks":
            dispatch = False
        data = services.TicketData(
            title=problem.title,
            description=problem.description,
            channel=plan.channel,
            organization=self.org,
            contact=self.contact,
            request_type=problem.request_type,
            product_line=self.cast.product_lines[problem.product_line],
            product=problem.product,
            product_version=problem.version,
            device_model=problem.device,
            steps_to_reproduce=problem.steps,
            error_message=problem.error,
            impact=problem.impact,
            urgency=problem.urgency,
            occurred_at=(
                plan.received_at - dt.timedelta(minutes=self.rng.uniform(5, 120))
                if problem.request_type == RequestType.FAULT
                else None
            ),
            received_at=None if by_customer else plan.received_at,
        )
        files = [self._file(plan.attachment)] if plan.attachment else []
        self.clock.advance(self.rng.uniform(*LAG_MINUTES[Channel(plan.channel)]))
        with self.clock.travel():
            ticket = services.ticket_create(
                actor=self.contact if by_customer else self.agent,
                data=data,
                files=files,
                dispatch=dispatch,
            )
        self.ticket_id, self.number = ticket.pk, ticket.number

    def classify(self, *, always: bool = False) -> None:
        problem, ticket = self.plan.problem, self.ticket()
        suggested = ticket.suggested_category
        code = problem.category or (suggested.code if suggested else "software-function")
        if not always and not problem.category and self.rng.random() < 0.2:
            return  # some suggestions stay unconfirmed: the desk's to-do list
        category = self.cast.categories[code]
        if suggested is None:
            reason = ""
        elif suggested.pk != category.pk:
            reason = self.p.correct_reason
        else:
            reason = self.p.classify_reason
        self.step(
            (3, 25),
            lambda: services.ticket_classify(
                ticket_id=self.ticket_id,
                actor=self.agent,
                category=category,
                secondary=[self.cast.categories[c] for c in problem.secondary if c != code],
                reason=reason,
            ),
        )

    def ensure_assigned(self) -> None:
        ticket = self.ticket()
        if ticket.assignee_id is not None:
            return
        if ticket.category_id is None:
            self.classify(always=True)

        def dispatch() -> None:
            try:
                services.ticket_assign(ticket_id=self.ticket_id, actor=self.agent)
            except DomainError:
                services.ticket_assign(
                    ticket_id=self.ticket_id,
                    actor=self.agent,
                    assignee=self.cast.users["engineer"],
                    team=self.cast.teams["support"],
                    reason=self.p.reassign_reason,
                )

        self.step((2, 15), dispatch)

    def follow_if_urgent(self) -> None:
        if self.ticket().priority_rank <= 2 and self.rng.random() < 0.5:
            self.step(
                (1, 10),
                lambda: services.ticket_follow(
                    ticket_id=self.ticket_id, actor=self.supervisor, user=self.supervisor
                ),
            )

    def hand_back(self) -> None:
        assignee = self.assignee()
        self.step(
            (10, 30),
            lambda: services.ticket_hand_back(
                ticket_id=self.ticket_id, actor=assignee, reason=self.p.hand_back_reason
            ),
        )

    def reassign(self) -> None:
        """The desk sends a handed-back ticket to a senior member of another team."""
        current = self.ticket().team_id
        spec = next(t for t in content.TEAMS if self.cast.teams[t.code].pk != current)
        senior = next(u for u, s in spec.members if s == Seniority.SENIOR)
        self.step(
            (3, 15),
            lambda: services.ticket_assign(
                ticket_id=self.ticket_id,
                actor=self.agent,
                assignee=self.cast.users[senior],
                team=self.cast.teams[spec.code],
                reason=self.p.reassign_reason,
            ),
        )

    def start_work(self) -> None:
        engineer = self.assignee()
        self.step((10, 90), lambda: self.move(engineer, Status.IN_PROGRESS))
        self.step((1, 5), lambda: self.say(engineer, self.p.ack.format(number=self.number)))
        steps = self.plan.problem.steps
        text = f"{self.p.ask_worklog}\n{steps}" if steps else self.p.ask_worklog
        self.step(
            (5, 30),
            lambda: self.say(engineer, text, kind=MessageKind.WORKLOG, worklog=WorkLogKind.ASK),
        )

    def ask_customer(self, actor: User) -> None:
        self.step((30, 180), lambda: self.say(actor, self.p.ask_info))
        self.step((1, 5), lambda: self.move(actor, Status.WAITING_CUSTOMER))

    def customer_supplies(self) -> None:
        self.step((60, 1200), lambda: self.say(self.contact, self.p.supplied))

    def escalate(self) -> None:
        rnd = self.cast.teams["rnd"]
        to = self.cast.users[self.rng.choice(("rd.zheng", "rd.he", "rd.feng"))]
        self.step(
            (60, 240),
            lambda: services.ticket_assign(
                ticket_id=self.ticket_id,
                actor=self.supervisor,
                assignee=to,
                team=rnd,
                reason=self.p.escalate_reason,
            ),
        )

    def diagnose(self) -> None:
        engineer = self.assignee()
        self.step(
            (30, 240),
            lambda: self.say(
                engineer,
                self.plan.problem.finding,
                kind=MessageKind.WORKLOG,
                worklog=WorkLogKind.LOOK,
            ),
        )

    def wait_for_third_party(self) -> None:
        engineer = self.assignee()
        ref = f"CT{self.rng.randrange(10**7, 10**8)}"
        self.step(
            (10, 60),
            lambda: self.say(
                engineer, self.p.third_party_note.format(ref=ref), kind=MessageKind.NOTE
            ),
        )
        self.step(
            (1, 5),
            lambda: self.move(engineer, Status.WAITING_THIRD_PARTY, self.p.third_party_reason),
        )

    def test(self) -> None:
        engineer = self.assignee()
        if self.rng.random() < 0.4:
            self.step(
                (10, 60),
                lambda: self.say(engineer, self.p.coordination_note, kind=MessageKind.NOTE),
            )
        self.step((60, 480), lambda: self.move(engineer, Status.TESTING))
        self.step(
            (30, 120),
            lambda: self.say(
                engineer, self.p.test_worklog, kind=MessageKind.WORKLOG, worklog=WorkLogKind.TEST
            ),
        )

    def resolve(self) -> None:
        engineer = self.assignee()
        text = self.p.solution.format(solution=self.plan.problem.solution)
        self.step((30, 240), lambda: self.say(engineer, text))
        self.step((1, 5), lambda: self.move(engineer, Status.RESOLVED))

    def reopen(self) -> None:
        engineer = self.assignee()
        self.step((600, 2400), lambda: self.say(self.contact, self.p.recurred))
        self.step((10, 60), lambda: self.move(engineer, Status.IN_PROGRESS, self.p.reopen_reason))
        self.diagnose()
        self.test()
        self.resolve()

    def close(self) -> None:
        self.step((120, 1800), lambda: self.say(self.contact, self.p.confirm))
        self.step((10, 60), self._close)

    def _close(self) -> None:
        """Closing a resolved ticket records the closure (PROCESS §12)."""
        ticket = self.ticket()
        closure.ticket_close(
            ticket_id=self.ticket_id,
            actor=self.agent,
            summary=f"受理、诊断、处理并经客户确认：{ticket.title}",
            solution=self.p.solution.format(solution=self.plan.problem.solution),
            people=[u for u in (self.agent.pk, ticket.assignee_id) if u],
            no_article_reason="已有知识库文章覆盖此问题",
        )

    def archive(self) -> None:
        """There is no archive action yet: the status is set by a bulk update (which writes a
        history row) and the timeline event is written explicitly."""
        self.clock.advance(self.rng.uniform(3 * 24 * 60, 4 * 24 * 60))
        with self.clock.travel():
            ticket = Ticket.objects.get(pk=self.ticket_id)
            ticket.status, ticket.updated_at = Status.ARCHIVED, timezone.now()
            bulk_update_with_history(
                [ticket],
                Ticket,
                ["status", "updated_at"],
                default_user=self.agent,
                default_change_reason=self.p.archive_reason,
            )
            TicketEvent.objects.create(
                ticket=ticket,
                kind=TicketEvent.Kind.STATUS,
                actor=self.agent,
                old=Status.CLOSED.value,
                new=Status.ARCHIVED.value,
                reason=self.p.archive_reason,
            )

    def run(self) -> Status:
        target, variant = self.plan.target, self.plan.variant
        self.create()
        if target == Status.NEW:
            if variant == "handed_back":
                self.ensure_assigned()
                self.hand_back()
            elif variant == "supplied":
                self.ask_customer(self.agent)
                self.customer_supplies()
        elif target == Status.WAITING_CUSTOMER and variant == "desk_asks":
            self.ask_customer(self.agent)
        else:
            self.drive(target, variant)
        reached = Status(Ticket.objects.values_list("status", flat=True).get(pk=self.ticket_id))
        if reached != self.plan.target:
            raise RuntimeError(
                f"demo ticket {self.number} ended {reached}, not {self.plan.target} "
                f"({self.plan.variant})"
            )
        return reached

    def drive(self, target: Status, variant: str) -> None:
        self.classify()
        self.ensure_assigned()
        self.follow_if_urgent()
        if variant == "reassigned":
            self.hand_back()
            self.reassign()
        if target == Status.ASSIGNED:
            return
        self.start_work()
        if variant == "resumed":
            self.ask_customer(self.assignee())
            self.customer_supplies()
        if variant == "escalated":
            self.escalate()
        if target == Status.IN_PROGRESS:
            self.diagnose()
            return
        if target == Status.WAITING_CUSTOMER:
            self.ask_customer(self.assignee())
            return
        if target == Status.WAITING_THIRD_PARTY:
            self.diagnose()
            self.wait_for_third_party()
            return
        self.diagnose()
        self.test()
        if target == Status.TESTING:
            return
        self.resolve()
        if variant == "reopened":
            self.reopen()
        if target == Status.RESOLVED:
            return
        self.close()
        if target == Status.ARCHIVED:
            self.archive()
