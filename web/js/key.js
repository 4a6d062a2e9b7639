// The API key the page sends, kept in this browser's localStorage: entered once, in a
// dialog that opens when the API answers 401 (or from the header's "API key" button).

import { setText } from "./text.js";

const STORAGE = "syn0.apiKey";
const $ = (id) => document.getElementById(id);

export const currentKey = () => localStorage.getItem(STORAGE);

let pending = null;

// Open the dialog (once, however many requests were refused); resolves true when a key
// was saved, false when the dialog was closed without one.
export function askForKey(reason) {
  if (pending) return pending;
  const dialog = $("key-dialog");
  setText($("key-reason"), reason);
  $("key-input").value = currentKey() ?? "";
  pending = new Promise((resolve) => {
    dialog.addEventListener(
      "close",
      () => {
        pending = null;
        const key = $("key-input").value.trim();
        const saved = dialog.returnValue === "save" && key !== "";
        if (saved) localStorage.setItem(STORAGE, key);
        resolve(saved);
      },
      { once: true },
    );
  });
  dialog.showModal();
  return pending;
}

$("key-forget").addEventListener("click", () => {
  localStorage.removeItem(STORAGE);
  $("key-input").value = "";
  $("key-dialog").close("forget");
});
