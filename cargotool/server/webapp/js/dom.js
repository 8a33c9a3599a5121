// DOM helpers: look-up by id, element builder, the toast.

export const $ = (id) => document.getElementById(id);

export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

let toastTimer = null;

export function toast(text) {
  const node = $("toast");
  node.textContent = text;
  node.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { node.hidden = true; }, 2000);
}

/** Group the digits of an amount field as it is typed («45 000»), keeping the caret after the same digit. */
export function groupAsTyped(input, group) {
  input.addEventListener("input", () => {
    const caret = input.selectionStart === null ? input.value.length : input.selectionStart;
    const digitsBefore = input.value.slice(0, caret).replace(/\D/g, "").length;
    if (/[^\d\s\u00a0]/.test(input.value)) return;  // not an amount: leave it for the error message
    input.value = group(input.value.replace(/\D/g, ""));
    let position = 0;
    for (let seen = 0; position < input.value.length && seen < digitsBefore; position++) {
      if (/\d/.test(input.value[position])) seen++;
    }
    input.setSelectionRange(position, position);
  });
}
