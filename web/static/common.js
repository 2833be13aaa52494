// Shared by the readers' pages: DOM building from text only, and times in the reader's own zone (with how
// long ago, kept current). The staff pages are modules (static/lib).
"use strict";
const newsroom = (() => {
  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes || {})) {
      if (key === "className") node.className = value;
      else if (key === "onclick") node.addEventListener("click", value);
      else node.setAttribute(key, value);
    }
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }
  function localTime(iso) {
    return iso ? new Date(iso).toLocaleString([], { dateStyle: "medium", timeStyle: "short" }) : "";
  }
  const RELATIVE = typeof Intl.RelativeTimeFormat === "function" ? new Intl.RelativeTimeFormat([], { numeric: "auto" }) : null;
  function ago(iso) {
    const seconds = (Date.now() - new Date(iso).getTime()) / 1000;
    if (!RELATIVE || seconds < 0 || seconds > 86400) return "";
    if (seconds < 60) return "just now";
    if (seconds < 3600) return RELATIVE.format(-Math.floor(seconds / 60), "minute");
    return RELATIVE.format(-Math.floor(seconds / 3600), "hour");
  }
  // Every time element under ``root``: absolute in the reader's zone, and how long ago within a day.
  function stampTimes(root) {
    for (const node of (root || document).querySelectorAll("time[datetime]")) {
      const iso = node.getAttribute("datetime");
      const relative = ago(iso);
      node.textContent = localTime(iso) + (relative ? ` (${relative})` : "");
      node.title = new Date(iso).toLocaleString([], { dateStyle: "full", timeStyle: "long" });
    }
  }
  stampTimes(document); // the scripts run once the page is parsed (defer)
  setInterval(() => stampTimes(document), 30000);
  // The live kinds as the server declares them (projections/live_kinds.py): kind -> its action and more.
  const liveKinds = JSON.parse(document.getElementById("live-kinds").textContent);
  // Calls ``handle(event, kind)`` for each message of ``source`` whose kind ``wanted(kind)`` accepts.
  function listenLive(source, handle, wanted) {
    for (const [name, kind] of Object.entries(liveKinds)) {
      if (!wanted || wanted(kind)) source.addEventListener(name, (event) => handle(event, kind));
    }
  }
  return { el, localTime, stampTimes, listenLive };
})();
