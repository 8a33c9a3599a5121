// Is the company real? (issue 21 §3): `company_check` from the company register by INN. Cards show a small flag
// only when something is wrong or the company is young. The detail has ONE «Компания» section: for the poster
// (and the shipper, when another company) the name and INN, the register's lines, then what our drivers
// reported (`trust`, as js/insights.js `companyTrust` draws it). No `company_check` (the server has no
// register key): the register's lines are left out, the rest stays.

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

function row(label, value) {
  return el("div", { class: "row" }, el("span", {}, label), el("span", {}, value));
}

/** One company of the load: «Разместил: ООО …», its INN, the register's status and forwarder lines (`party`,
 * from `company_check`), then our drivers' lines (`ours`). Null when neither side knows the company. */
function partyBlock(label, party, trust, ours) {
  const name = (party && party.name) || (trust && trust.name);
  const inn = (party && party.inn) || (trust && trust.inn);
  if (!name && !inn) return null;
  const wrong = party && WRONG.has(party.status);
  const cls = "company-status" + (wrong ? " wrong" : party && party.young ? " young" : "");
  return el("div", { class: "company-party" },
    row(label, name || "ИНН " + inn),
    name && inn ? row("ИНН", inn) : null,
    party ? el("div", { class: cls }, (wrong ? "⚠ " : "") + party.text) : null,
    party && party.forwarder ? el("div", { class: "hint-line" }, party.forwarder.text) : null,
    ...ours);
}

/** The detail's «Компания»; `ours` = js/insights.js `companyTrust(c)`: `{poster, shipper}` (our drivers'
 * lines), `report` (the driver's own report form, or null) and `flagged`. */
export function detailCompany(c, ours) {
  const check = c.company_check || {};
  const trust = c.trust || {};
  const poster = partyBlock("Разместил", check.poster, trust, ours.poster);
  const shipper = check.shipper || trust.shipper ? partyBlock("Грузовладелец", check.shipper, trust.shipper, ours.shipper) : null;
  if (!poster && !shipper) return null;
  return el("div", { class: "section" + (ours.flagged ? " flagged" : ""), id: "detail-company" }, el("h3", {}, "Компания"),
    poster, shipper,
    check.poster || check.shipper ? el("p", { class: "hint-line" }, "Статус — по данным ЕГРЮЛ/ЕГРИП и реестра экспедиторов (ГосЛог).") : null,
    ours.report);
}
