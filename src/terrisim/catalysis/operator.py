"""Operator drift: a catalyst that becomes the operator of the projects it incubated.

Source: seed 003 §3.2.3 — "S'il devient opérateur des solutions qu'il fait émerger, il n'a alors
plus ni le temps, ni les moyens, ni même la légitimité pour poursuivre l'animation transversale
des acteurs… choisir c'est renoncer."

Rules:

* each new pilot project of its experiments is taken over by the catalyst with probability
  ``drift_probability``; an operated project does not end with its experiment but runs on as a
  territorial project the catalyst operates (planned duration exponential with mean
  ``operated_project_months``, *assumption*), costing ``operation_days`` a month;
* each take-over removes ``legitimacy_loss`` of the catalyst's remaining legitimacy as a neutral
  animator (:func:`lose_legitimacy`); legitimacy comes back only slowly once it operates nothing,
  closing ``legitimacy_recovery`` of the gap a month (:func:`recover_legitimacy`, *assumption*:
  a reputation is lost faster than it is rebuilt), so the cost outlasts the projects;
* legitimacy scales how many introductions succeed and how much of its trust a catalyst can pass
  on (:mod:`terrisim.catalysis.brokerage`).
"""

from __future__ import annotations


def lose_legitimacy(legitimacy: float, taken_over: int, loss: float) -> float:
    """Legitimacy after taking over ``taken_over`` projects (each removes ``loss`` of it)."""
    return legitimacy * (1.0 - loss) ** taken_over


def recover_legitimacy(legitimacy: float, operating: bool, recovery: float) -> float:
    """Legitimacy a month later: unchanged while it operates projects, else it closes
    ``recovery`` of the gap to full legitimacy."""
    if operating:
        return legitimacy
    return legitimacy + recovery * (1.0 - legitimacy)
