// @ts-check
// The CEP extension's own page (file://) only finds the bridge and opens the panel from the
// bridge's origin: http://127.0.0.1:<port>/panel/?host=cep. The panel then runs same-origin
// with the bridge, so the extension keeps Chromium's same-origin policy on (no
// --disable-web-security) and the bridge needs no CORS for `Origin: null`. CEP's
// window.__adobe_cep__ and window.cep are there on the bridge's page as on this one
// (hosts/cep.js uses them). The port: ?port=N, else the last one that worked, else 8642.

(function () {
  var DEFAULT_PORT = 8642;
  var KEY = "promptcut.port";

  function savedPort() {
    var fromQuery = new URLSearchParams(location.search).get("port");
    var stored = null;
    try {
      stored = localStorage.getItem(KEY);
    } catch (e) {
      stored = null;
    }
    var port = parseInt(fromQuery || stored || String(DEFAULT_PORT), 10);
    return port > 0 && port < 65536 ? port : DEFAULT_PORT;
  }

  /**
   * One element of cep/index.html, which has them all.
   * @param {string} id @returns {HTMLElement}
   */
  function byId(id) {
    var el = document.getElementById(id);
    if (!el) throw new Error("cep/index.html has no #" + id);
    return el;
  }

  /** @returns {HTMLInputElement} */
  function portInput() {
    return /** @type {HTMLInputElement} */ (byId("port"));
  }

  /** @param {number} port @param {string} path */
  function bridgeUrl(port, path) {
    return "http://127.0.0.1:" + port + path;
  }

  /** @param {number} port */
  function open(port) {
    byId("status").textContent = "Connecting to Promptcut on port " + port + "...";
    byId("offline").hidden = true;
    // no-cors: this page may not read the answer (another origin), only learn that the
    // bridge listens; a refused connection rejects.
    fetch(bridgeUrl(port, "/api/v1/health"), { mode: "no-cors", cache: "no-store" })
      .then(function () {
        try {
          localStorage.setItem(KEY, String(port));
        } catch (e) {
          /* remembered next time only */
        }
        location.replace(bridgeUrl(port, "/panel/?host=cep"));
      })
      .catch(function () {
        byId("status").textContent = "";
        byId("port-shown").textContent = String(port);
        portInput().value = String(port);
        byId("offline").hidden = false;
      });
  }

  byId("retry").addEventListener("click", function () {
    var port = parseInt(portInput().value, 10);
    open(port > 0 && port < 65536 ? port : DEFAULT_PORT);
  });
  open(savedPort());
})();
