"""The bot's second look: what it would do now with messages it could not answer then.

After an entry is created from a group, the group's phrasings are decided again with the
current FAQ (the same index and thresholds the chat uses, faqbot.live_index), and the
result is kept, so that the unanswered list can show which ones the bot now answers.
"""

from __future__ import annotations

from collections.abc import Iterable

from chat.models import Message
from faqbot import live_index
from faqbot.models import FaqEntry, FaqRevision, Municipality
from insights.models import Rescore


def rescore(message_ids: Iterable[int]) -> list[Rescore]:
    """Decide these resident messages again with the current FAQ and keep the results."""
    rows = list(
        Message.objects.filter(pk__in=list(message_ids), sender=Message.Sender.RESIDENT)
        .select_related("conversation__municipality")
        .only("id", "text", "conversation__language", "conversation__municipality")
    )
    if not rows:
        return []
    revision = FaqRevision.current()
    index = live_index.current_index()
    thresholds = {m.pk: m.thresholds() for m in {r.conversation.municipality for r in rows}}
    decided = []
    for message in rows:
        municipality: Municipality = message.conversation.municipality
        decision = index.decide(
            message.text,
            municipality.slug,
            message.conversation.language,
            thresholds[municipality.pk],
        )
        best = decision.best
        key = best.key if best and decision.outcome == "answer" else None
        decided.append((message.pk, decision.outcome, key, best.confidence if best else None))
    entries = dict(
        FaqEntry.objects.filter(key__in={key for _, _, key, _ in decided if key}).values_list(
            "key", "pk"
        )
    )
    results = [
        Rescore(
            message_id=message_id,
            outcome=outcome,
            faq_entry_id=entries.get(key) if key else None,
            confidence=confidence,
            revision=revision,
        )
        for message_id, outcome, key, confidence in decided
    ]
    return Rescore.objects.bulk_create(
        results,
        update_conflicts=True,
        unique_fields=["message"],
        update_fields=["outcome", "faq_entry", "confidence", "revision", "checked"],
    )
