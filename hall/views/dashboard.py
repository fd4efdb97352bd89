"""The staff dashboard of a carrier (in its admin): figures, server-side SVG charts, CSV export."""
import csv

from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from hall.analytics import sessions as definitions
from hall.analytics.dashboard import bars, summary


@staff_member_required
def dashboard(request):
    days = 30 if request.GET.get("days") == "30" else 7
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
            writer.writerow([f"{row['page_type']}:{row['page_id']}", row["views"],
                             f"{row['bounce_rate']:.3f}" if row["bounce_rate"] is not None else "",
                             f"{row['exit_rate']:.3f}" if row["exit_rate"] is not None else ""])
        return response
    data["revenue_bars"] = bars([float(r["revenue"]) for r in data["trend"]])
    data["view_bars"] = bars([r["views"] for r in data["trend"]])
    data["funnel_bars"] = bars([n for _step, n, _rate in data["funnel"]])
    data["funnel"] = [(step, definitions.STEP_LABELS[step], n, rate) for step, n, rate in data["funnel"]]
    return render(request, "admin/dashboard.html", {**admin.site.each_context(request), "title": _("Dashboard"),
                                                    **data})
