"""Conditional logistic regression for 1:1 matched pairs, by Newton's method.

For a pair with covariates x_P (protected team) and x_R (control team), the conditional
likelihood given that exactly one team was treated favourably is logistic in z = x_P − x_R:
P(protected favourable | discordant) = 1 / (1 + exp(−β·z)). Concordant pairs carry no
information. The model is therefore a logistic regression without intercept on the
pair-differenced design of the discordant pairs.

Sign convention: outcome = favourable, so β for ``protected:<type>`` = log(c/b) without order
term; β < 0 means the protected team is less often the one admitted (worse off). Each term also
reports ``odds_ratio`` = e^−β, which is b/c without order term: the same orientation as the
``odds_ratio`` of every other output (above 1: the protected group worse off).

The venue-cluster sandwich carries the small-sample factor G/(G − 1) (CR1, G targets with
discordant pairs) and its p-values a t(G − 1) reference (docs/methods.md §6). R's
``clogit(... + cluster(venue))`` reports CR0 with a normal reference: its robust SE is ours times
√((G − 1)/G).

References
----------
Breslow NE, Day NE (1980). Statistical Methods in Cancer Research I, ch. 7.
Lin DY, Wei LJ (1989). The robust inference for the Cox proportional hazards model. JASA 84
(the cluster sandwich, as in R's ``clogit(... + cluster(venue))``, there without the CR1 factor).
Cameron AC, Miller DL (2015). A practitioner's guide to cluster-robust inference. J Hum Resour
50:317–372 (CR1 and the t(G − 1) reference).
docs/methods.md §2.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from typing import Any

import numpy as np
import pandas as pd
from scipy import special
from scipy import stats

from analysis._common import ResultMixin
from analysis.table import as_binary

ORDER_TERM = "protected_first"
_MAX_ITERATIONS = 100
_DIVERGED = 20.0  # |β| beyond this (odds ratio > 4.8e8) means separation, not an estimate


CLUSTER_CONVENTION = "CR1: G/(G-1) factor, t(G-1) reference (R clogit + cluster(): CR0, normal)"


@dataclass(frozen=True)
class Term:
    """One coefficient: model-based SE, venue-cluster sandwich SE (CR1) with its t(G − 1) p,
    and the odds ratio e^−β (b/c without order term). None where undefined."""

    term: str
    coef: float | None
    se: float | None
    se_cluster_target: float | None
    p_cluster: float | None = None
    odds_ratio: float | None = None


@dataclass(frozen=True)
class ConditionalLogitResult(ResultMixin):
    """A fitted model, shaped like a ``models`` entry of results.json."""

    outcome: str | None
    model: str
    terms: tuple[Term, ...]
    heterogeneity_lr: float | None
    heterogeneity_df: int | None
    heterogeneity_p: float | None
    lr_statistic: float | None
    score_statistic: float | None
    log_likelihood: float | None
    n_pairs: int
    n_discordant: int
    identified: bool
    n_clusters: int | None = None
    cluster_se: str | None = None
    note: str | None = field(default=None)

    _title = "Conditional logistic regression (1:1 pairs)"

    def term(self, name: str) -> Term:
        """The entry of one term, by name."""
        for entry in self.terms:
            if entry.term == name:
                return entry
        raise KeyError(f"no term {name!r}; terms are {[entry.term for entry in self.terms]}")


@dataclass(frozen=True)
class _Fit:
    coef: np.ndarray
    covariance: np.ndarray
    log_likelihood: float
    scores: np.ndarray  # one row per pair
    converged: bool


def _log_likelihood(z: np.ndarray, y: np.ndarray, beta: np.ndarray) -> float:
    eta = z @ beta
    # log σ(η) for y = 1, log σ(−η) for y = 0, without overflow
    return float(-np.sum(np.logaddexp(0.0, np.where(y == 1, -eta, eta))))


def newton_fit(z: np.ndarray, y: np.ndarray) -> _Fit:
    """Maximise Σ log σ(±β·z) by Newton's method with step halving.

    Parameters
    ----------
    z
        Differenced design (discordant pairs × terms), full column rank.
    y
        1 where the protected team was the favoured one, else 0.
    """
    beta = np.zeros(z.shape[1])
    current = _log_likelihood(z, y, beta)
    converged = False
    for _ in range(_MAX_ITERATIONS):
        probability = special.expit(z @ beta)
        gradient = z.T @ (y - probability)
        information = (z * (probability * (1 - probability))[:, None]).T @ z
        try:
            step = np.linalg.solve(information, gradient)
        except np.linalg.LinAlgError:  # fitted probabilities at 0/1: a separated design
            break
        proposal, candidate = beta + step, _log_likelihood(z, y, beta + step)
        halvings = 0
        while candidate < current - 1e-12 and halvings < 30:
            step /= 2
            proposal, candidate = beta + step, _log_likelihood(z, y, beta + step)
            halvings += 1
        beta, current = proposal, candidate
        if np.max(np.abs(step)) < 1e-10:
            converged = True
            break
    probability = special.expit(z @ beta)
    information = (z * (probability * (1 - probability))[:, None]).T @ z
    scores = z * (y - probability)[:, None]
    try:
        covariance = np.linalg.inv(information)
    except np.linalg.LinAlgError:
        covariance, converged = np.full_like(information, np.nan), False
    return _Fit(beta, covariance, current, scores, converged)


def cluster_covariance(fit: _Fit, clusters: np.ndarray, *, cr1: bool = True) -> np.ndarray:
    """Sandwich A⁻¹ (Σ_v s_v s_vᵀ) A⁻¹, s_v the summed pair scores of cluster v.

    With `cr1` (the default) times G/(G − 1), G the number of clusters; without, CR0 (R's
    ``clogit(... + cluster())``).
    """
    codes, index = np.unique(clusters, return_inverse=True)
    summed = np.zeros((codes.size, fit.scores.shape[1]))
    np.add.at(summed, index, fit.scores)
    factor = codes.size / (codes.size - 1) if cr1 and codes.size > 1 else 1.0
    return factor * (fit.covariance @ (summed.T @ summed) @ fit.covariance)


def _dependent_columns(z: np.ndarray, names: list[str]) -> list[str]:
    """Terms that are linear combinations of the terms before them."""
    if np.linalg.matrix_rank(z) == z.shape[1]:  # the usual case: one decomposition suffices
        return []
    dependent, kept = [], np.zeros((z.shape[0], 0))
    for column, name in enumerate(names):
        trial = np.column_stack([kept, z[:, column]])
        if np.linalg.matrix_rank(trial) > kept.shape[1]:
            kept = trial
        else:
            dependent.append(name)
    return dependent


def _outcome_vector(values: pd.Series, name: str) -> np.ndarray:
    return as_binary(values, name)


def conditional_logit(
    frame: pd.DataFrame,
    *,
    control: str,
    protected: str,
    target_type: str | None = "target_type",
    first_role: str | None = None,
    cluster: str | None = "target_code",
    outcome: str | None = None,
) -> ConditionalLogitResult:
    """Fit protected × target type (+ order) by conditional logistic regression.

    Parameters
    ----------
    frame
        One row per valid pair.
    control, protected
        0/1 or boolean outcome columns (1 = favourable), no missing values.
    target_type
        Column of target types: one term ``protected:<type>`` per type. None: a single term
        ``protected``.
    first_role
        Optional column with ``protected``/``control`` (which team visited first); adds the term
        ``protected_first`` (+1 if the protected team went first, −1 otherwise, differenced).
    cluster
        Column identifying the venue for the sandwich SE; None: no cluster SE.
    outcome
        Name copied into the result.

    Returns
    -------
    ConditionalLogitResult
        Types whose discordant pairs all point one way (b_k = 0 or c_k = 0) have an infinite
        MLE: their coefficient is None, a note says so, and the LR test uses the supremum (their
        pairs fit perfectly). A rank-deficient design returns ``identified = False``.

    Notes
    -----
    Without an order term, β_k = log(c_k/b_k), SE = √(1/b_k + 1/c_k), and the LR test of
    equal β_k equals G² on the K×2 table of (b_k, c_k) (docs/methods.md §2).
    """
    for column in (control, protected, target_type, first_role, cluster):
        if column is not None and column not in frame.columns:
            raise ValueError(f"column {column!r} not in frame; columns are {list(frame.columns)}")
    control_ok = _outcome_vector(frame[control], control)
    protected_ok = _outcome_vector(frame[protected], protected)
    discordant = control_ok != protected_ok
    y = protected_ok[discordant].astype(float)
    types = (
        frame[target_type].astype(str).to_numpy()
        if target_type is not None
        else np.full(len(frame), "", dtype=object)
    )
    levels = sorted(set(types.tolist()))
    names = [f"protected:{level}" if target_type is not None else "protected" for level in levels]
    z_types = (types[discordant][:, None] == np.array(levels)[None, :]).astype(float)
    notes: list[str] = []
    # A type is separated when its discordant pairs all go one way (or there are none).
    separated = [
        index
        for index in range(len(levels))
        if y[z_types[:, index] == 1].size == 0 or np.ptp(y[z_types[:, index] == 1]) == 0
    ]
    for index in separated:
        favoured = y[z_types[:, index] == 1]
        reason = "no discordant pairs" if favoured.size == 0 else "b = 0 or c = 0 (separation)"
        notes.append(f"{names[index]}: {reason}; coefficient not estimable, reported as None")
    keep_types = [index for index in range(len(levels)) if index not in separated]
    keep_rows = z_types[:, keep_types].sum(axis=1) == 1
    z = z_types[keep_rows][:, keep_types]
    term_names = [names[index] for index in keep_types]
    z_all = z_types
    if first_role is not None:
        roles = frame[first_role].astype(str).to_numpy()
        unknown = sorted(set(roles.tolist()) - {"protected", "control"})
        if unknown:
            raise ValueError(f"column {first_role!r} must hold protected/control; got {unknown}")
        roles = roles[discordant]
        order = np.where(roles == "protected", 1.0, -1.0)
        z_all = np.column_stack([z_types, order])
        z = np.column_stack([z, order[keep_rows]])
        term_names.append(ORDER_TERM)
    y_kept = y[keep_rows]
    clusters = frame[cluster].astype(str).to_numpy()[discordant][keep_rows] if cluster else None
    base: dict[str, Any] = {
        "outcome": outcome,
        "model": "conditional_logit",
        "n_pairs": len(frame),
        "n_discordant": int(discordant.sum()),
    }
    all_names = names + ([ORDER_TERM] if first_role is not None else [])
    empty_terms = tuple(Term(name, None, None, None) for name in all_names)
    if z.shape[1] == 0 or z.shape[0] == 0:
        notes.append("no estimable term")
        return _empty(base, empty_terms, notes, identified=False)
    dependent = _dependent_columns(z, term_names)
    if dependent:
        notes.append(
            f"design not identified: the within-pair differences of {', '.join(dependent)} are "
            "linear combinations of other terms; drop them or add variation (e.g. randomise order)"
        )
        return _empty(base, empty_terms, notes, identified=False)
    fit = newton_fit(z, y_kept)
    if not fit.converged or np.max(np.abs(fit.coef)) > _DIVERGED:
        notes.append("Newton's method did not converge to a finite estimate (separation)")
        return _empty(base, empty_terms, notes, identified=True)
    groups = int(np.unique(clusters).size) if clusters is not None else None
    robust = cluster_covariance(fit, clusters) if clusters is not None and groups else None
    estimates = {}
    for index, name in enumerate(term_names):
        coef = float(fit.coef[index])
        se_cluster = float(np.sqrt(robust[index, index])) if robust is not None else None
        p_cluster = None
        if se_cluster and groups is not None and groups >= 2:
            p_cluster = float(2 * stats.t.sf(abs(coef) / se_cluster, groups - 1))
        estimates[name] = Term(name, coef, float(np.sqrt(fit.covariance[index, index])),
                               se_cluster, p_cluster, float(np.exp(-coef)))  # fmt: skip
    terms = tuple(estimates.get(name, Term(name, None, None, None)) for name in all_names)
    base.update(n_clusters=groups, cluster_se=CLUSTER_CONVENTION if robust is not None else None)
    # Null model β = 0: every discordant pair has probability ½ (separated pairs included).
    null_log_likelihood = -float(discordant.sum()) * np.log(2.0)
    lr_statistic = 2.0 * (fit.log_likelihood - null_log_likelihood)
    score = z_all.T @ (y - 0.5)
    information = 0.25 * z_all.T @ z_all
    score_statistic = float(score @ np.linalg.pinv(information) @ score)
    heterogeneity = _heterogeneity(z_types, y, z_all, fit)
    if heterogeneity[0] is None and int((z_types.sum(axis=0) > 0).sum()) > 1:
        notes.append("heterogeneity test undefined: the common-effect model is separated")
    return ConditionalLogitResult(
        **base,
        terms=terms,
        heterogeneity_lr=heterogeneity[0],
        heterogeneity_df=heterogeneity[1],
        heterogeneity_p=heterogeneity[2],
        lr_statistic=float(lr_statistic),
        score_statistic=score_statistic,
        log_likelihood=fit.log_likelihood,
        identified=True,
        note="; ".join(notes) or None,
    )


def _heterogeneity(
    z_types: np.ndarray, y: np.ndarray, z_all: np.ndarray, fit: _Fit
) -> tuple[float | None, int | None, float | None]:
    """LR test of equal protected effects across the types that have discordant pairs."""
    present = int((z_types.sum(axis=0) > 0).sum())
    if present < 2:
        return None, None, None
    common = z_types.sum(axis=1, keepdims=True)
    z_common = np.column_stack([common, z_all[:, z_types.shape[1] :]])
    if np.linalg.matrix_rank(z_common) < z_common.shape[1] or np.ptp(y) == 0:
        return None, None, None
    restricted = newton_fit(z_common, y)
    if not restricted.converged or np.max(np.abs(restricted.coef)) > _DIVERGED:
        return None, None, None
    # Separated types fit perfectly in the full model: their log-likelihood supremum is 0.
    statistic = max(0.0, 2.0 * (fit.log_likelihood - restricted.log_likelihood))
    df = present - 1
    return statistic, df, float(stats.chi2.sf(statistic, df))


def _empty(
    base: dict[str, Any], terms: tuple[Term, ...], notes: list[str], *, identified: bool
) -> ConditionalLogitResult:
    return ConditionalLogitResult(
        **base,
        terms=terms,
        heterogeneity_lr=None,
        heterogeneity_df=None,
        heterogeneity_p=None,
        lr_statistic=None,
        score_statistic=None,
        log_likelihood=None,
        identified=identified,
        note="; ".join(notes),
    )
