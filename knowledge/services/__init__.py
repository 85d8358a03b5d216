"""Every write of the knowledge base. Views, the API and tasks call these, nothing else."""

from .articles import (
    article_create,
    article_delete,
    article_draft_data_from_ticket,
    article_mark_reviewed,
    article_transition,
    article_update,
    review_due_from,
    review_reminders_send,
)
from .indexing import article_index, ticket_index, ticket_index_backfill
from .links import suggestion_click_record, ticket_article_link, ticket_article_unlink
from .reviews import (
    case_review_choose,
    case_review_draft_article,
    case_review_prepare,
    case_review_record,
    pitfall_deliveries_send,
    pitfall_guide_create,
    pitfall_guide_send,
    root_cause_report_create,
)

__all__ = [
    "article_create",
    "article_delete",
    "article_draft_data_from_ticket",
    "article_index",
    "article_mark_reviewed",
    "article_transition",
    "article_update",
    "case_review_choose",
    "case_review_draft_article",
    "case_review_prepare",
    "case_review_record",
    "pitfall_deliveries_send",
    "pitfall_guide_create",
    "pitfall_guide_send",
    "review_due_from",
    "review_reminders_send",
    "root_cause_report_create",
    "suggestion_click_record",
    "ticket_article_link",
    "ticket_article_unlink",
    "ticket_index",
    "ticket_index_backfill",
]
