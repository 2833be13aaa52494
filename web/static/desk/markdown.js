// A Markdown field: a toolbar, the text, and a live preview rendered by the server's own renderer (so it
// is exactly what readers will see). What is typed is kept in this browser until it is saved, so a reload
// or a crash loses nothing.
import { api } from "../lib/api.js";
import { el } from "../lib/dom.js";

const WRAPS = {
  bold: ["**", "**", "bold text"],
  italic: ["*", "*", "text"],
  link: ["[", "](https://)", "link text"],
};

export function markdownField(container, { onInput } = {}) {
  const field = container.dataset.field;
  const label = container.dataset.label;
  const area = el("textarea", { id: field, rows: 6, required: true, "aria-describedby": field + "-help" });
  const preview = el("div", { className: "md-preview rendered", "aria-live": "polite", "aria-label": label + " preview" });
  let storageKey = null;
  let timer = null;

  function wrap(kind) {
    const [before, after, placeholder] = WRAPS[kind];
    const { selectionStart: start, selectionEnd: end, value } = area;
    const chosen = value.slice(start, end) || placeholder;
    area.setRangeText(before + chosen + after, start, end, "end");
    area.focus();
    changed();
  }
  function prefixLines(prefix) {
    const { selectionStart: start, selectionEnd: end, value } = area;
    const from = value.lastIndexOf("\n", start - 1) + 1;
    const block = value.slice(from, end).split("\n").map((line) => prefix + line).join("\n");
    area.setRangeText(block, from, end, "end");
    area.focus();
    changed();
  }
  const button = (text, title, action) => el("button", { type: "button", className: "tool", title, "aria-label": title, onclick: action }, text);
  const toolbar = el("div", { className: "md-toolbar", role: "toolbar", "aria-label": label + " formatting" },
    button("B", "Bold", () => wrap("bold")), button("I", "Italic", () => wrap("italic")),
    button("Link", "Link", () => wrap("link")), button("• List", "Bulleted list", () => prefixLines("- ")),
    button("1. List", "Numbered list", () => prefixLines("1. ")), button("❝ Quote", "Quote", () => prefixLines("> ")));

  async function render() {
    timer = null;
    const text = area.value;
    if (!text.trim()) { preview.replaceChildren(el("p", { className: "note" }, "Preview")); return; }
    const result = await api("POST", "/api/markdown", { text });
    if (area.value !== text) return; // typed on since: a newer render is on its way
    if (result.ok) { preview.innerHTML = result.data.html; preview.classList.remove("invalid"); }
    else { preview.replaceChildren(el("p", { className: "error" }, result.data && result.data.error ? result.data.error.message : "Cannot preview")); preview.classList.add("invalid"); }
  }
  function changed() {
    if (storageKey) {
      if (area.value) localStorage.setItem(storageKey, area.value);
      else localStorage.removeItem(storageKey);
    }
    clearTimeout(timer);
    timer = setTimeout(render, 250);
    if (onInput) onInput();
  }
  area.addEventListener("input", changed);

  container.replaceChildren(
    el("label", { for: field }, label),
    toolbar,
    el("div", { className: "md-split" }, area, preview),
    el("p", { id: field + "-help", className: "help" }, "Markdown: **bold**, *italic*, [link](https://…), - lists, > quotes, ![alt text](https://…image). Kept in this browser until saved."));

  return {
    area,
    get value() { return area.value; },
    set value(text) { area.value = text; render(); },
    // Ties the field to what it edits (a story's body, an update): a draft kept from before is restored.
    keepAs(key, saved) {
      storageKey = "newsroom-draft:" + key;
      const kept = localStorage.getItem(storageKey);
      area.value = kept !== null ? kept : (saved || "");
      render();
      return kept !== null && kept !== (saved || "");
    },
    saved() { if (storageKey) localStorage.removeItem(storageKey); },
    get dirty() { return storageKey !== null && localStorage.getItem(storageKey) !== null; },
  };
}
