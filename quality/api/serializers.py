"""Serializers of the quality API: output of surveys, answers and follow-ups; input of the
follow-up actions (the services check everything else)."""

from rest_framework import serializers

from ..models import FollowUp, Revisit, Survey, SurveyAnswer


class AnswerOutputSerializer(serializers.ModelSerializer):
    ticket = serializers.CharField(source="ticket.number", read_only=True)

    class Meta:
        model = SurveyAnswer
        fields = [
            "id",
            "survey",
            "ticket",
            "round",
            "resolution_score",
            "attitude_score",
            "speed_score",
            "comment",
            "dissatisfied",
            "created_at",
        ]
        read_only_fields = fields


class SurveyOutputSerializer(serializers.ModelSerializer):
    ticket = serializers.CharField(source="ticket.number", read_only=True)
    answer = AnswerOutputSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Survey
        fields = [
            "id",
            "ticket",
            "round",
            "status",
            "skip_reason",
            "due_at",
            "sent_at",
            "expires_at",
            "answered_at",
            "answer",
        ]
        read_only_fields = fields


class RevisitOutputSerializer(serializers.ModelSerializer):
    owner = serializers.StringRelatedField()

    class Meta:
        model = Revisit
        fields = [
            "id",
            "owner",
            "due_at",
            "reminded_at",
            "done_at",
            "problem_solved",
            "unmet_needs",
            "note",
        ]
        read_only_fields = fields


class FollowUpOutputSerializer(serializers.ModelSerializer):
    ticket = serializers.CharField(source="ticket.number", read_only=True)
    owner = serializers.StringRelatedField()
    answer = AnswerOutputSerializer(read_only=True)
    revisit = RevisitOutputSerializer(read_only=True, allow_null=True)

    class Meta:
        model = FollowUp
        fields = [
            "id",
            "ticket",
            "status",
            "owner",
            "due_at",
            "created_at",
            "started_at",
            "cause",
            "remedy",
            "customer_message",
            "closed_at",
            "answer",
            "revisit",
        ]
        read_only_fields = fields


class FollowUpCloseInputSerializer(serializers.Serializer):
    cause = serializers.CharField(max_length=5000)
    remedy = serializers.CharField(max_length=5000)
    customer_message = serializers.CharField(max_length=5000)


class RevisitInputSerializer(serializers.Serializer):
    problem_solved = serializers.BooleanField()
    unmet_needs = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True)


class TicketQuerySerializer(serializers.Serializer):
    ticket = serializers.CharField(required=False, max_length=24, help_text="A ticket number.")
