"""``mysteryguest analyze | power | simulate | compare``: the analysis commands (no app, no database).

Registered lazily on the console script's group (``fieldwork.cli``), so importing this module
must stay cheap: numpy, scipy and pandas are imported inside the commands. Errors are one line
(``click.ClickException``) and leave nothing behind: outputs are written into a temporary
sibling folder that is renamed into place at the end.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from typing import TypeVar

import click

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])


def _one_line(error: Exception) -> str:
    return " ".join(str(error).split())


def _out_option(contents: str) -> Callable[[F], F]:
    """The ``--out`` option of a command that writes a folder of ``contents`` (see
    :func:`_check_out` and :func:`_staged`)."""
    return click.option(
        "--out",
        required=True,
        type=click.Path(path_type=Path),
        help=f"New (or empty) folder for {contents}.",
    )


_force_option = click.option(
    "--force", is_flag=True, help="Replace the contents of a non-empty --out folder."
)


def _check_out(out: Path, force: bool, *, protect: Path | None = None) -> None:
    """Refuse an --out that is a file, or a non-empty folder without --force."""
    if out.exists() and not out.is_dir():
        raise click.BadParameter(f"{out} exists and is not a folder", param_hint="'--out'")
    if protect is not None and out.exists():
        resolved, kept = out.resolve(), protect.resolve()
        if resolved == kept or resolved in kept.parents:
            raise click.BadParameter(
                f"{out} holds the bundle being read; choose another folder", param_hint="'--out'"
            )
    if out.is_dir() and any(out.iterdir()) and not force:
        raise click.BadParameter(
            f"{out} is not empty; choose a new folder or pass --force to replace it",
            param_hint="'--out'",
        )


@contextmanager
def _staged(out: Path) -> Iterator[Path]:
    """A temporary sibling of `out` to write into, renamed to `out` when the block succeeds."""
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent))
    try:
        yield staging
        if out.is_dir():
            shutil.rmtree(out)  # empty, or --force was given (checked before any work)
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _progress_bar(steps: list[T]) -> Iterable[T]:
    with click.progressbar(steps, label="Estimating", file=sys.stderr) as bar:
        yield from bar


@click.command("analyze", short_help="Analyse an export bundle: estimates, tables, report.")
@click.argument("bundle", type=click.Path(path_type=Path))
@_out_option("results.json, estimates.csv, figures, report.html")
@click.option(
    "--confidence",
    default=0.95,
    show_default=True,
    type=float,
    help="Level of every confidence interval, between 0 and 1.",
)
@_force_option
def analyze(bundle: Path, out: Path, confidence: float, force: bool) -> None:
    """Analyse an export BUNDLE folder: estimates, tables, figures and a report."""
    if not 0 < confidence < 1:
        raise click.BadParameter(
            f"{confidence} is not between 0 and 1 (e.g. 0.95)", param_hint="'--confidence'"
        )
    _check_out(out, force, protect=bundle)
    from analysis.bundle import BundleError
    from analysis.bundle import read_bundle
    from analysis.outputs import write_outputs
    from analysis.result import analyze as run_analysis

    try:
        read = read_bundle(bundle)
        result = run_analysis(
            read, confidence=confidence, progress=_progress_bar if sys.stderr.isatty() else None
        )
    except (BundleError, ValueError) as error:
        raise click.ClickException(_one_line(error)) from None
    labels = {question.id: question.label_in("en") for question in read.outcomes()}
    with _staged(out) as staging:
        written = write_outputs(result, staging, labels=labels)
    quality = result.data_quality
    click.echo(
        f"{quality['n_valid_tests']} valid tests ({quality['n_invalid']} invalid, "
        f"{quality['n_sham']} sham) of {quality['n_tests']}; wrote {len(written)} files to {out}"
    )
    primary = [e for e in result.estimates if e["primary"] and e["sample"] == "test"
               and not e["stratum"] and e["net_difference"] is not None]  # fmt: skip
    for entry in primary:
        click.echo(primary_sentence(entry, confidence))


def _p_text(p: float | None) -> str:
    if p is None:
        return "no p-value"
    return f"p {'< 0.0001' if p < 1e-4 else f'= {p:.4f}'}"


def _interval_text(low: float | None, high: float | None, confidence: float) -> str:
    if low is None or high is None:
        return "no interval"
    return f"{confidence:.0%} CI {100 * low:.1f} to {100 * high:.1f}"


def primary_sentence(entry: Mapping[str, Any], confidence: float) -> str:
    """The command line's summary of the primary outcome: the headline, then the independent
    figures where the venue-robust ones lead (docs/methods.md §6)."""
    from analysis.headline import headline

    line = headline(entry)
    text = (
        f"{entry['outcome']} (primary): net difference {100 * entry['net_difference']:.1f} "
        "percentage points"
    )
    if line.method == "venue_robust":
        effect = entry["design_effect"]
        text += (
            f" ({_interval_text(line.ci_low, line.ci_high, confidence)}, venue-robust, "
            f"{entry['n_targets']} targets, design effect "
            f"{'–' if effect is None else f'{effect:.2f}'}), "
            f"Obuchowski's clustered McNemar {_p_text(line.p_value)}; if the visits were "
            f"independent: {_interval_text(entry['ci_low'], entry['ci_high'], confidence)}, "
            f"mid-p McNemar {_p_text(entry['p_value'])}"
        )
    else:
        text += (
            f" ({_interval_text(line.ci_low, line.ci_high, confidence)}), mid-p McNemar "
            f"{_p_text(line.p_value)}"
        )
    text += "; > 0: the protected group was worse off"
    note = entry.get("note") or ""
    few = [part for part in note.split("; ") if "fewer than" in part and "targets" in part]
    return text + "".join(f"\nNote: {part}" for part in few)


@click.command("power", short_help="Pairs needed (or power) for a planned effect.")
@click.option(
    "--p10",
    type=float,
    required=True,
    help="Expected share of pairs in which only the control team is favoured.",
)
@click.option(
    "--p01",
    type=float,
    required=True,
    help="Expected share of pairs in which only the protected team is favoured.",
)
@click.option("--alpha", type=float, default=0.05, show_default=True, help="Two-sided level.")
@click.option(
    "--power", "target_power", type=float, default=0.8, show_default=True, help="Target power."
)
@click.option(
    "--strata",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Number of target types tested as one family (Holm: each at alpha/K).",
)
@click.option(
    "--visits-per-target",
    type=float,
    default=1.0,
    show_default=True,
    help="Planned valid pairs per target (venue, landlord); may be fractional, e.g. 2.5.",
)
@click.option(
    "--icc",
    type=float,
    default=0.1,
    show_default=True,
    help="Intra-venue correlation: how much of a pair's outcome difference the pairs at the "
    "same target share (door policy, staff). 0.1 is a modest venue effect; use the design "
    "effect of an earlier wave when you have one.",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print JSON (keys connor, miettinen, exact, midp: pairs per stratum if pairs were "
    "independent; design_effect, clustered_pairs, clustered_targets).",
)
def power(
    p10: float, p01: float, alpha: float, target_power: float, strata: int,
    visits_per_target: float, icc: float, as_json: bool,
) -> None:  # fmt: skip
    """Pairs (and targets) needed per stratum for the test of the net difference p10 − p01."""
    from analysis.power import sample_size

    try:
        result = sample_size(p10, p01, alpha=alpha, power=target_power, strata=strata,
                             visits_per_target=visits_per_target, icc=icc)  # fmt: skip
    except ValueError as error:
        raise click.ClickException(_one_line(error)) from None
    data = result.to_dict()
    if as_json:
        click.echo(json.dumps(data, indent=2, allow_nan=False))
        return

    def pairs(value: Any, unrounded: Any = None) -> str:
        if value is None:
            return "–"
        return f"{value} pairs" + (f" (n = {unrounded:.4f})" if unrounded is not None else "")

    family = f", Holm across {strata} types: each test at α/{strata} = {result.alpha_per_test:.4g}"
    click.echo(
        f"Two-sided McNemar test, p10 = {p10}, p01 = {p01} (net {p10 - p01:+.4f}), "
        f"α = {alpha}, power {target_power}" + (family if strata > 1 else "")
    )
    rows = [
        ("Connor (1987), normal approximation", pairs(result.connor, result.connor_unrounded)),
        ("Miettinen (1968)", pairs(result.miettinen, result.miettinen_unrounded)),
        ("exact conditional test, enumerated", pairs(result.exact)),
        ("mid-p test, enumerated", pairs(result.midp)),
    ]
    width = max(len(name) for name, _ in rows)
    for name, text in rows:
        click.echo(f"  {name:<{width}}  {text}")
    if strata > 1 and result.midp is not None:
        click.echo(f"  per stratum; {strata} strata need {strata * result.midp} pairs (mid-p)")
    click.echo(
        f"Targets visited more than once: with {visits_per_target:g} visit(s) per target and "
        f"intra-venue correlation {icc:g}, the design effect is 1 + ({visits_per_target:g} − 1) "
        f"× {icc:g} = {result.design_effect:.3g}"
    )
    if result.clustered_pairs is not None:
        click.echo(
            f"  venue-robust test (Connor × design effect): {result.clustered_pairs} pairs at "
            f"{result.clustered_targets} targets per stratum"
        )
    click.echo(
        "  The intra-venue correlation is the share of the variation in a pair's outcome "
        "difference that all pairs at one venue have in common (its door policy, its staff); "
        "0.1 is modest. One visit per target needs no correction."
    )
    if result.note:
        click.echo(f"Note: {result.note}")


def _effects(_ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]) -> Any:
    effects: dict[str, tuple[float, float]] = {}
    for value in values:
        name, equals, shares = value.partition("=")
        parts = shares.split(",")
        try:
            if not equals or not name or len(parts) != 2:
                raise ValueError
            p10, p01 = float(parts[0]), float(parts[1])
        except ValueError:
            raise click.BadParameter(
                f"{value!r}: expected TYPE=P10,P01, e.g. club=0.2,0.05"
            ) from None
        effects[name] = (p10, p01)
    return effects or None


@click.command("simulate", short_help="Write a synthetic export bundle with known truth.")
@_out_option("the synthetic bundle and truth.json")
@click.option(
    "--pairs",
    type=click.IntRange(min=1),
    required=True,
    help="Number of tests (with --summary: valid pairs per city and wave).",
)
@click.option("--seed", type=int, required=True, help="Random seed: same seed, same files.")
@click.option(
    "--effect",
    "effects",
    multiple=True,
    callback=_effects,
    metavar="TYPE=P10,P01",
    help="Target type with the shares of control-only (P10) and protected-only (P01) "
    "admissions; repeat per type. Default: club, bar, lounge.",
)
@click.option(
    "--targets",
    type=click.IntRange(min=1),
    default=None,
    help="Number of venues (default: about one per 8 pairs).",
)
@click.option(
    "--icc",
    type=float,
    default=0.0,
    show_default=True,
    help="Intra-venue correlation of the pair difference from a venue effect in the direction "
    "of discordance (e.g. 0.1); 0: venues differ only in how often the teams disagree.",
)
@click.option(
    "--summary",
    is_flag=True,
    help="Write summary bundles of several cities and waves instead of one export bundle.",
)
@click.option("--cities", type=click.IntRange(min=1), default=4, show_default=True,
              help="With --summary: number of cities.")  # fmt: skip
@click.option("--waves", type=click.IntRange(min=1), default=5, show_default=True,
              help="With --summary: waves per city.")  # fmt: skip
@_force_option
def simulate(
    out: Path,
    pairs: int,
    seed: int,
    effects: dict[str, tuple[float, float]] | None,
    targets: int | None,
    icc: float,
    summary: bool,
    cities: int,
    waves: int,
    force: bool,
) -> None:
    """Write a synthetic export bundle with known truth (venue clustering included), or with
    --summary the summary bundles of several cities and waves (for mysteryguest compare)."""
    _check_out(out, force)
    try:
        with _staged(out) as staging:
            if summary:
                from analysis.simulate_summary import simulate_summaries

                simulate_summaries(staging, pairs=pairs, seed=seed, cities=cities, waves=waves,
                                   targets=targets, icc=icc or 0.1)  # fmt: skip
            else:
                from analysis.simulate import simulate_bundle

                simulate_bundle(staging, pairs=pairs, seed=seed, effects=effects,
                                targets=targets, icc=icc)  # fmt: skip
    except ValueError as error:
        raise click.ClickException(_one_line(error)) from None
    if summary:
        click.echo(f"wrote {cities * waves} summary bundles ({cities} cities × {waves} waves × "
                   f"{pairs} pairs, seed {seed}) to {out}")  # fmt: skip
    else:
        click.echo(f"wrote a simulated bundle of {pairs} tests (seed {seed}) to {out}")


@click.command("compare", short_help="Compare cities and waves from summary bundles.")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@_out_option("comparison.json, comparison.csv, comparison.svg and comparison.html")
@click.option("--outcome", default=None,
              help="The yes/no outcome to compare (default: the primary outcome).")  # fmt: skip
@click.option("--confidence", default=0.95, show_default=True, type=float,
              help="Level of every interval, between 0 and 1.")  # fmt: skip
@_force_option
def compare(
    files: tuple[Path, ...], out: Path, outcome: str | None, confidence: float, force: bool
) -> None:
    """Compare cities and waves from summary bundle FILES (mysteryguest-summary, docs/methods.md §7):
    pooled and per-city net measure, heterogeneity between cities, change between waves."""
    if not 0 < confidence < 1:
        raise click.BadParameter(
            f"{confidence} is not between 0 and 1 (e.g. 0.95)", param_hint="'--confidence'"
        )
    _check_out(out, force)
    from analysis.compare import compare as run_comparison
    from analysis.compare_report import write_comparison
    from analysis.summary import SummaryError

    try:
        result = run_comparison(files, outcome=outcome, confidence=confidence)
    except (SummaryError, ValueError) as error:
        raise click.ClickException(_one_line(error)) from None
    with _staged(out) as staging:
        written = write_comparison(result, staging)
    pooled = result.line("pooled")
    cities = len({entry["city"] for entry in result.by_city})
    low, high = pooled["ci_low_cluster"], pooled["ci_high_cluster"]
    interval = "no interval" if low is None else f"{100 * low:.1f} to {100 * high:.1f}"
    click.echo(
        f"{len(files)} studies of {cities} cities, {pooled['n_pairs']} pairs at "
        f"{pooled['n_targets']} venues; {result.outcome}: pooled net measure "
        f"{100 * pooled['net_difference']:.1f} percentage points ({confidence:.0%} CI "
        f"{interval}, venue-robust); wrote {len(written)} files to {out}"
    )
