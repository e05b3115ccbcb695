from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from faqbot import calibration, evaluation
from faqbot.live_index import build_index


class Command(BaseCommand):
    help = (
        "Fit the bot's confidence and thresholds on a labelled set and report "
        "cross-validated scores (see faqbot/calibration.py)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--faq", required=True, type=Path)
        parser.add_argument("--questions", required=True, type=Path)
        parser.add_argument("--folds", type=int, default=5)

    def handle(self, *args: Any, **options: Any) -> None:
        index = build_index(evaluation.load_faq(options["faq"]))
        questions = evaluation.load_questions(options["questions"])
        cv, _fitted = calibration.cross_validate(index, questions, folds=options["folds"])
        self.stdout.write(f"cross-validated ({options['folds']} folds): {cv.as_dict()}")
        weights, thresholds, whole = calibration.fit_all(index, questions)
        self.stdout.write(f"fitted on all, scored on all: {whole.as_dict()}")

        def numbers(values: tuple[float, ...]) -> str:
            return "(" + ", ".join(f"{v:.3f}" for v in values) + ")"

        self.stdout.write(
            f"ranking={numbers(weights.ranking)},\n"
            f"calibration={numbers(weights.calibration)},\n"
            f"Thresholds(answer={thresholds.answer}, suggest={thresholds.suggest})"
        )
