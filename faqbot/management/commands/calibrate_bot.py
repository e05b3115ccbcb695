from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from faqbot import calibration, evaluation
from faqbot.matching import FaqIndex


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
        index = FaqIndex(evaluation.load_faq(options["faq"]))
        data = calibration.samples(index, evaluation.load_questions(options["questions"]))
        cv, fitted = calibration.cross_validate(data, folds=options["folds"])
        coefficients, thresholds = calibration.fit(data)
        whole = calibration.apply(data, coefficients, thresholds)
        self.stdout.write(f"cross-validated ({options['folds']} folds): {cv.as_dict()}")
        for coef, th in fitted:
            self.stdout.write(f"  fold: answer {th.answer:.2f} coefficients {coef.round(2)}")
        self.stdout.write(f"fitted on all, scored on all: {whole.as_dict()}")
        self.stdout.write(
            "Weights.calibration = ("
            + ", ".join(f"{c:.3f}" for c in coefficients)
            + f")\nThresholds(answer={thresholds.answer}, suggest={thresholds.suggest})"
        )
