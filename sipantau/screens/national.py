"""The national picture as people read it: headline figures, the stages in view, NPHD per counterparty."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from sipantau import i18n
from sipantau.readiness import NationalPicture


@dataclass(frozen=True)
class Headline:
    label: str
    value: str
    help: str = ""
    delta: str | None = None


def _name(df: pd.DataFrame, lang: str) -> pd.Series:
    return df["name_en"] if lang == "en" else df["name_id"]


def stages_in_view(nat: NationalPicture, stage_id: int | None) -> pd.DataFrame:
    """The chosen stage, or every stage running on the as-of date."""
    ov = nat.stage_overview
    return ov[ov["stage_id"] == stage_id] if stage_id else nat.active


def headlines(nat: NationalPicture, lang: str, stage_id: int | None = None) -> list[Headline]:
    t = lambda key: i18n.t(key, lang)  # noqa: E731
    view = stages_in_view(nat, stage_id)
    out = [Headline(t("regions_reporting"), f"{i18n.number(nat.regions_reporting, lang)} / "
                    f"{i18n.number(nat.regions_total, lang)}", t("regions_reporting_help"))]
    if view.empty:
        out.append(Headline(t("avg_progress"), "–", t("no_active_stages")))
    else:
        w = view["weight"]
        progress = (view["progress"].fillna(0) * w).sum() / w.sum()
        expected = (view["expected"] * w).sum() / w.sum()
        out.append(Headline(t("avg_progress"), i18n.percent(progress, lang),
                            f"{t('expected')}: {i18n.percent(expected, lang)}",
                            delta=f"{i18n.number(progress - expected, lang, 1)} {t('expected')}"))
    open_total = int(nat.obstacles_by_severity["open"].sum())
    by_sev = ", ".join(f"{name}: {n}" for name, n in zip(_name(nat.obstacles_by_severity, lang),
                                                          nat.obstacles_by_severity["open"]))
    out.append(Headline(t("open_obstacles"), i18n.number(open_total, lang), by_sev))
    if not nat.nphd.empty:
        signed, total = int(nat.nphd["signed"].sum()), int(nat.nphd["regions"].sum())
        agreed, realised = nat.nphd["agreed_value"].sum(), nat.nphd["realised_value"].sum()
        out.append(Headline(t("nphd_signed"), f"{i18n.number(signed, lang)} / {i18n.number(total, lang)}",
                            ", ".join(f"{r.counterparty}: {r.signed}" for r in nat.nphd.itertuples())))
        out.append(Headline(t("nphd_realised"), i18n.percent(100 * realised / agreed if agreed else None, lang),
                            f"{i18n.rupiah_short(realised, lang)} / {i18n.rupiah_short(agreed, lang)}"))
    return out


def stage_table(nat: NationalPicture, lang: str, stage_id: int | None = None) -> pd.DataFrame:
    t = lambda key: i18n.t(key, lang)  # noqa: E731
    view = stages_in_view(nat, stage_id)
    schedule = [f"{i18n.day(a, lang, 'd MMM y')} – {i18n.day(b, lang, 'd MMM y')}"
                for a, b in zip(view["start_date"], view["end_date"])]
    return pd.DataFrame({
        t("stage_col"): _name(view, lang).to_numpy(),
        t("schedule_col"): schedule,
        t("progress_col"): [i18n.percent(v, lang) for v in view["progress"]],
        t("expected_col"): [i18n.percent(v, lang) for v in view["expected"]],
        t("lag_col"): [i18n.number(v, lang, 1) for v in view["lag"]],
        t("reporting_col"): [f"{i18n.number(a, lang)} / {i18n.number(b, lang)}"
                             for a, b in zip(view["reporting"], view["offices"])],
        t("on_track"): view["on_track"].to_numpy(),
        t("behind"): view["behind"].to_numpy(),
        t("critical"): view["critical"].to_numpy(),
        t("no_data"): view["no_data"].to_numpy(),
    })


def nphd_table(nat: NationalPicture, lang: str) -> pd.DataFrame:
    t = lambda key: i18n.t(key, lang)  # noqa: E731
    n = nat.nphd
    return pd.DataFrame({
        t("counterparty"): n["counterparty"],
        t("signed"): [i18n.number(v, lang) for v in n["signed"]],
        t("not_signed"): [i18n.number(v, lang) for v in n["not_signed"]],
        t("agreed_value"): [i18n.rupiah(v, lang) for v in n["agreed_value"]],
        t("realised_value"): [i18n.rupiah(v, lang) for v in n["realised_value"]],
        "%": [i18n.percent(v, lang) for v in n["realised_pct"]],
        t("fully_realised"): [i18n.number(v, lang) for v in n["fully_realised"]],
        t("partly_realised"): [i18n.number(v, lang) for v in n["partly_realised"]],
    })

