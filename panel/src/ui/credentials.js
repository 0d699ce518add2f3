// @ts-check
// The small Content Credentials badge on each take card. It reads what the take's record
// says happened when the take was made (`record.credentials`), so the gallery costs no
// extra request; `promptcut verify` and GET /takes/<id>/credentials read the file itself.

const UNTRUSTED_NOTE =
  "Validators call this computer's local certificate untrusted (nobody outside this machine " +
  "vouches for it), yet they still detect any change to the file. docs/credentials.md says " +
  "how to trust it in-house or sign with a studio certificate.";

/**
 * @param {{record?: {credentials?: {signed?: boolean, kind?: string, signer?: string, reason?: string}}}} take
 * @returns {{state: "local" | "signed" | "unsigned", text: string, title: string}}
 */
export function credentialsBadge(take) {
  const cr = (take.record && take.record.credentials) || null;
  if (!cr || !cr.signed) {
    const why = cr && cr.reason ? cr.reason : "this take was made before Promptcut signed takes.";
    return { state: "unsigned", text: "", title: `No Content Credentials: ${why}` };
  }
  if (cr.kind === "local") {
    return { state: "local", text: "CR", title: `Content Credentials: AI-generated, signed by ${cr.signer || "this computer"}. ${UNTRUSTED_NOTE}` };
  }
  return { state: "signed", text: "CR", title: `Content Credentials: AI-generated, signed by ${cr.signer || "your studio's certificate"}.` };
}
