import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A test CA and a server certificate for 127.0.0.1 and localhost it signed, in a temporary folder. */
export interface TestCertificates {
  readonly dir: string;
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  dispose(): void;
}

function openssl(args: string[], cwd: string): void {
  const r = spawnSync("openssl", args, { cwd, stdio: "pipe" });
  if (r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr.toString()}`);
}

/** True when the `openssl` binary is there to make test certificates. */
export function opensslInstalled(): boolean {
  return spawnSync("openssl", ["version"]).status === 0;
}

/** Makes the certificates with openssl (EC P-256, valid two days). */
export function makeCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), "tesserae-tls-"));
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  openssl(
    [
      "req",
      "-x509",
      ...ec,
      "-keyout",
      "ca-key.pem",
      "-out",
      "ca.pem",
      "-days",
      "2",
      "-subj",
      "/CN=tesserae-test-ca",
    ],
    dir,
  );
  openssl(["req", ...ec, "-keyout", "server-key.pem", "-out", "server.csr", "-subj", "/CN=127.0.0.1"], dir);
  writeFileSync(join(dir, "ext.cnf"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  openssl(
    [
      "x509",
      "-req",
      "-in",
      "server.csr",
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca-key.pem",
      "-CAcreateserial",
      "-out",
      "server.pem",
      "-days",
      "2",
      "-extfile",
      "ext.cnf",
    ],
    dir,
  );
  return {
    dir,
    caFile: join(dir, "ca.pem"),
    certFile: join(dir, "server.pem"),
    keyFile: join(dir, "server-key.pem"),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
