"""Scripted answers to the partner survey, as a respondent would type or tap them."""

from __future__ import annotations

from core.instrument import RESEARCH_CONSENT, load_instrument

SURVEY = load_instrument("survey")


def survey_inputs(*, likert: int, barrier: int, consent: bool = True, skip_barrier: str = "q77") -> list[str]:
    """One input per question: the given Likert and barrier values, one barrier skipped, texts skipped."""
    inputs = []
    for item in SURVEY.items:
        if item.id == RESEARCH_CONSENT:
            inputs.append("yes" if consent else "no")
        elif item.type == "choice":
            inputs.append(item.options[0].id)
        elif item.type == "text":
            inputs.append("skip")
        elif item.scale == "barrier100":
            inputs.append("skip" if item.id == skip_barrier else str(barrier))
        else:
            inputs.append(str(likert))
    return inputs
