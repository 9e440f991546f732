import { type FSWatcher, readdirSync, statSync, watch } from "node:fs";
import { join } from "node:path";

const ignoredDirs = new Set(["node_modules", ".git", ".tesserae", "dist", "coverage"]);

const ignoredFile = /(^|[/\\])(\.#|#)|~$|\.sw[px]$|\.tmp$/;

/**
 * Calls `onChange` (debounced) when a file of the project changes. The root is watched on its own
 * and each of its folders recursively, leaving out node_modules, dist, coverage and hidden folders:
 * a recursive watch of the root would walk node_modules.
 */
export function watchProject(root: string, onChange: (file: string) => void, debounceMs = 120): () => void {
  const watchers = new Map<string, FSWatcher>();
  let timer: NodeJS.Timeout | undefined;
  let last = "";
  const changed = (file: string) => {
    if (ignoredFile.test(file)) return;
    last = file;
    clearTimeout(timer);
    timer = setTimeout(() => onChange(last), debounceMs);
  };
  const watchDir = (name: string) => {
    if (watchers.has(name) || ignoredDirs.has(name) || name.startsWith(".")) return;
    try {
      const w = watch(join(root, name), { recursive: true }, (_event, file) => {
        if (file !== null && !file.split(/[/\\]/).some((part) => ignoredDirs.has(part)))
          changed(join(name, file));
      });
      w.on("error", () => watchers.delete(name));
      watchers.set(name, w);
    } catch {
      // Gone already, or not a folder.
    }
  };
  const top = watch(root, (_event, file) => {
    if (file === null || ignoredDirs.has(file)) return;
    if (statSync(join(root, file), { throwIfNoEntry: false })?.isDirectory()) watchDir(file);
    changed(file);
  });
  for (const entry of readdirSync(root, { withFileTypes: true }))
    if (entry.isDirectory()) watchDir(entry.name);
  return () => {
    clearTimeout(timer);
    top.close();
    for (const w of watchers.values()) w.close();
  };
}
