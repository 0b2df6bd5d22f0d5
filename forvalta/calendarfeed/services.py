"""Creating, regenerating and revoking feed addresses (each an audit event), resolving
an address to its person, and the entries' SEQUENCE counters. Fetching the feed is
not an audit event: calendar clients poll it every few minutes."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from forvalta.audit.services import record
from forvalta.calendarfeed.models import FeedItemState, FeedToken
from forvalta.core.models import Membership

_KEY = re.compile(r"([0-9a-f]{8})_[A-Za-z0-9_-]{43}")


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def feed_token_create(*, actor: Any) -> tuple[FeedToken, str]:
    """A new feed address for the actor: (token, key). Any earlier address stops working
    (regenerating). The key is shown once and never stored."""
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise PermissionDenied(_("You do not have permission to do this."))
    for _attempt in range(3):
        prefix = secrets.token_hex(4)
        key = f"{prefix}_{secrets.token_urlsafe(32)}"
        try:
            with transaction.atomic():
                now = timezone.now()
                old = list(FeedToken.objects.select_for_update().usable().filter(user=actor))
                for token in old:
                    token.revoked_at = now
                    token.save(update_fields=["revoked_at"])
                token = FeedToken.objects.create(user=actor, prefix=prefix, key_hash=hash_key(key))
                action = "regenerated" if old else "created"
                record(
                    actor=actor,
                    action=f"calendarfeed.token.{action}",
                    obj=token,
                    changes={
                        "prefix": [old[0].prefix if old else None, prefix],
                    },
                )
            return token, key
        except IntegrityError:  # pragma: no cover - a prefix drawn twice
            continue
    raise RuntimeError("Could not draw a unique feed prefix.")  # pragma: no cover


def feed_token_revoke(*, actor: Any) -> int:
    """Revoke the actor's feed address(es); the feed answers 404 from now on."""
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("You do not have permission to do this."))
    with transaction.atomic():
        tokens = list(FeedToken.objects.select_for_update().usable().filter(user=actor))
        now = timezone.now()
        for token in tokens:
            token.revoked_at = now
            token.save(update_fields=["revoked_at"])
            record(
                actor=actor,
                action="calendarfeed.token.revoked",
                obj=token,
                changes={"revoked_at": [None, now.isoformat()]},
            )
    return len(tokens)


def feed_user(key: str) -> Any | None:
    """The person a feed key belongs to, or None: a wrong or revoked key, an inactive
    person, or one without an active membership. Reads only; changes nothing."""
    match = _KEY.fullmatch(key)
    if match is None:
        return None
    token = FeedToken.objects.usable().select_related("user").filter(prefix=match[1]).first()
    if token is None or not hmac.compare_digest(token.key_hash, hash_key(key)):
        return None
    user = token.user
    if not user.is_active or not Membership.objects.filter(user=user).active().exists():
        return None
    return user


def sequences_for(fingerprints: dict[str, str]) -> dict[str, int]:
    """uid -> SEQUENCE: 0 when first published, one more each time the content changed
    since the last fetch; unchanged entries are not written to."""
    if not fingerprints:
        return {}
    states = {s.uid: s for s in FeedItemState.objects.filter(uid__in=list(fingerprints))}
    new = [
        FeedItemState(uid=uid, fingerprint=fp)
        for uid, fp in fingerprints.items()
        if uid not in states
    ]
    if new:
        FeedItemState.objects.bulk_create(new, ignore_conflicts=True)
    for uid, fp in fingerprints.items():
        state = states.get(uid)
        if state is not None and state.fingerprint != fp:
            FeedItemState.objects.filter(uid=uid, fingerprint=state.fingerprint).update(
                fingerprint=fp, sequence=F("sequence") + 1
            )
    return dict(
        FeedItemState.objects.filter(uid__in=list(fingerprints)).values_list("uid", "sequence")
    )


def usable_token(user: Any) -> FeedToken | None:
    return FeedToken.objects.visible_to(user).usable().first()
