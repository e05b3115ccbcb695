from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from faqbot import evaluation
from faqbot.live_index import build_index


class Command(BaseCommand):
    help = "Score the FAQ bot on a labelled set without touching the database's FAQ content."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--faq", required=True, type=Path, help="FAQ file (faq.json)")
        parser.add_argument("--questions", required=True, type=Path, help="questions.jsonl")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            docs = evaluation.load_faq(options["faq"])
            questions = evaluation.load_questions(options["questions"])
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        except ValueError as exc:
            raise CommandError(f"not valid JSON: {exc}") from exc
        except evaluation.EvaluationInputError as exc:
            for error in exc.errors:
                self.stderr.write(error)
            raise CommandError(f"{len(exc.errors)} error(s) in the input") from exc

        index = build_index(docs)
        # Warm up the caches and lazy loads so the timings are per message, not start-up.
        index.decide("kirjasto", questions[0].municipality if questions else "", "fi")
        outcomes = evaluation.run(index, questions)
        result = evaluation.report(outcomes)
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        self._print(result)

    def _print(self, result: dict[str, Any]) -> None:
        keys = [
            "answer_accuracy",
            "wrong_answer_rate",
            "handoff_recall",
            "top3_recall",
            "top1_recall",
        ]
        self.stdout.write(f"n = {result['n']}")
        for key in keys:
            self.stdout.write(f"  {key:<18} {result[key]:.3f}")
        self.stdout.write(f"  p50 {result['p50_ms']:.2f} ms, p99 {result['p99_ms']:.2f} ms")
        for group in ("by_kind", "by_language"):
            self.stdout.write(f"\n{group.replace('_', ' ')}:")
            self.stdout.write(
                f"  {'':<24} {'n':>4} {'acc':>6} {'wrong':>6} {'handoff':>7} {'top3':>6}"
            )
            for name, scores in result[group].items():
                self.stdout.write(
                    f"  {name:<24} {scores['n']:>4} {scores['answer_accuracy']:>6.2f} "
                    f"{scores['wrong_answer_rate']:>6.2f} {scores['handoff_recall']:>7.2f} "
                    f"{scores['top3_recall']:>6.2f}"
                )
        self.stdout.write("\nworst mistakes:")
        for m in result["worst_mistakes"]:
            best = m["candidates"][0] if m["candidates"] else ["-", 0]
            self.stdout.write(
                f"  [{m['kind']}] {m['municipality']}/{m['language']} {m['text']!r}\n"
                f"      expected {m['expected']}, got {m['outcome']} ({m['reason']}), "
                f"best {best[0]} {best[1]:.2f}"
            )
