"""The staff dashboard of a carrier (in its admin): figures, ECharts charts (drawn by
static/hall/dashboard.js from data in json_script, so the strict CSP holds), CSV export."""

import csv
import logging

import redis
from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from analytics import capture
from analytics.dashboard import charts, summary

log = logging.getLogger(__name__)


@staff_member_required
def dashboard(request):
    days = 30 if request.GET.get("days") == "30" else 7
    try:  # what the shop sent in the last seconds, before beat's next flush: top pages are current
        capture.flush()
    except redis.RedisError as exc:
        log.info("analytics buffer not flushed for the dashboard: %s", exc)
    data = summary(days, request.GET.get("kind", "")[:20])
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="dashboard-{days}d.csv"'
        response.write("\ufeff")  # Excel reads UTF-8 with a BOM
        writer = csv.writer(response)
        writer.writerow([_("day"), _("orders"), _("revenue"), _("page views")])
        for row in data["trend"]:
            writer.writerow([row["day"].isoformat(), row["orders"], row["revenue"], row["views"]])
        writer.writerow([])
        writer.writerow([_("page"), _("views"), _("bounce rate"), _("exit rate")])
        for row in data["top_pages"]:
            writer.writerow(
                [
                    f"{row['page_type']}:{row['page_id']}",
                    row["views"],
                    f"{row['bounce_rate']:.3f}" if row["bounce_rate"] is not None else "",
                    f"{row['exit_rate']:.3f}" if row["exit_rate"] is not None else "",
                ]
            )
        writer.writerow([])
        writer.writerow([_("way of buying"), _("step"), _("visitors")])
        for funnel in data["funnels"]:
            for step in funnel["steps"]:
                writer.writerow([funnel["label"], step["label"], step["n"]])
        return response
    return render(
        request,
        "admin/dashboard.html",
        {**admin.site.each_context(request), "title": _("Dashboard"), "charts": charts(data), **data},
    )
