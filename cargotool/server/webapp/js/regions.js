// Whole regions in the filter sheet (from_region / to_region, issue 22 §3): the region suggestions shown above
// the cities, and how a region reads in the summary.

import { api } from "./api.js";

/** «вся область», «весь край», «весь город» (Москва, Санкт-Петербург): what picking the region means. */
export function wholeText(name) {
  if (/область$/.test(name)) return "вся область";
  if (/край$/.test(name)) return "весь край";
  if (/округ$/.test(name)) return "весь округ";
  if (/^Москва$|^Санкт-Петербург$/.test(name)) return "весь город";
  return "вся республика";
}

/** Regions whose name has the words typed (none when the server cannot say: the cities still show). */
export async function findRegions(text) {
  try {
    return (await api("/api/regions?q=" + encodeURIComponent(text))).items;
  } catch (e) {
    return [];
  }
}

/** The side's region by name for the summary («Ростовская область»), or null when the side has none. */
export function regionName(f, names, side) {
  const code = f[side + "_region"];
  return code ? names[side + "_region"] || "регион №" + code : null;
}

/** The text the city box shows for a picked region: «Ростовская область — вся область». */
export function regionLabel(name) { return `${name} — ${wholeText(name)}`; }
