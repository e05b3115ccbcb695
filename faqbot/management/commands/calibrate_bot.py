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
        parser.add_argument(
            "--repeat", type=int, default=1,
            help="repeat the cross-validation over this many shuffles and report the means",
        )  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        index = build_index(evaluation.load_faq(options["faq"]))
        questions = evaluation.load_questions(options["questions"])
        runs = [
            calibration.cross_validate(index, questions, folds=options["folds"], seed=7 + i)[0]
            for i in range(options["repeat"])
        ]
        mean = {
            name: round(sum(run.as_dict()[name] for run in runs) / len(runs), 4)
            for name in runs[0].as_dict()
        }
        label = f"{options['folds']} folds" + (
            f", mean of {len(runs)} shuffles" if len(runs) > 1 else ""
        )
        self.stdout.write(f"cross-validated ({label}): {mean}")
        weights, thresholds, whole = calibration.fit_all(index, questions)
        self.stdout.write(f"fitted on all, scored on all: {whole.as_dict()}")

        def numbers(values: tuple[float, ...]) -> str:
            return "(" + ", ".join(f"{v:.3f}" for v in values) + ")"

        self.stdout.write(
            f"ranking={numbers(weights.ranking)},\n"
            f"calibration={numbers(weights.calibration)},\n"
            f"Thresholds(answer={thresholds.answer}, suggest={thresholds.suggest})"
        )
