"""page_view: a page load with its load time; feeds the load-time histogram and PageLoadTime."""

from __future__ import annotations

from decimal import Decimal

from processor.model.common import EXAMPLE_PAGES, URL, page_path
from processor.model.rules import Number
from processor.model.spec import Derived, EventType, Family, Field, Fields, Metric

# Load-time classes (ms): Core Web Vitals-like thresholds for a full page load.
FAST_LOAD_MS = 1000
MODERATE_LOAD_MS = 3000


def load_time_class(load_time_ms: int | Decimal) -> str:
    if load_time_ms < FAST_LOAD_MS:
        return "fast"
    return "moderate" if load_time_ms < MODERATE_LOAD_MS else "slow"


def engagement_score(pages_viewed: int | None, session_length_s: int | Decimal | None) -> int:
    """0..100: 10 points per page viewed plus 1 per 30 s of session, capped at 100."""
    points = 10 * (pages_viewed or 0) + int((session_length_s or 0) // 30)
    return min(100, points)


def derive(fields: Fields) -> Derived:
    return {
        "pagePath": page_path(fields["pageUrl"]),
        "loadTimeClass": load_time_class(fields["loadTime"]),
        "engagementScore": engagement_score(fields.get("pagesViewed"), fields.get("sessionLength")),
    }


PAGE_VIEW = EventType(
    name="page_view",
    fields=(
        Field("pageUrl", URL, required=True),
        Field("loadTime", Number(0, 600_000, places=3), required=True),
        Field("sessionLength", Number(0, 86_400, places=3)),
        Field("pagesViewed", Number(1, 10_000, integral_only=True)),
    ),
    examples={
        "pageUrl": {"choice": EXAMPLE_PAGES},
        "loadTime": {"normal": {"mean": 900, "stddev": 350, "min": 80, "max": 6000}, "round": 0},
        "deviceType": {"choice": {"desktop": 5, "mobile": 4, "tablet": 1}},
        "sessionLength": {"int": [5, 1800]},
        "pagesViewed": {"int": [1, 20]},
    },
    derive=derive,
    family=Family("loadtime", sums="loadTime", histogram="loadTime"),
    metrics=(Metric("PageLoadTime", "Milliseconds", "loadTime"),),
)
