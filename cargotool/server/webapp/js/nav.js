// How a screen shows the list again without importing js/list.js: the list reaches the screens' script
// (js/later.js → js/screens.js), so a screen importing it would close an import cycle. list.js registers
// here what showing the list means; filters and saved searches call it.

let showList = () => {};

/** js/list.js: what showing the list (from its first page, with the current filters) does. */
export function onShowList(show) { showList = show; }

/** Show the list from its first page with the current filters. */
export function reloadList() { return showList(); }
