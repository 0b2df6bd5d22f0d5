"""A system's dependencies as a picture: the services it is part of on the left, the
system in the middle, its integrations' counterparts on the right with arrows in the
direction the data flows. Drawn on the server as SVG (no script, no library), with the
same links as a list beside it for those who do not see the picture.

Names follow the register's rule for related rows: a counterpart the reader does not
see is named by its owner organisation (`Integration.counterpart_name`) and not linked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from forvalta.register.models import Integration, Service, System

MAX_PER_SIDE = 15
ROW = 44
BOX_W, BOX_H = 210, 30
WIDTH = 760
LEFT_X, MID_X, RIGHT_X = 10, (WIDTH - BOX_W) // 2, WIDTH - BOX_W - 10


@dataclass(frozen=True)
class Link:
    label: str
    url: str | None
    relation: str  # how it relates to the system, in words


def _short(text: str, length: int = 30) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def system_dependencies(user: Any, system: System) -> dict[str, Any]:
    """The picture and its text alternative for one system, read through the scope."""
    services = list(
        Service.objects.visible_to(user)
        .filter(systems=system, archived_at__isnull=True)
        .order_by("name")[: MAX_PER_SIDE + 1]
    )
    integrations = list(
        Integration.objects.visible_to(user)
        .filter(source=system)
        .select_related("target__owner_organisation")
        .order_by("pk")[: MAX_PER_SIDE + 1]
    ) + list(
        Integration.objects.visible_to(user)
        .filter(target=system)
        .select_related("source")
        .order_by("pk")[: MAX_PER_SIDE + 1]
    )
    more_services = max(0, len(services) - MAX_PER_SIDE)
    more_integrations = max(0, len(integrations) - MAX_PER_SIDE)
    services, integrations = services[:MAX_PER_SIDE], integrations[:MAX_PER_SIDE]

    left = [Link(s.name, s.get_absolute_url(), _("service that uses the system")) for s in services]
    right: list[tuple[Link, bool]] = []  # (counterpart, data flows out of the system)
    for integration in integrations:
        method = integration.get_method_display()
        if integration.source_id == system.pk:
            shown = integration.shows_target
            url = integration.target.get_absolute_url() if shown and integration.target else None
            right.append(
                (
                    Link(
                        integration.counterpart_name,
                        url,
                        _("receives data from the system (%(method)s)") % {"method": method},
                    ),
                    True,
                )
            )
        else:
            right.append(
                (
                    Link(
                        integration.source.name,
                        integration.source.get_absolute_url(),
                        _("sends data to the system (%(method)s)") % {"method": method},
                    ),
                    False,
                )
            )
    return {
        "svg": _svg(system, left, right),
        "links": left + [link for link, _out in right],
        "more_services": more_services,
        "more_integrations": more_integrations,
        "empty": not left and not right,
    }


def _box(x: int, y: int, link: Link, css: str) -> SafeString:
    rect = format_html(
        '<rect x="{}" y="{}" width="{}" height="{}" rx="4" class="{}"/>'
        '<text x="{}" y="{}" class="dep-label">{}</text>',
        x,
        y,
        BOX_W,
        BOX_H,
        css,
        x + 8,
        y + 20,
        _short(link.label),
    )
    if link.url:
        return format_html('<a href="{}" aria-hidden="true" tabindex="-1">{}</a>', link.url, rect)
    return rect


def _svg(system: System, left: list[Link], right: list[tuple[Link, bool]]) -> SafeString:
    rows = max(len(left), len(right), 1)
    height = rows * ROW + 20
    mid_y = (height - BOX_H) // 2
    parts: list[SafeString] = [
        mark_safe(  # a constant
            '<defs><marker id="dep-arrow" viewBox="0 0 10 10" refX="10" refY="5" '
            'markerWidth="8" markerHeight="8" orient="auto-start-reverse">'
            '<path d="M0,0 L10,5 L0,10 z" class="dep-arrowhead"/></marker></defs>'
        )
    ]
    for i, link in enumerate(left):
        y = 10 + i * ROW
        parts.append(
            format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" class="dep-line"/>',
                LEFT_X + BOX_W,
                y + BOX_H // 2,
                MID_X,
                mid_y + BOX_H // 2,
            )
        )
        parts.append(_box(LEFT_X, y, link, "dep-service"))
    for i, (link, outgoing) in enumerate(right):
        y = 10 + i * ROW
        ends = (
            (MID_X + BOX_W, mid_y + BOX_H // 2, RIGHT_X, y + BOX_H // 2)
            if outgoing
            else (RIGHT_X, y + BOX_H // 2, MID_X + BOX_W, mid_y + BOX_H // 2)
        )
        parts.append(
            format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" class="dep-line" '
                'marker-end="url(#dep-arrow)"/>',
                *ends,
            )
        )
        parts.append(_box(RIGHT_X, y, link, "dep-system"))
    parts.append(_box(MID_X, mid_y, Link(system.name, None, ""), "dep-self"))
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" class="dep-diagram" '
        'role="img" aria-labelledby="dep-title dep-desc"><title id="dep-title">{}</title>'
        '<desc id="dep-desc">{}</desc>{}</svg>',
        WIDTH,
        height,
        _("Dependencies of %(name)s") % {"name": system.name},
        _("The same links are listed below the picture."),
        mark_safe("".join(parts)),  # noqa: S308 - every part is escaped by format_html
    )


def links_html(links: list[Link]) -> SafeString:
    return format_html_join(
        "",
        "<li>{} – {}</li>",
        (
            (
                format_html('<a href="{}">{}</a>', link.url, link.label)
                if link.url
                else link.label,
                link.relation,
            )
            for link in links
        ),
    )
