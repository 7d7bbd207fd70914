"""Benchmark data for the interchange formats: a Kialo export of about 2,659 statements
(about 705 KB, the size of a large real discussion) and Argdown files of about 50, 200 and
400 statements. Deterministic (seeded), so runs compare.

    python -m bench.interchange_data OUTPUT_DIR

writes kialo_2659.txt and argdown_50.argdown, argdown_200.argdown, argdown_400.argdown.
The functions return text, for benchmarks that want it in memory.
"""

import pathlib
import random
import sys

WORDS = (
    "police security budget schools trust talks ceasefire evidence province teachers courts reform "
    "army cost families markets water energy drought report survey percent cities roads trade"
).split()


def _sentence(rng: random.Random, length: int) -> str:
    words = [rng.choice(WORDS) for _ in range(length)]
    if rng.random() < 0.05:  # some claims start with a figure, as real ones do
        words.insert(0, f"{rng.randint(1, 99)}.{rng.randint(0, 9)} * {rng.randint(1, 90)},000,000")
    return " ".join(words).capitalize() + "."


def kialo_export(statements: int = 2659, *, seed: int = 11) -> str:
    """A layout-A Kialo export that reads as `statements` statements (the thesis, which is
    the question, and claims), plus `-> See` link lines for about 2% more relations."""
    rng = random.Random(seed)
    numbers = ["1"]
    lines = [
        "Discussion Title: Should the province fund police reform before new courts?",
        "",
        "1. " + _sentence(rng, 12),
    ]
    children: dict[str, int] = {}
    while len(numbers) < statements:
        parent = (
            numbers[min(len(numbers) - 1, int(rng.expovariate(1 / 40)))] if rng.random() < 0.3 else rng.choice(numbers)
        )
        children[parent] = children.get(parent, 0) + 1
        number = f"{parent}.{children[parent]}"
        stance = rng.choice(("Pro", "Con"))
        if len(numbers) > 10 and rng.random() < 0.02:
            target = rng.choice(numbers)
            if not number.startswith(target + ".") and target != parent:
                lines.append(f"{number}. {stance}: -> See {target}.")
                continue
        numbers.append(number)
        lines.append(f"{number}. {stance}: {_sentence(rng, rng.randint(26, 40))}")
    return "\n".join(lines) + "\n"


def argdown_map(statements: int, *, seed: int = 7) -> str:
    """An Argdown file of `statements` statements: a question, four positions, and claims
    supporting or attacking earlier ones, with a few undercuts and contradictions."""
    rng = random.Random(seed)
    out = ["===", f"title: Benchmark map of {statements} statements", "===", "", "[Q]: Which policy? #question", ""]
    titles = ["Q"]
    for index in range(1, statements):
        title = f"S{index}"
        target = "Q" if index <= 4 else rng.choice(titles[1:])
        text = _sentence(rng, rng.randint(8, 20))
        tag = " #position" if index <= 4 else ""
        out.append(f"[{title}]: {text}{tag}")
        symbol = "+>" if index <= 4 or rng.random() < 0.6 else "->"
        out.append(f"  {symbol} [{target}]")
        if index > 20 and rng.random() < 0.03:
            out.append(f"  >< [{rng.choice(titles[5:])}]")
        out.append("")
        titles.append(title)
    return "\n".join(out)


def main(directory: str) -> None:
    path = pathlib.Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    (path / "kialo_2659.txt").write_text(kialo_export(), encoding="utf-8")
    for size in (50, 200, 400):
        (path / f"argdown_{size}.argdown").write_text(argdown_map(size), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "bench/out/interchange")
