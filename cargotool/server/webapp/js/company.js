// Is the company real? (issue 21 §3): `company_check` from the company register by INN. Cards show a small flag
// only when something is wrong or the company is young; the detail has a «Компания» section with the poster's
// and the shipper's lines. No `company_check` (the server has no register key): nothing is shown.

import { el } from "./dom.js";

const WRONG = new Set(["liquidating", "liquidated", "bankrupt", "reorganizing", "not_found"]);

function flagged(party) {
  return party && (WRONG.has(party.status) || party.young);
}

/** The card's flag: «⚠ ликвидируется» (the poster's, else the shipper's), or nothing for healthy companies. */
export function cardCompanyFlag(item) {
  const check = item.company_check;
  if (!check) return null;
  const party = [check.poster, check.shipper].find(flagged);
  if (!party) return null;
  const wrong = WRONG.has(party.status);
  const who = party === check.shipper ? "грузовладелец: " : "";
  return el("div", { class: "company-flag" + (wrong ? " wrong" : " young") }, (wrong ? "⚠ " : "") + who + party.text);
}

function partyLine(label, party) {
  if (!party) return null;
  const cls = "company-status" + (WRONG.has(party.status) ? " wrong" : party.young ? " young" : "");
  return el("div", { class: "company-party" },
    el("div", { class: "row" }, el("span", {}, label), el("span", {}, party.name || "ИНН " + party.inn)),
    el("div", { class: cls }, (WRONG.has(party.status) ? "⚠ " : "") + party.text),
    party.forwarder ? el("div", { class: "hint-line" }, party.forwarder.text) : null);
}

/** The detail's «Компания»: the poster's and the shipper's register lines. */
export function detailCompany(c) {
  const check = c.company_check;
  if (!check || (!check.poster && !check.shipper)) return null;
  return el("div", { class: "section", id: "detail-company" }, el("h3", {}, "Компания"),
    partyLine("Разместил", check.poster),
    partyLine("Грузовладелец", check.shipper),
    el("p", { class: "hint-line" }, "По данным ЕГРЮЛ/ЕГРИП и реестра экспедиторов (ГосЛог)"));
}
