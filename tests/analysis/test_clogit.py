"""Conditional logit: docs/methods.md V1 and V14, statsmodels cross-checks, separation, rank."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats
from statsmodels.discrete.conditional_models import ConditionalLogit
from statsmodels.tools.sm_exceptions import ModelWarning

from analysis.clogit import ORDER_TERM
from analysis.clogit import conditional_logit

FOUR = 5e-5


def pairs_frame(tables: dict[str, tuple[int, int, int, int]], venues: int = 23) -> pd.DataFrame:
    """One row per pair from (a, b, c, d) per target type; venues and order assigned in turn."""
    rows = []
    for target_type, (a, b, c, d) in tables.items():
        for control, protected, count in ((1, 1, a), (1, 0, b), (0, 1, c), (0, 0, d)):
            rows += [
                {"target_type": target_type, "control": control, "protected": protected}
            ] * count
    frame = pd.DataFrame(rows)
    rng = np.random.default_rng(7)
    frame["target_code"] = [f"V-{code:03d}" for code in rng.integers(0, venues, len(frame))]
    frame["first_role"] = rng.choice(["protected", "control"], len(frame))
    return frame


V14 = {"bar": (30, 12, 3, 55), "club": (20, 25, 5, 50), "lounge": (40, 8, 6, 46)}


def test_v1_single_protected_term() -> None:
    # METHODS V1 (Agresti 2013 §11.1): β = log(86/150) = −0.5563, SE 0.1353, score 17.3559,
    # LR 17.5752 (R: clogit(y ~ protected + strata(pair)))
    result = conditional_logit(
        pairs_frame({"all": (794, 150, 86, 570)}),
        control="control",
        protected="protected",
        target_type=None,
    )
    term = result.term("protected")
    assert term.coef == pytest.approx(-0.5563, abs=FOUR)
    assert term.se == pytest.approx(0.1353, abs=FOUR)
    assert result.score_statistic == pytest.approx(17.3559, abs=FOUR)
    assert result.lr_statistic == pytest.approx(17.5752, abs=FOUR)


def test_v14_protected_by_type() -> None:
    # METHODS V14: β_k = log(c_k/b_k) = (−1.3863, −1.6094, −0.2877); LR of equal effects
    # 3.4890, df 2, p 0.1747 (= G² on the 3×2 table of (b_k, c_k))
    result = conditional_logit(pairs_frame(V14), control="control", protected="protected")
    coefs = [result.term(f"protected:{name}").coef for name in ("bar", "club", "lounge")]
    assert coefs == pytest.approx([-1.3863, -1.6094, -0.2877], abs=FOUR)
    assert result.term("protected:bar").se == pytest.approx(np.sqrt(1 / 12 + 1 / 3))
    assert result.heterogeneity_lr == pytest.approx(3.4890, abs=FOUR)
    assert result.heterogeneity_df == 2
    assert result.heterogeneity_p == pytest.approx(0.1747, abs=FOUR)


def _long(frame: pd.DataFrame, with_order: bool) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Two rows per pair (control, protected) for statsmodels."""
    levels = sorted(frame["target_type"].unique())
    records, endog, groups = [], [], []
    for pair, row in enumerate(frame.itertuples()):
        for is_protected in (0, 1):
            record = {
                f"protected:{t}": float(is_protected and row.target_type == t) for t in levels
            }
            if with_order:
                went_first = (row.first_role == "protected") == bool(is_protected)
                record[ORDER_TERM] = float(went_first)
            records.append(record)
            endog.append(row.protected if is_protected else row.control)
            groups.append(pair)
    return pd.DataFrame(records), np.array(endog, dtype=float), np.array(groups)


@pytest.mark.parametrize("with_order", [False, True])
def test_against_statsmodels_conditional_logit(with_order: bool) -> None:
    frame = pairs_frame(V14)
    ours = conditional_logit(
        frame,
        control="control",
        protected="protected",
        first_role="first_role" if with_order else None,
    )
    exog, endog, groups = _long(frame, with_order)
    # METHODS §3: the default BFGS stops early; use Newton
    # statsmodels drops the concordant pairs (they carry no information) and says so
    with pytest.warns(ModelWarning, match="no within-group variance"):
        model = ConditionalLogit(endog, exog, groups=groups)
    reference = model.fit(method="newton", disp=False)
    for name in exog.columns:
        assert ours.term(name).coef == pytest.approx(reference.params[name], abs=1e-6)
        assert ours.term(name).se == pytest.approx(reference.bse[name], abs=1e-6)
    assert ours.log_likelihood == pytest.approx(reference.llf, abs=1e-8)


def test_cluster_sandwich_against_glm_on_differenced_design() -> None:
    # The conditional likelihood of 1:1 pairs is a no-intercept logistic regression on the
    # differenced design of the discordant pairs; statsmodels' cluster covariance without the
    # small-sample factor is exactly A⁻¹ (Σ s_v s_vᵀ) A⁻¹ (CR0, as R's clogit + cluster()); ours
    # is CR1, G/(G − 1) times that, with a t(G − 1) reference.
    frame = pairs_frame(V14, venues=15)
    ours = conditional_logit(
        frame, control="control", protected="protected", first_role="first_role"
    )
    discordant = frame[frame["control"] != frame["protected"]]
    levels = sorted(frame["target_type"].unique())
    design = pd.DataFrame(
        {f"protected:{t}": (discordant["target_type"] == t) * 1.0 for t in levels}
    )
    design[ORDER_TERM] = np.where(discordant["first_role"] == "protected", 1.0, -1.0)
    model = sm.GLM(discordant["protected"].to_numpy(float), design, family=sm.families.Binomial())
    reference = model.fit(
        cov_type="cluster",
        cov_kwds={"groups": pd.factorize(discordant["target_code"])[0], "use_correction": False},
    )
    groups = discordant["target_code"].nunique()
    assert ours.n_clusters == groups
    factor = np.sqrt(groups / (groups - 1))
    for name in design.columns:
        term = ours.term(name)
        assert term.coef == pytest.approx(reference.params[name], abs=1e-6)
        assert term.se_cluster_target == pytest.approx(reference.bse[name] * factor, rel=1e-6)
        t = term.coef / term.se_cluster_target
        assert term.p_cluster == pytest.approx(2 * stats.t.sf(abs(t), groups - 1), rel=1e-9)
        assert term.odds_ratio == pytest.approx(np.exp(-term.coef))


def test_one_pair_per_venue_sandwich_equals_model_se_without_order() -> None:
    # CR0 equals the model SE with one pair per venue; CR1 adds G/(G − 1) (G discordant pairs)
    frame = pairs_frame(V14)
    frame["target_code"] = [f"V-{i}" for i in range(len(frame))]
    result = conditional_logit(frame, control="control", protected="protected")
    groups = result.n_discordant
    assert result.n_clusters == groups
    for term in result.terms:
        assert term.se_cluster_target == pytest.approx(term.se * np.sqrt(groups / (groups - 1)),
                                                       rel=1e-9)  # fmt: skip


def test_separation_gives_none_and_a_note(assert_json_safe) -> None:
    tables = {"bar": (30, 12, 0, 55), "club": (20, 25, 5, 50), "lounge": (40, 0, 0, 46)}
    result = conditional_logit(pairs_frame(tables), control="control", protected="protected")
    assert result.term("protected:bar").coef is None
    assert result.term("protected:lounge").coef is None
    assert result.term("protected:club").coef == pytest.approx(np.log(5 / 25))
    assert "separation" in result.note and "no discordant pairs" in result.note
    # LR uses the supremum: the separated type fits perfectly; equals G² on (b_k, c_k) of the
    # types with discordant pairs, with the 0·log 0 = 0 convention
    b, c = np.array([12, 25]), np.array([0, 5])
    pooled = c.sum() / (b.sum() + c.sum())
    fitted = c / (b + c)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.nan_to_num(c * np.log(fitted / pooled)) + np.nan_to_num(
            b * np.log((1 - fitted) / (1 - pooled))
        )
    assert result.heterogeneity_lr == pytest.approx(2 * terms.sum())
    assert result.heterogeneity_df == 1
    assert_json_safe(result.to_dict())


def test_everything_separated_is_json_safe(assert_json_safe) -> None:
    result = conditional_logit(
        pairs_frame({"bar": (3, 4, 0, 5), "club": (1, 0, 0, 2)}),
        control="control",
        protected="protected",
    )
    assert all(term.coef is None for term in result.terms)
    assert result.note
    assert_json_safe(result.to_dict())


def test_rank_deficient_design_is_reported() -> None:
    # Order constant within every pair type: protected always first -> the order difference is
    # +1 for every pair, collinear with the sum of the type terms.
    frame = pairs_frame(V14)
    frame["first_role"] = "protected"
    result = conditional_logit(
        frame, control="control", protected="protected", first_role="first_role"
    )
    assert not result.identified
    assert f"{ORDER_TERM}" in result.note and "not identified" in result.note
    assert all(term.coef is None for term in result.terms)


def test_output_shape() -> None:
    result = conditional_logit(pairs_frame(V14), control="control", protected="protected",
                               outcome="admitted")  # fmt: skip
    data = result.to_dict()
    assert data["outcome"] == "admitted" and data["model"] == "conditional_logit"
    assert set(data["terms"][0]) == {"term", "coef", "se", "se_cluster_target", "p_cluster",
                                     "odds_ratio"}  # fmt: skip
    assert data["cluster_se"].startswith("CR1") and data["n_clusters"] > 1
    assert {"heterogeneity_lr", "heterogeneity_df", "heterogeneity_p"} <= set(data)


def test_bad_first_role_value() -> None:
    frame = pairs_frame(V14)
    frame.loc[0, "first_role"] = "both"
    with pytest.raises(ValueError, match="both"):
        conditional_logit(frame, control="control", protected="protected", first_role="first_role")


def test_separation_through_the_order_term_is_reported_not_raised(assert_json_safe) -> None:
    # Found by the simulator: every discordant pair whose control team went first went against
    # the protected team, in both types; with the order term the MLE is infinite (the Newton
    # information matrix becomes singular) although no type is separated on its own.
    cells = {("bar", "control"): (2, 0), ("bar", "protected"): (6, 2),
             ("club", "control"): (4, 0), ("club", "protected"): (7, 1)}  # fmt: skip
    rows = []
    for (target_type, first_role), (b, c) in cells.items():
        rows += [{"target_type": target_type, "first_role": first_role, "control": 1,
                  "protected": 0}] * b  # fmt: skip
        rows += [{"target_type": target_type, "first_role": first_role, "control": 0,
                  "protected": 1}] * c  # fmt: skip
    frame = pd.DataFrame(rows).assign(target_code=lambda f: [f"V{i % 5}" for i in range(len(f))])
    result = conditional_logit(frame, control="control", protected="protected",
                               first_role="first_role")  # fmt: skip
    assert "did not converge" in result.note and result.term(ORDER_TERM).coef is None
    assert_json_safe(result.to_dict())
