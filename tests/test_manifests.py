"""The plugin manifests: UXP (required fields, network permission for the bridge's default
origin) and CEP (well-formed, hosted by Premiere Pro)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from bridge.config import DEFAULT_PORT

PANEL = Path(__file__).resolve().parents[1] / "panel"


def uxp_manifest() -> dict:
    return json.loads((PANEL / "uxp" / "manifest.json").read_text(encoding="utf-8"))


def version_tuple(v: str) -> tuple[int, ...]:
    return tuple(int(x) for x in v.split("."))


def test_uxp_manifest_required_fields():
    m = uxp_manifest()
    assert m["manifestVersion"] == 5
    for key in ("id", "name", "version", "main", "host", "entrypoints"):
        assert m.get(key), key
    assert m["host"]["app"] == "premierepro"
    assert version_tuple(m["host"]["minVersion"]) >= (25, 6, 0)
    assert (PANEL / m["main"]).is_file()
    panels = [e for e in m["entrypoints"] if e["type"] == "panel"]
    assert len(panels) == 1 and panels[0]["id"] and panels[0]["label"]["default"]
    assert panels[0]["minimumSize"]["width"] <= 320
    assert version_tuple(m["version"]) >= (0, 1, 0)


def test_uxp_network_domains_name_the_bridge_origin_with_scheme_and_port():
    domains = uxp_manifest()["requiredPermissions"]["network"]["domains"]
    assert f"http://127.0.0.1:{DEFAULT_PORT}" in domains
    assert f"http://localhost:{DEFAULT_PORT}" in domains
    # Only the bridge: no wildcard, nothing off the machine.
    assert all(d.startswith(("http://127.0.0.1:", "http://localhost:")) for d in domains)
    # The panel's built-in default matches the manifest.
    token_js = (PANEL / "src" / "token.js").read_text(encoding="utf-8")
    assert f'DEFAULT_BASE = "http://127.0.0.1:{DEFAULT_PORT}"' in token_js


def test_cep_manifest_is_well_formed_for_premiere():
    root = ET.parse(PANEL / "cep" / "CSXS" / "manifest.xml").getroot()
    assert root.tag == "ExtensionManifest"
    hosts = root.findall("./ExecutionEnvironment/HostList/Host")
    assert [h.get("Name") for h in hosts] == ["PPRO"]
    bundle = root.get("ExtensionBundleId")
    ext_ids = [e.get("Id") for e in root.findall("./ExtensionList/Extension")]
    assert ext_ids and all(i.startswith(bundle) for i in ext_ids)
    resources = root.find("./DispatchInfoList/Extension/DispatchInfo/Resources")
    assert resources.findtext("MainPath") == "./index.html"
    script = resources.findtext("ScriptPath")
    assert (PANEL / "cep" / script).is_file()
    assert root.find("./DispatchInfoList/Extension/DispatchInfo/UI/Type").text == "Panel"
    assert (PANEL / "cep" / "index.html").is_file()


def test_cep_manifest_keeps_the_same_origin_policy_on():
    """The panel loads from the bridge's origin (cep/launcher.js), so no CEF switch may
    turn web security off or open file:// to the page (issue 8)."""
    root = ET.parse(PANEL / "cep" / "CSXS" / "manifest.xml").getroot()
    switches = [p.text.strip() for p in root.iter("Parameter") if p.text]
    assert not {"--disable-web-security", "--allow-file-access-from-files",
                "--allow-universal-access-from-files", "--disable-site-isolation-trials",
                "--user-data-dir"} & set(switches), switches
