import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/**
 * better-sqlite3's install script is `prebuild-install || node-gyp rebuild --release`: it takes a
 * prebuilt binary when it finds one and compiles from source otherwise (about 90 s on two cores).
 * Where GitHub is reachable, prebuild-install downloads the binary; where only the npm registry
 * is, every project compiles it again. prebuild-install also looks in a folder of local prebuilds
 * first, named by the documented `npm_config_better_sqlite3_local_prebuilds` variable: a project
 * installed after the first takes the first project's build from there, through the same install
 * script, which loads the binary before it accepts it.
 */
export const localPrebuildsVariable = "npm_config_better_sqlite3_local_prebuilds";

/** The file name prebuild-install looks for: `<name>-v<version>-node-v<abi>-<platform><libc>-<arch>.tar.gz`. */
function prebuildName(version: string): string {
  const glibc = (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header
    ?.glibcVersionRuntime;
  const libc = process.platform === "linux" && glibc === undefined ? "musl" : "";
  return `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}${libc}-${process.arch}.tar.gz`;
}

/** How an installed project got better-sqlite3's binary: compiled here (node-gyp leaves its objects) or prebuilt. */
export function nativeBuildOrigin(appDir: string): "compiled from source" | "prebuilt" | "missing" {
  const build = join(appDir, "node_modules/better-sqlite3/build");
  if (!existsSync(join(build, "Release/better_sqlite3.node"))) return "missing";
  return existsSync(join(build, "Release/obj.target")) ? "compiled from source" : "prebuilt";
}

/**
 * Packs the better-sqlite3 binary that `appDir`'s install built (or downloaded) into `prebuilds`,
 * in the layout prebuild-install unpacks (`build/Release/better_sqlite3.node`). Resolves to the
 * environment that points later installs at it, or to undefined when there is no binary to share
 * or no `tar` to pack it with (they then build their own, as a newcomer's would).
 */
export async function shareNativeBuild(
  appDir: string,
  prebuilds: string,
): Promise<Record<string, string> | undefined> {
  const pkgDir = join(appDir, "node_modules/better-sqlite3");
  if (nativeBuildOrigin(appDir) === "missing") return undefined;
  const { version } = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")) as { version: string };
  mkdirSync(prebuilds, { recursive: true });
  const tarball = join(prebuilds, prebuildName(version));
  try {
    await run("tar", ["-czf", tarball, "-C", pkgDir, "build/Release/better_sqlite3.node"]);
  } catch (err) {
    console.log(
      `better-sqlite3's build is not shared (${(err as Error).message}): each project builds its own`,
    );
    return undefined;
  }
  return { [localPrebuildsVariable]: prebuilds };
}
