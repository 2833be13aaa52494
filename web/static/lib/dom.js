// Building DOM from text (never HTML from a user), and times in the reader's own zone.
export function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "className") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export const byId = (id) => document.getElementById(id);

// The page's status line (#message): what the last action did, or what went wrong.
export function say(text, kind) {
  const node = byId("message");
  node.className = "message " + (kind || "");
  node.textContent = text;
}

export function localTime(iso) {
  return iso ? new Date(iso).toLocaleString([], { dateStyle: "medium", timeStyle: "short" }) : "";
}

// HTML the server rendered and sanitised (newsroom/richtext.py), as nodes.
export function serverHtml(html) {
  const template = document.createElement("template");
  template.innerHTML = html || "";
  return template.content;
}

// A datetime-local input's value as an RFC 3339 instant (the browser's zone), or null when empty.
export function instant(value) {
  return value ? new Date(value).toISOString() : null;
}

export const names = (text) => text.split(",").map((part) => part.trim()).filter(Boolean);
