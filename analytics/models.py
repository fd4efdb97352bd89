"""Analytics of one carrier's shop (tenant schema). No personal data: a visitor is a random
cookie id, a referrer only its host; no IP, no user, no phone."""

from django.db import models


class AnalyticsEvent(models.Model):
    at = models.DateTimeField(db_index=True)
    visitor = models.CharField(max_length=32)
    name = models.CharField(max_length=20)  # "view" or a business event (see sessions.PATHS)
    page_type = models.CharField(max_length=20, blank=True)
    page_id = models.CharField(max_length=60, blank=True)
    page_version = models.IntegerField(null=True, blank=True)
    block_id = models.CharField(max_length=40, blank=True)
    offer_kind = models.CharField(max_length=20, blank=True)
    device = models.CharField(max_length=8, blank=True)
    referrer = models.CharField(max_length=100, blank=True)

    class Meta:
        db_table = "hall_analyticsevent"
        indexes = [models.Index(fields=["visitor", "at"])]


class PageDaily(models.Model):
    day = models.DateField()
    page_type = models.CharField(max_length=20)
    page_id = models.CharField(max_length=60, blank=True)
    views = models.PositiveIntegerField(default=0)
    entries = models.PositiveIntegerField(default=0)  # sessions that started on this page
    bounces = models.PositiveIntegerField(default=0)  # of those, sessions that viewed nothing else
    exits = models.PositiveIntegerField(default=0)  # sessions whose last view was this page

    class Meta:
        db_table = "hall_pagedaily"
        constraints = [models.UniqueConstraint(fields=["day", "page_type", "page_id"], name="page_daily_once")]

    @property
    def bounce_rate(self):
        return self.bounces / self.entries if self.entries else None

    @property
    def exit_rate(self):
        return self.exits / self.views if self.views else None


class FunnelDaily(models.Model):
    day = models.DateField()
    path = models.CharField(max_length=20, default="offer")  # the way of buying (sessions.PATHS)
    offer_kind = models.CharField(max_length=20, blank=True)  # "" = every kind
    step = models.CharField(max_length=20)
    visitors = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "hall_funneldaily"
        constraints = [models.UniqueConstraint(fields=["day", "path", "offer_kind", "step"], name="funnel_daily_once")]


class AggregatedThrough(models.Model):
    """How far a day's aggregation read: events up to this id are in PageDaily. The dashboard adds
    the views after it from the raw events, so top pages are current within the flush (seconds),
    not the 15-minute aggregation."""

    day = models.DateField(unique=True)
    last_event_id = models.BigIntegerField(default=0)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "hall_aggregatedthrough"
