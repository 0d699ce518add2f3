// @ts-check
// One-time pairing for UXP and CEP: the bridge address and its token (`promptcut token`),
// kept in the panel's localStorage so the editor does this once per machine.

import { forgetToken, loadBase, loadToken, looksLikePairCode, saveBase, saveToken } from "../token.js";
import { getBridge, retryNow } from "../sync.js";
import { h } from "./dom.js";

/** @type {HTMLDivElement | null} */
let dialog = null;

export function openPairing() {
  if (dialog) return;
  const bridge = getBridge();
  const base = h("input#pair-base", { type: "url", value: bridge ? bridge.base : loadBase(null) });
  const token = h("input#pair-token", { type: "password", value: loadToken(), placeholder: "paste the token", autocomplete: "off" });
  const save = h("button.primary#pair-save", { type: "button" }, "Save");
  const cancel = h("button.small", { type: "button" }, "Cancel");
  const forget = h("button.small", { type: "button" }, "Forget token");
  const error = h("div.job-error#pair-error", { role: "alert" });
  dialog = h("div.modal#pairing", { role: "dialog", "aria-label": "Pair with the bridge" },
    h("div.card", null,
      h("h2", null, "Pair with the bridge"),
      h("p.hint", null, "Paste the pairing code from the link ", h("code", null, "promptcut serve"),
        " prints (after #pair=), or the token from ", h("code", null, "promptcut token"),
        ". You do this once; the panel remembers it."),
      h("label.field", null, h("span.field-label", null, "Bridge address"), base),
      h("label.field", null, h("span.field-label", null, "Pairing code or token"), token),
      error,
      h("div.row", null, forget, h("span.grow"), cancel, save)));
  document.body.appendChild(dialog);
  const close = () => { dialog?.remove(); dialog = null; };
  cancel.addEventListener("click", close);
  forget.addEventListener("click", () => { forgetToken(); token.value = ""; });
  save.addEventListener("click", async () => {
    saveBase(base.value);
    let value = token.value.trim();
    if (bridge) bridge.base = base.value.trim().replace(/\/+$/, "");
    if (bridge && looksLikePairCode(value)) {
      try {
        value = await bridge.pair(value);
      } catch (e) {
        error.textContent = e instanceof Error ? e.message : String(e);
        return;
      }
    }
    saveToken(value);
    if (bridge) bridge.token = value;
    close();
    retryNow();
  });
  token.focus();
}
