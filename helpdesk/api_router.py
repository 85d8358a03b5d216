"""The one API router (/api/v1/): every viewset of every app is registered here."""

from rest_framework.routers import DefaultRouter

from knowledge.api import views as knowledge
from quality.api import views as quality
from sla.api import views as sla
from tickets.api import change, mail, requirements, resolution
from tickets.api import views as tickets

app_name = "api"

router = DefaultRouter()
router.register("tickets", tickets.TicketViewSet, basename="ticket")
router.register("categories", tickets.CategoryViewSet, basename="category")
router.register("teams", tickets.TeamViewSet, basename="team")
router.register("organizations", tickets.OrganizationViewSet, basename="organization")
router.register("priority-levels", tickets.PriorityLevelViewSet, basename="priority-level")
router.register("escalations", resolution.EscalationViewSet, basename="escalation")
router.register("workarounds", resolution.WorkaroundViewSet, basename="workaround")
router.register(
    "consultation-proposals", resolution.ProposalViewSet, basename="consultation-proposal"
)
router.register("consultations", resolution.ConsultationViewSet, basename="consultation")
router.register("plans", resolution.PlanViewSet, basename="plan")
router.register("changes", change.ChangeApprovalViewSet, basename="change")
router.register("requirements", requirements.RequirementViewSet, basename="requirement")
router.register("mail/outbound", mail.OutboundEmailViewSet, basename="mail-outbound")
router.register("mail/inbound", mail.InboundEmailViewSet, basename="mail-inbound")
router.register("webhooks/deliveries", mail.WebhookDeliveryViewSet, basename="webhook-delivery")
router.register("sla/clocks", sla.ClockViewSet, basename="sla-clock")
router.register("sla/attention", sla.AttentionViewSet, basename="sla-attention")
router.register("sla/tasks", sla.SupervisorTaskViewSet, basename="sla-task")
router.register("sla/calendars", sla.CalendarViewSet, basename="sla-calendar")
router.register("sla/policies", sla.SlaPolicyViewSet, basename="sla-policy")
router.register("quality/surveys", quality.SurveyViewSet, basename="quality-survey")
router.register("quality/answers", quality.AnswerViewSet, basename="quality-answer")
router.register("quality/followups", quality.FollowUpViewSet, basename="quality-followup")
router.register("knowledge/articles", knowledge.ArticleViewSet, basename="kb-article")
router.register("knowledge/search", knowledge.SearchViewSet, basename="kb-search")
router.register("knowledge/links", knowledge.LinkViewSet, basename="kb-link")
router.register("knowledge/kpi", knowledge.KpiViewSet, basename="kb-kpi")
router.register(
    "knowledge/root-cause-reports", knowledge.RootCauseViewSet, basename="kb-root-cause"
)

urlpatterns = router.urls
